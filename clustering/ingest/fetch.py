"""Fetch web pages and RSS/Atom feeds into an inbox folder, where the read stage picks them up.

Each URL lands as one JSONL file named by a hash of the URL: a page as one record (trafilatura's
extraction; its id is the URL), a feed as one record per item, each item's text taken from its linked
page (or from the item's own summary when the page holds no article). A feed item's id is the feed's URL
and the item's guid (``https://site/feed.rss#guid``): a feed cannot take the id of a page fetched
directly, or of another feed's items. A fetched item page is kept in ``page_cache`` and never fetched
again, so the next scheduled run, or a run started again after a crash, only fetches the feed and its new
items. Every URL ends as records or rejects: one that cannot be fetched, a page without an article, a feed
without items, or a feed item whose page cannot be fetched yet is a ``Reject`` with the reason, and the
run goes on.

Only public addresses are fetched: the address a connection is made to (after DNS, on every redirect,
IPv4 and IPv6) must be global, unless ``FetchConfig.allow_private_hosts``. It is checked where the
socket connects, so a name that resolves to a public address when checked and a private one later
(DNS rebinding) gains nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import socket
import time
from collections.abc import Iterable
from pathlib import Path

import httpcore
import httpx

from clustering.config import FetchConfig, ReadConfig
from clustering.ingest.markup import FeedError, PageError, feed_items, page_fields
from clustering.ingest.read import is_url
from clustering.records import Reject
from clustering.storage.atomic import write_atomic

MAX_REDIRECTS = 10


class FetchError(OSError):
    """A URL that gave no content: a network error, an HTTP error status, or a body over the size limit."""


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:24]


def public_address(address: str) -> bool:
    """Whether an IP address is on the public internet: not loopback, private, link-local, shared,
    multicast or reserved, also when written inside an IPv6 address (mapped, 6to4, NAT64)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return public_address(str(embedded))
    return ip.is_global and not ip.is_multicast


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Connects only to public addresses: each of the host's addresses is checked, and the socket is
    opened to the checked address itself."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        public = [address for address in addresses if public_address(address)]
        if not public:
            raise httpcore.ConnectError(
                f"{host} is at a non-public address ({', '.join(addresses)}): not fetched "
                "(fetch.allow_private_hosts = true allows it)"
            )
        error: httpcore.ConnectError | None = None
        for address in public:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as failed:
                error = failed
        assert error is not None
        raise error


class _PublicOnlyTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__(trust_env=False)
        # httpx has no argument for a network backend: its pool is made again with one.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=_PublicOnlyBackend()
        )


def new_client(config: FetchConfig = FetchConfig()) -> httpx.Client:
    """The HTTP client ``land`` fetches with: public addresses only unless ``config.allow_private_hosts``;
    proxies from the environment are not used (the address checked must be the one connected to)."""
    transport = httpx.HTTPTransport(trust_env=False) if config.allow_private_hosts else _PublicOnlyTransport()
    return httpx.Client(
        transport=transport, trust_env=False, timeout=config.timeout_seconds, headers={"User-Agent": config.user_agent}
    )


def fetch(url: str, client: httpx.Client, config: FetchConfig = FetchConfig()) -> bytes:
    """The body of ``url`` (up to ``MAX_REDIRECTS`` redirects followed), or ``FetchError`` saying why
    not. The whole URL takes at most ``config.deadline_seconds`` (and one read timeout past it)."""
    deadline = time.monotonic() + config.deadline_seconds
    location = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            timeout = min(config.timeout_seconds, remaining)
            with client.stream("GET", location, timeout=timeout, follow_redirects=False) as response:
                if response.is_redirect and "location" in response.headers:
                    location = str(response.url.join(response.headers["location"]))
                    continue
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} from {location}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > config.max_bytes:
                        raise FetchError(f"{url} is larger than {config.max_bytes:,} bytes")
                    if time.monotonic() > deadline:
                        break
                else:
                    return bytes(body)
                break
        else:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
    except httpx.HTTPError as error:
        raise FetchError(f"cannot fetch {url}: {error}") from error
    raise FetchError(f"{url} took over the deadline of {config.deadline_seconds:g} s")


