"""Fetch web pages and RSS/Atom feeds into an inbox folder, where the read stage picks them up.

Each URL lands as one JSONL file named by a hash of the URL: a page as one record (trafilatura's
extraction; its id is the URL), a feed as one record per item, each item's text taken from its linked
page (or from the item's own summary when the page holds no article). A fetched item page is kept in
``page_cache`` and never fetched again, so the next scheduled run, or a run started again after a crash,
only fetches the feed and its new items. A URL that cannot be fetched, or a feed item whose page cannot
be fetched yet, is a ``Reject`` with the reason, and the run goes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import httpx

from clustering.config import FetchConfig
from clustering.ingest.read import FeedError, feed_items, page_fields
from clustering.records import Reject
from clustering.storage.atomic import write_atomic


class FetchError(OSError):
    """A URL that gave no content: a network error, an HTTP error status, or a body over the size limit."""


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:24]


def fetch(url: str, client: httpx.Client, config: FetchConfig = FetchConfig()) -> bytes:
    """The body of ``url`` (redirects followed), or ``FetchError`` saying why not."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {url}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > config.max_bytes:
                    raise FetchError(f"{url} is larger than {config.max_bytes:,} bytes")
            return bytes(body)
    except httpx.HTTPError as error:
        raise FetchError(f"cannot fetch {url}: {error}") from error


def _page_record(url: str, content: bytes) -> dict[str, object] | None:
    fields = page_fields(content)
    return None if fields is None else {**fields, "id": url, "url": url}


def _item_record(
    item: dict[str, object], client: httpx.Client, page_cache: Path, config: FetchConfig
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
            page = _page_record(link, fetch(link, client, config)) or {}
        except FetchError as error:
            # Held back rather than landed with its summary, so its text does not change once stored.
            return Reject(origin=link, reason=f"{error} (the item is fetched again next run)", id=str(item.get("id")))
        # ASCII JSON: a lone surrogate a page decodes to is kept as its escape, for reading to reject.
        write_atomic(cached, json.dumps(page, default=str))
    if not page.get("text"):
        return item  # a page without an article: the feed's summary is all there is
    # The feed knows the outlet, the headline and the time; the page holds the article.
    return {**item, "text": page["text"], "title": item.get("title") or page.get("title")}


def land(
    urls: Iterable[str],
    inbox: Path | str,
    page_cache: Path | str,
    config: FetchConfig = FetchConfig(),
    client: httpx.Client | None = None,
) -> list[Reject]:
    """Fetch each URL (a page or a feed) into ``inbox`` as JSONL; return the URLs that could not be read."""
    inbox, page_cache = Path(inbox), Path(page_cache)
    inbox.mkdir(parents=True, exist_ok=True)
    page_cache.mkdir(parents=True, exist_ok=True)
    http = client or httpx.Client(
        follow_redirects=True, timeout=config.timeout_seconds, headers={"User-Agent": config.user_agent}
    )
    rejects: list[Reject] = []
    try:
        for url in urls:
            try:
                content = fetch(url, http, config)
            except FetchError as error:
                rejects.append(Reject(origin=url, reason=str(error)))
                continue
            try:
                outcomes = [_item_record(item, http, page_cache, config) for item in feed_items(content)]
                rejects += [outcome for outcome in outcomes if isinstance(outcome, Reject)]
                records = [outcome for outcome in outcomes if not isinstance(outcome, Reject)]
            except FeedError:  # not a feed: a page
                page = _page_record(url, content)
                if page is None:
                    rejects.append(Reject(origin=url, reason="no article text found in the page", id=url))
                    continue
                records = [page]
            lines = "".join(json.dumps(record, default=str) + "\n" for record in records)
            write_atomic(inbox / f"{url_key(url)}.jsonl", lines)
    finally:
        if client is None:
            http.close()
    return rejects
