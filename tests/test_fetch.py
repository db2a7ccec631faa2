"""Fetching pages and feeds from a local web server (no network needed)."""

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clustering.config import FetchConfig
from clustering.ingest import fetch
from clustering.ingest.fetch import is_url, land, public_address
from clustering.ingest.read import read_inputs

# The test site is on loopback, which the fetcher refuses by default.
LOCAL = FetchConfig(allow_private_hosts=True)

ARTICLE = " ".join(
    f"Sentence {n} of the report on the flooding in the Rhine valley, where rescuers from Koblenz worked all night."
    for n in range(12)
)
PAGE = f"""<html><head><title>Floods in the Rhine valley</title><meta property="og:site_name" content="Valley News">
</head><body><nav>Home | World | Sport</nav><article><h1>Floods in the Rhine valley</h1>
<p>{ARTICLE}</p><p>{ARTICLE}</p></article><footer>Subscribe to our newsletter</footer></body></html>"""
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>
<item><guid>item-1</guid><title>Floods in the Rhine valley</title><link>{base}/flood.html</link>
<description>Short summary of the floods.</description><pubDate>Mon, 10 Mar 2014 08:00:00 GMT</pubDate></item>
<item><guid>item-2</guid><title>Later news</title><link>{base}/later.html</link>
<description>Summary of later news.</description><pubDate>Mon, 10 Mar 2014 09:00:00 GMT</pubDate></item>
<item><guid>item-3</guid><title>Gallery</title><link>{base}/gallery.html</link>
<description>Pictures of the floods in Koblenz.</description><pubDate>Mon, 10 Mar 2014 10:00:00 GMT</pubDate></item>
</channel></rss>"""


class _Site:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str]] = {}
        self.hits: Counter[str] = Counter()


@contextmanager
def _serving(state: _Site, address: str) -> Iterator[str]:
    """A web server on ``address`` answering from ``state.pages`` (status 299: a body dripped a byte at a
    time, every 0.2 s; 301 and 302: the body is the new location); yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] += 1
            status, body = state.pages.get(self.path, (404, "not found"))
            if status == 299:
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
                return
            payload = body.encode()
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", body)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{address}:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def site() -> Iterator[tuple[_Site, str]]:
    state = _Site()
    with _serving(state, "127.0.0.1") as base:
        state.pages = {
            "/feed.rss": (200, FEED.format(base=base)),
            "/flood.html": (200, PAGE),
            "/gallery.html": (200, "<html><body><img src='a.jpg'></body></html>"),
            "/story.html": (200, PAGE),
        }
        yield state, base


def test_feed_items_take_their_text_from_the_linked_page(site, tmp_path):
    _, base = site
    urls = [f"{base}/feed.rss", f"{base}/story.html", f"{base}/gone.html"]
    rejects = land(urls, tmp_path / "in", tmp_path / "pages", LOCAL)
    by_id = {article.id: article for article in read_inputs([tmp_path / "in"]).articles}
    feed = f"{base}/feed.rss"
    # Item 1: the article from its page, the headline, outlet and time from the feed.
    # An item's id is its guid under the feed's URL.
    first = by_id[f"{feed}#item-1"]
    assert "rescuers from Koblenz" in first.text and "Subscribe" not in first.text
    assert first.title == "Floods in the Rhine valley" and first.source == "Valley News"
    assert first.published.isoformat() == "2014-03-10T08:00:00+00:00"
    # Item 3's page holds no article: the feed's summary stands in.
    assert by_id[f"{feed}#item-3"].text == "Pictures of the floods in Koblenz."
    # A page given directly is one article, its id the URL.
    assert "rescuers from Koblenz" in by_id[f"{base}/story.html"].text
    # Item 2's page is missing: held back with a reason, not landed with its summary. A dead URL: rejected.
    assert f"{feed}#item-2" not in by_id
    assert {reject.origin for reject in rejects} == {f"{base}/later.html", f"{base}/gone.html"}
    assert all("HTTP 404" in reject.reason for reject in rejects)


def test_the_next_run_fetches_only_new_pages(site, tmp_path):
    state, base = site
    land([f"{base}/feed.rss"], tmp_path / "in", tmp_path / "pages", LOCAL)
    state.pages["/later.html"] = (200, PAGE.replace("Rhine", "Elbe"))
    rejects = land([f"{base}/feed.rss"], tmp_path / "in", tmp_path / "pages", LOCAL)
    assert rejects == []
    assert state.hits["/feed.rss"] == 2 and state.hits["/flood.html"] == 1 and state.hits["/later.html"] == 2
    ids = {article.id for article in read_inputs([tmp_path / "in"]).articles}
    assert ids == {f"{base}/feed.rss#item-{n}" for n in (1, 2, 3)}


def test_urls_are_told_from_paths():
    assert is_url("https://example.org/feed.rss") and is_url("http://example.org")
    assert not is_url("seeds") and not is_url("/data/http/feed.xml")