# An HTML document's opening: an XML declaration, comments and a doctype, then <html>. Read as a page
# whatever a feed parser makes of it (well-formed XHTML parses as a feed without items).
_HTML_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html[^>]*>\s*)?"
    rb"(?:<!--.*?-->\s*)*<html[\s>]",
    re.IGNORECASE | re.DOTALL,
)


def is_html(content: bytes) -> bool:
    return _HTML_START.match(content[:8192]) is not None


def _page_record(url: str, content: bytes, read: ReadConfig) -> dict[str, object] | None:
    fields = page_fields(content, read)
    return None if fields is None else {**fields, "id": url, "url": url}


def _item_record(
    item: dict[str, object], client: httpx.Client, page_cache: Path, config: FetchConfig, read: ReadConfig
) -> dict[str, object] | Reject:
    """A feed item, its text from the linked page where that page holds an article."""
    link = item.get("url")
    if not (config.follow_item_links and isinstance(link, str) and is_url(link)):
        return item
    cached = page_cache / f"{url_key(link)}.json"
    if cached.exists():
        page = json.loads(cached.read_text(encoding="utf-8"))
    else:
        try:
            page = _page_record(link, fetch(link, client, config), read) or {}
        except FetchError as error:
            # Held back rather than landed with its summary, so its text does not change once stored.
            return Reject(origin=link, reason=f"{error} (the item is fetched again next run)", id=str(item.get("id")))
        except PageError as error:  # the page will not read any better later: the summary stands in
            page = {"error": str(error)}
        # ASCII JSON: a lone surrogate a page decodes to is kept as its escape, for reading to reject.
        write_atomic(cached, json.dumps(page, default=str))
    if not page.get("text"):
        return item  # a page without an article: the feed's summary is all there is
    # The feed knows the outlet, the headline and the time; the page holds the article.
    return {**item, "text": page["text"], "title": item.get("title") or page.get("title")}


def _feed_records(
    url: str, content: bytes, client: httpx.Client, page_cache: Path, config: FetchConfig, read: ReadConfig
) -> list[dict[str, object] | Reject]:
    """A feed's items as records (ids under the feed's URL) or rejects; ``FeedError`` when it is no feed."""
    items = feed_items(content)
    if not items:
        return [Reject(origin=url, reason="the feed holds no items")]
    for item in items:
        if item.get("id") is not None:
            item["guid"], item["id"] = item["id"], f"{url}#{item['id']}"
    return [_item_record(item, client, page_cache, config, read) for item in items]


def _url_records(
    url: str, content: bytes, client: httpx.Client, page_cache: Path, config: FetchConfig, read: ReadConfig
) -> list[dict[str, object] | Reject]:
    """What one fetched URL gives: a feed's items, or a page's article; a reject says why nothing."""
    if not is_html(content):
        try:
            return _feed_records(url, content, client, page_cache, config, read)
        except FeedError:
            pass  # not a feed: a page
    try:
        page = _page_record(url, content, read)
    except PageError as error:
        return [Reject(origin=url, reason=str(error), id=url)]
    return [page] if page is not None else [Reject(origin=url, reason="no article text found in the page", id=url)]


def land(
    urls: Iterable[str],
    inbox: Path | str,
    page_cache: Path | str,
    config: FetchConfig = FetchConfig(),
    client: httpx.Client | None = None,
    read: ReadConfig = ReadConfig(),
) -> list[Reject]:
    """Fetch each URL (a page or a feed) into ``inbox`` as JSONL; return the URLs, items and pages that
    gave no article, with the reason. ``client`` defaults to ``new_client(config)``."""
    inbox, page_cache = Path(inbox), Path(page_cache)
    inbox.mkdir(parents=True, exist_ok=True)
    page_cache.mkdir(parents=True, exist_ok=True)
    http = client or new_client(config)
    rejects: list[Reject] = []
    try:
        for url in urls:
            try:
                content = fetch(url, http, config)
            except FetchError as error:
                rejects.append(Reject(origin=url, reason=str(error)))
                continue
            outcomes = _url_records(url, content, http, page_cache, config, read)
            rejects += [outcome for outcome in outcomes if isinstance(outcome, Reject)]
            records = [outcome for outcome in outcomes if not isinstance(outcome, Reject)]
            lines = "".join(json.dumps(record, default=str) + "\n" for record in records)
            write_atomic(inbox / f"{url_key(url)}.jsonl", lines)
    finally:
        if client is None:
            http.close()
    return rejects
