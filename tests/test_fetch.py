"""Fetching pages and feeds from a local web server (no network needed)."""

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clustering.ingest.fetch import is_url, land
from clustering.ingest.read import read_inputs

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


@pytest.fixture
def site() -> Iterator[tuple[_Site, str]]:
    state = _Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] += 1
            status, body = state.pages.get(self.path, (404, "not found"))
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    state.pages = {
        "/feed.rss": (200, FEED.format(base=base)),
        "/flood.html": (200, PAGE),
        "/gallery.html": (200, "<html><body><img src='a.jpg'></body></html>"),
        "/story.html": (200, PAGE),
    }
    yield state, base
    server.shutdown()


def test_feed_items_take_their_text_from_the_linked_page(site, tmp_path):
    _, base = site
    rejects = land([f"{base}/feed.rss", f"{base}/story.html", f"{base}/gone.html"], tmp_path / "in", tmp_path / "pages")
    by_id = {article.id: article for article in read_inputs([tmp_path / "in"]).articles}
    # Item 1: the article from its page, the headline, outlet and time from the feed.
    assert "rescuers from Koblenz" in by_id["item-1"].text and "Subscribe" not in by_id["item-1"].text
    assert by_id["item-1"].title == "Floods in the Rhine valley" and by_id["item-1"].source == "Valley News"
    assert by_id["item-1"].published.isoformat() == "2014-03-10T08:00:00+00:00"
    # Item 3's page holds no article: the feed's summary stands in.
    assert by_id["item-3"].text == "Pictures of the floods in Koblenz."
    # A page given directly is one article, its id the URL.
    assert "rescuers from Koblenz" in by_id[f"{base}/story.html"].text
    # Item 2's page is missing: held back with a reason, not landed with its summary. A dead URL: rejected.
    assert "item-2" not in by_id
    assert {reject.origin for reject in rejects} == {f"{base}/later.html", f"{base}/gone.html"}
    assert all("HTTP 404" in reject.reason for reject in rejects)


def test_the_next_run_fetches_only_new_pages(site, tmp_path):
    state, base = site
    land([f"{base}/feed.rss"], tmp_path / "in", tmp_path / "pages")
    state.pages["/later.html"] = (200, PAGE.replace("Rhine", "Elbe"))
    rejects = land([f"{base}/feed.rss"], tmp_path / "in", tmp_path / "pages")
    assert rejects == []
    assert state.hits["/feed.rss"] == 2 and state.hits["/flood.html"] == 1 and state.hits["/later.html"] == 2
    ids = {article.id for article in read_inputs([tmp_path / "in"]).articles}
    assert ids == {"item-1", "item-2", "item-3"}


def test_urls_are_told_from_paths():
    assert is_url("https://example.org/feed.rss") and is_url("http://example.org")
    assert not is_url("seeds") and not is_url("/data/http/feed.xml")


def test_the_pipeline_reads_a_feed_url(prefect_harness, site, tmp_path):
    import json

    from flows.pipeline import pipeline_flow

    _, base = site
    report = pipeline_flow(inputs=[f"{base}/feed.rss"], out=str(tmp_path / "out"))
    assert (report.counts["accepted"], report.counts["rejected"]) == (2, 1)
    stored = {json.loads(line)["id"] for line in (tmp_path / "out" / "articles.jsonl").read_text().splitlines()}
    assert stored == {"item-1", "item-3"}
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()]
    assert [row["origin"] for row in rejected] == [f"{base}/later.html"]