def test_the_pipeline_reads_a_feed_url(prefect_harness, site, tmp_path):
    import json

    from flows.pipeline import pipeline_flow

    _, base = site
    local = {"fetch": {"allow_private_hosts": True}}
    report = pipeline_flow(inputs=[f"{base}/feed.rss"], out=str(tmp_path / "out"), settings=local)
    assert (report.counts["accepted"], report.counts["rejected"]) == (2, 1)
    stored = {json.loads(line)["id"] for line in (tmp_path / "out" / "articles.jsonl").read_text().splitlines()}
    assert stored == {f"{base}/feed.rss#item-1", f"{base}/feed.rss#item-3"}
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()]
    assert [row["origin"] for row in rejected] == [f"{base}/later.html"]


XHTML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Floods in the Rhine valley</title></head>
<body><article><h1>Floods in the Rhine valley</h1><p>{text}</p><p>{text}</p></article></body></html>"""


def test_every_fetched_url_ends_as_articles_or_rejects(site, tmp_path):
    """A well-formed XHTML page (which a feed parser reads as a feed without items) is a page; a feed
    without items, and a page without an article, are rejects with the reason."""
    state, base = site
    state.pages["/x.html"] = (200, XHTML.format(text=ARTICLE))
    state.pages["/empty.rss"] = (
        200,
        '<?xml version="1.0"?><rss version="2.0"><channel><title>E</title></channel></rss>',
    )
    urls = [f"{base}/x.html", f"{base}/empty.rss", f"{base}/gallery.html"]
    rejects = land(urls, tmp_path / "in", tmp_path / "pages", LOCAL)
    articles = read_inputs([tmp_path / "in"]).articles
    assert [article.id for article in articles] == [f"{base}/x.html"]
    assert "rescuers from Koblenz" in articles[0].text
    assert {(reject.origin, reject.reason) for reject in rejects} == {
        (f"{base}/empty.rss", "the feed holds no items"),
        (f"{base}/gallery.html", "no article text found in the page"),
    }


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::6810:85e5", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
    ],
)
def test_only_public_addresses_are_public(address, public):
    assert public_address(address) is public


def test_loopback_is_not_fetched_by_default(site, tmp_path):
    state, base = site
    rejects = land([f"{base}/story.html"], tmp_path / "in", tmp_path / "pages")
    assert state.hits["/story.html"] == 0
    assert len(rejects) == 1 and "non-public address (127.0.0.1)" in rejects[0].reason
    assert "allow_private_hosts" in rejects[0].reason


@pytest.fixture
def private_site(monkeypatch):
    """A second server, on 127.0.0.2, holding a secret page; the fetcher takes only 127.0.0.1 for public.
    What a redirect or a feed's link to an internal address meets."""
    state = _Site()
    state.pages = {"/secret.html": (200, PAGE.replace("Rhine", "SECRET"))}
    monkeypatch.setattr(fetch, "public_address", lambda address: address == "127.0.0.1")
    with _serving(state, "127.0.0.2") as base:
        yield state.hits, base


def test_no_redirect_or_feed_link_reaches_a_private_address(site, private_site, tmp_path):
    state, base = site
    secret_hits, secret_base = private_site
    state.pages["/jump.html"] = (302, f"{secret_base}/secret.html")
    item = f"<item><guid>s</guid><title>In</title><link>{secret_base}/secret.html</link></item>"
    state.pages["/inside.rss"] = (200, f'<rss version="2.0"><channel><title>T</title>{item}</channel></rss>')
    rejects = land([f"{base}/jump.html", f"{base}/inside.rss"], tmp_path / "in", tmp_path / "pages")
    assert secret_hits["/secret.html"] == 0 and state.hits["/jump.html"] == 1
    assert len(rejects) == 2 and all("non-public address (127.0.0.2)" in reject.reason for reject in rejects)
    assert not any("SECRET" in path.read_text() for path in (tmp_path / "in").iterdir())


def test_a_dripping_server_meets_the_deadline(site, tmp_path):
    state, base = site
    state.pages["/drip.html"] = (299, "")
    config = FetchConfig(allow_private_hosts=True, timeout_seconds=1, deadline_seconds=1)
    started = time.monotonic()
    rejects = land([f"{base}/drip.html"], tmp_path / "in", tmp_path / "pages", config)
    assert [reject.reason for reject in rejects] == [f"{base}/drip.html took over the deadline of 1 s"]
    assert time.monotonic() - started < 10  # 200 s of dripping otherwise


def test_a_feed_cannot_take_the_id_of_a_page(prefect_harness, site, tmp_path):
    """A feed item whose guid is another page's URL: the page keeps its id and is stored with its text."""
    import json

    from flows.pipeline import pipeline_flow

    state, base = site
    item = (
        f"<item><guid>{base}/story.html</guid><title>Fake</title><link>{base}/gallery.html</link>"
        "<description>Nothing to see here, only an item claiming another page's id.</description></item>"
    )
    state.pages["/squat.rss"] = (200, f'<rss version="2.0"><channel><title>Squat</title>{item}</channel></rss>')
    local = {"fetch": {"allow_private_hosts": True}}
    report = pipeline_flow(
        inputs=[f"{base}/squat.rss", f"{base}/story.html"], out=str(tmp_path / "out"), settings=local
    )
    assert (report.counts["accepted"], report.counts["rejected"]) == (2, 0)
    stored = {json.loads(line)["id"] for line in (tmp_path / "out" / "articles.jsonl").read_text().splitlines()}
    assert stored == {f"{base}/story.html", f"{base}/squat.rss#{base}/story.html"}
