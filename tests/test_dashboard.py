"""The served dashboard: pages, filters, highlighted passages, escaping, read-only; and in a real browser."""

import contextlib
import hashlib
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.exc import OperationalError

from clustering.publish.dashboard import create_app, server_config
from clustering.publish.store_view import highlighted
from clustering.records import FinishedRun
from clustering.reuse.edits import copy_edits

PAYLOAD = "<script>window.pwned=1</script>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def demo_store(prefect_harness, seeds_dir, tmp_path_factory) -> Path:
    """The seeds, an outlet's partial reprint of the Reuters story, an article with script in it, and one in
    German."""
    from flows.pipeline import pipeline_flow

    folder = tmp_path_factory.mktemp("in")
    for path in seeds_dir.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    reuters = (seeds_dir / "004_5a81d56bc7aaeb59.txt").read_text().split("(Reporting by")[0]
    paragraphs = [p for p in reuters.split("\n\n") if len(p.split()) > 20]
    records = [
        {
            "id": "courier",
            "title": "IS loses last Syrian stronghold",
            "source": "Daily Courier",
            "url": "https://courier.example.org/world/stronghold",
            "published": "2017-11-10",
            "text": "Share:\n\n" + "\n\n".join(paragraphs[:6]) + "\n\nComments\n\nGood riddance!",
        },
        {
            "id": "hostile",
            "title": f"Harbour strike {PAYLOAD}",
            "source": "Gazette <b>",
            "url": "javascript:alert(1)",
            "published": "2017-11-09",
            "text": f"Dockers in Gdansk went on strike on Thursday. <img src=x onerror=alert(1)> {PAYLOAD}",
        },
        {
            "id": "bundestag",
            "title": "Bundestag beschließt die Reform der Pflegeversicherung",
            "source": "Berliner Tageblatt",
            "published": "2017-11-10",
            "text": "Der Bundestag hat am Freitag mit großer Mehrheit die Reform der Pflegeversicherung "
            "beschlossen. Die Beiträge steigen im kommenden Jahr um einen halben Prozentpunkt, dafür erhalten "
            "pflegende Angehörige mehr Unterstützung. Die Opposition kritisierte, die Finanzierung sei nicht "
            "auf Dauer gesichert, und kündigte an, im Bundesrat Einspruch zu erheben.",
        },
    ]
    (folder / "feed.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    out = tmp_path_factory.mktemp("out")
    pipeline_flow(inputs=[str(folder)], out=str(out))
    return out


@pytest.fixture(scope="module")
def client(demo_store) -> TestClient:
    return TestClient(create_app(demo_store), base_url="http://localhost")


def _stories(demo_store: Path) -> list[dict]:
    return json.loads((demo_store / "stories.json").read_text())


def test_list_search_filters_and_sorting(client, demo_store):
    stories = _stories(demo_store)
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.count('class="story"') == len(stories)
    assert "default-src 'none'" in page.headers["content-security-policy"]
    mosul = client.get("/", params={"q": "mosul"}).text
    assert mosul.count('class="story"') == 1 and "Mosul" in mosul
    courier = client.get("/", params={"outlet": "Daily Courier"}).text
    assert courier.count('class="story"') == 1
    dated = client.get("/", params={"since": "2016-11-01", "until": "2016-11-30"}).text
    assert dated.count('class="story"') == 1 and "Mosul" in dated
    by_size = client.get("/", params={"sort": "size"}).text
    largest = max(stories, key=lambda story: len(story["article_ids"]))
    assert by_size.index(largest["story_id"]) < by_size.index(
        min(stories, key=lambda s: len(s["article_ids"]))["story_id"]
    )
    assert client.get("/", params={"sort": "sideways"}).status_code == 422
    # A page number past what the database's integers hold is a clear error, not a failed query.
    for path in ("/", "/api/stories"):
        assert client.get(path, params={"page": 10**20}).status_code == 422
        # So is a search longer than the query can hold; the longest it takes, of one-letter words, answers.
        assert client.get(path, params={"q": "w " * 3000}).status_code == 422
        assert (
            client.get(
                path,
                params={"q": " ".join("abcdefghijklmnopqrstuvwxyz"[i % 26] * (1 + i // 26) for i in range(160))[:500]},
            ).status_code
            == 200
        )


def test_story_page_highlights_the_shared_passage(client, demo_store):
    story = next(s for s in _stories(demo_store) if "courier" in s["article_ids"])
    page = client.get(f"/story/{story['story_id']}").text
    assert "Shared text" in page and "<mark>" in page
    assert "likely original" in page
    marked = page.split("<mark>")[1].split("</mark>")[0]
    assert len(marked.split()) > 20
    # The page furniture cleaning found ("Share:", the reading time) is shown grey, not as article text.
    greyed = [piece.split("</span>")[0] for piece in page.split('title="page furniture">')[1:]]
    assert "Share:" in greyed
    assert client.get("/story/st-nope").status_code == 404


def test_article_text_is_escaped_everywhere(client, demo_store):
    hostile = next(s for s in _stories(demo_store) if "hostile" in s["article_ids"])
    for path in ("/", f"/story/{hostile['story_id']}", "/outlets", "/map"):
        page = client.get(path).text
        assert "<script>window.pwned" not in page, path
        assert "<img src=x" not in page, path
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in client.get("/").text


def test_map_outlets_and_offline_assets(client):
    page = client.get("/map").text
    assert '<script src="/static/plotly.min.js">' in page and "data-figure" in page
    assert "https://" not in page.replace("https://plot.ly", "")  # plotly's own JSON names its site, loads nothing
    assert client.get("/static/plotly.min.js").status_code == 200
    outlets = client.get("/outlets").text
    assert "Daily Courier" in outlets and 'data-figure="reuse-flows"' in outlets and "reuse_graph.graphml" in outlets


def test_read_only(client, demo_store):
    store = demo_store / "store.sqlite"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    assert client.post("/").status_code == 405
    assert client.delete("/story/anything").status_code == 405
    client.get("/")
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_every_response_carries_the_security_headers(client):
    responses = [
        client.get("/"),
        client.get("/healthz"),
        client.get("/static/map.js"),
        client.get("/static/plotly.min.js"),
        client.get("/story/no-such-story"),
        client.get("/?since=not-a-date"),
        client.get("/no/such/page"),
    ]
    assert [response.status_code for response in responses] == [200, 200, 200, 200, 404, 422, 404]
    for response in responses:
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_reading_the_store_leaves_no_wal_files_and_cannot_write(demo_store, tmp_path):
    from clustering.storage.store import StoryStore

    copy = tmp_path / "store.sqlite"
    shutil.copy(demo_store / "store.sqlite", copy)
    application = TestClient(create_app(copy), base_url="http://localhost")
    assert application.get("/").status_code == 200
    assert sorted(path.name for path in tmp_path.iterdir()) == ["store.sqlite"]
    reader = StoryStore(copy, read_only=True)
    with pytest.raises(OperationalError, match="readonly"):
        reader.save_run(FinishedRun([]))
    reader.close()


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no story store"):
        create_app(tmp_path)


def test_highlighted_pieces():
    assert highlighted("abcdef", ((1, 3), (2, 4))) == [("a", ""), ("bcd", "shared"), ("ef", "")]
    # The page's furniture is greyed where no shared passage covers it.
    assert highlighted("abcdef", ((1, 3),), ((4, 6),)) == [("a", ""), ("bc", "shared"), ("d", ""), ("ef", "furniture")]
    # A copy-edit inside a shared passage is marked over the shared mark.
    assert highlighted("abcdef", ((0, 6),), (), ((2, 3),)) == [("ab", "shared"), ("c", "edit"), ("def", "shared")]


def test_copy_edits_are_the_words_each_copy_changed():
    first = "Intro. The army took the town on Monday, officials said. Footer."
    second = "The army captured the town on Monday, officials said."
    first_spans = ((first.index("The"), first.index(" Footer")),)
    first_edits, second_edits = copy_edits(first, first_spans, second, ((0, len(second)),))
    assert [first[start:end] for start, end in first_edits] == ["took"]
    assert [second[start:end] for start, end in second_edits] == ["captured"]
    # Outside the shared spans nothing is compared, and identical copies have no edits.
    assert copy_edits(second, ((0, len(second)),), second, ((0, len(second)),)) == ((), ())


@contextlib.contextmanager
def _serving(store: Path) -> Iterator[str]:
    """The dashboard over ``store``, served as ``storyline serve`` serves it, on a free port."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(server_config(create_app(store), "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(demo_store):
    with _serving(demo_store) as address:
        yield address


BROWSER_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
def test_in_a_real_browser(served, demo_store, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGUMENTS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(served + "/")
        assert page.locator("section.story").count() == len(_stories(demo_store))
        page.fill("input[name=q]", "stronghold")
        page.click("button[type=submit]")
        page.wait_for_url("**/?q=stronghold**")
        page.locator("section.story h2 a").first.click()
        page.wait_for_selector("mark")
        assert page.locator("mark").first.is_visible()
        page.screenshot(path=str(tmp_path / "story.png"), full_page=False)
        page.goto(served + "/?q=harbour")
        assert page.locator("section.story").count() == 1
        assert page.evaluate("typeof window.pwned") == "undefined"  # the injected script never ran
        # Paging keeps the filters; an article links out, to http(s) only.
        page.goto(served + "/?per_page=1&sort=size")
        page.click("nav.pages a[rel=next]")
        page.wait_for_url("**page=2**")
        assert "sort=size" in page.url and "per_page=1" in page.url and page.locator("section.story").count() == 1
        page.goto(served + "/?q=stronghold")
        page.locator("section.story h2 a").first.click()
        link = page.locator("#articles a[href^='https://courier.example.org']")
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert page.locator("a[href^='javascript:']").count() == 0
        # The map draws every story and names none (labels of near stories overlap): the largest are
        # listed beside it, largest first.
        page.goto(served + "/map")
        page.wait_for_selector("#map .main-svg")
        assert page.locator("#map .scatterlayer .point").count() == len(_stories(demo_store))
        assert page.locator("#map .textpoint").count() == 0
        largest = max(_stories(demo_store), key=lambda story: len(story["article_ids"]))
        assert page.locator("#largest li a").first.inner_text() == largest["headline"]
        # The outlets page draws who copies whom.
        page.goto(served + "/outlets")
        page.wait_for_selector("#reuse-flows .sankey")
        assert "Daily Courier" in page.locator("#reuse-flows").inner_text()
        # The API answers the browser as any client.
        answer = page.evaluate("fetch('/api/stories?per_page=1').then(response => response.json())")
        assert answer["total"] == len(_stories(demo_store)) and len(answer["stories"]) == 1
        assert errors == []
        browser.close()


def test_empty_form_fields_mean_no_filter(client, demo_store):
    page = client.get("/", params={"q": "", "outlet": "", "since": "", "until": "", "sort": "recent"})
    assert page.text.count('class="story"') == len(_stories(demo_store))
    assert client.get("/", params={"since": "yesterday"}).status_code == 422


def test_api_pages_filters_and_records(client, demo_store):
    stories = _stories(demo_store)
    first = client.get("/api/stories", params={"per_page": 2, "sort": "size"}).json()
    second = client.get("/api/stories", params={"per_page": 2, "sort": "size", "page": 2}).json()
    assert first["total"] == second["total"] == len(stories) and (first["page"], second["page"]) == (1, 2)
    listed = [story["story_id"] for story in first["stories"] + second["stories"]]
    assert len(listed) == len(set(listed)) == min(4, len(stories))
    albu_kamal = client.get("/api/stories", params={"q": "stronghold"}).json()["stories"][0]
    detail = client.get(f"/api/stories/{albu_kamal['story_id']}").json()
    assert {article["id"] for article in detail["article_list"]} >= {"courier", "004_5a81d56bc7aaeb59"}
    assert any(pair["original"] for pair in detail["reuse"])
    courier = client.get("/api/articles/courier").json()
    assert courier["url"] == "https://courier.example.org/world/stronghold" and courier["story_id"]
    assert client.get("/api/articles/hostile").json()["url"] is None  # not an http(s) link
    missing = client.get("/api/stories/nope")
    assert missing.status_code == 404 and missing.json() == {"detail": "no story 'nope' in this store"}
    assert client.get("/api/stories", params={"since": "soon"}).status_code == 422
    schema = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/articles/{article_id}"} <= set(schema["paths"])


def test_each_article_has_its_language_and_stories_are_filtered_by_language(client, demo_store):
    assert client.get("/api/articles/bundestag").json()["language"] == "de"
    assert client.get("/api/articles/courier").json()["language"] == "en"
    rows = {row["id"]: row["language"] for row in map(json.loads, (demo_store / "articles.jsonl").open())}
    assert rows["bundestag"] == "de" and rows["004_5a81d56bc7aaeb59"] == "en"
    german = client.get("/api/stories", params={"language": "de"}).json()
    assert german["total"] == 1 and german["stories"][0]["languages"] == ["de"]
    english = client.get("/api/stories", params={"language": "en", "per_page": 100}).json()
    assert english["total"] == len(_stories(demo_store)) - 1
    assert all(story["languages"] == ["en"] for story in english["stories"])
    page = client.get("/", params={"language": "de"}).text
    assert page.count('class="story"') == 1 and "Pflegeversicherung" in page
    assert '<option value="de" selected>de</option>' in page and '<option value="en">en</option>' in page


def test_errors_on_pages_are_pages(client):
    missing = client.get("/story/nope")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Not found" in missing.text and "no story &#39;nope&#39;" in missing.text
    bad = client.get("/", params={"since": "yesterday"})
    assert bad.status_code == 422 and "<h1>" in bad.text and "not a date" in bad.text
    worse = client.get("/", params={"page": "0"})
    assert worse.status_code == 422 and "page" in worse.text and worse.headers["content-type"].startswith("text/html")


def test_the_story_page_tells_who_broke_it_who_followed_and_who_copied_whom(client):
    stories = client.get("/api/stories", params={"q": "stronghold"}).json()["stories"]
    page = client.get(f"/story/{stories[0]['story_id']}").text
    assert 'id="broke"' in page and "First reported by" in page
    assert 'id="reprints"' in page and "Daily Courier" in page.split('id="reprints"')[1].split("</div>")[0]
    assert 'href="https://courier.example.org/world/stronghold" rel="noopener noreferrer"' in page
    assert "likely original: " in page and "<code>" + "0" * 56 not in page
    assert 'data-figure="story-timeline"' in page
    # One answer to "who was first": the API's, the table's "first" marks and the line above it.
    detail = client.get(f"/api/stories/{stories[0]['story_id']}").json()
    table = page.split('id="articles"')[1].split("</table>")[0]
    assert detail["first_reported"] and table.count('<td class="meta">first</td>') == len(detail["first_reported"])
    assert " to " in page.split('id="story-meta"')[1].split("</p>")[0]  # the story's date range


def test_pages_keep_the_filters_in_their_links(client):
    page = client.get("/", params={"per_page": 1, "sort": "size", "q": ""}).text
    assert 'href="/?sort=size&amp;page=2&amp;per_page=1"' in page
    timeline = client.get("/map", params={"story": _first_story_id(client)}).text
    assert " selected>" in timeline and "choose others below" not in timeline


def _first_story_id(client) -> str:
    return client.get("/api/stories", params={"sort": "size"}).json()["stories"][0]["story_id"]


def test_timeline_bins_fit_the_span():
    from datetime import date

    from clustering.publish.figures import bin_width

    assert bin_width(date(2020, 1, 1), date(2020, 1, 20)) == "day"
    assert bin_width(date(2020, 1, 1), date(2020, 9, 1)) == "week"
    assert bin_width(date(2016, 1, 1), date(2020, 1, 1)) == "month"


def test_reprint_trees_hang_each_copy_under_its_nearest_original():
    from datetime import UTC, datetime

    from clustering.publish.store_view import reprint_trees
    from clustering.records import Article, ReusePair

    def article(name: str, day: int) -> Article:
        return Article(id=name, text=name, source=name.upper(), published=datetime(2020, 1, day, tzinfo=UTC))

    members = [article("a", 1), article("b", 2), article("c", 3)]

    def pair(first: str, second: str) -> ReusePair:
        return ReusePair(first, second, 0.9, 0.9, 0.9, (), (), 100, first, "earlier")

    trees = reprint_trees(members, [pair("a", "b"), pair("b", "c"), pair("a", "c")])
    assert [node["article"].id for node in trees] == ["a"]
    assert trees[0]["copies"][0]["article"].id == "b" and trees[0]["copies"][0]["copies"][0]["article"].id == "c"


def test_a_thread_is_listed_filtered_and_shown_on_its_stories_pages(demo_store, tmp_path):
    """Two stories of one thread: the list links to the thread, filters by it (pages and API), and each
    story's page lists the thread's stories, oldest first."""
    import dataclasses

    from clustering.ingest.clean import CLEANING_VERSION
    from clustering.storage.store import StoryStore
    from clustering.storage.workspace import Workspace

    folder = tmp_path / "threaded"
    shutil.copytree(demo_store, folder)
    store = StoryStore(Workspace(folder).store, CLEANING_VERSION)
    try:
        stories = sorted(store.stories().values(), key=lambda s: (s.first_published is None, s.first_published))
        older, newer = stories[0], stories[1]
        threaded = [
            dataclasses.replace(story, thread_id="th-test") if story in (older, newer) else story for story in stories
        ]
        store.save_run(FinishedRun(threaded, (), store.last_report(), store.pairs(), store.positions()))
    finally:
        store.close()
    client = TestClient(create_app(folder), base_url="http://localhost")
    listing = client.get("/").text
    assert listing.count("thread of 2 stories") == 2 and 'href="/?thread=th-test"' in listing
    only = client.get("/", params={"thread": "th-test"}).text
    assert only.count('class="story"') == 2 and "in thread <code>th-test</code>" in only
    api = client.get("/api/stories", params={"thread": "th-test"}).json()
    assert api["total"] == 2 and {s["thread_id"] for s in api["stories"]} == {"th-test"}
    page = client.get(f"/story/{newer.story_id}").text
    thread = page.split('id="thread"')[1].split("</ol>")[0]
    assert thread.index(str(escape(older.headline))) < thread.index(str(escape(newer.headline)))  # oldest first
    assert f'href="/story/{older.story_id}"' in thread and "<strong>" in thread  # this story is not a link


def test_a_request_for_another_host_is_refused(demo_store):
    """Against DNS rebinding: a page elsewhere that makes its own name resolve to 127.0.0.1 gets 400."""
    application = create_app(demo_store)
    assert TestClient(application, base_url="http://evil.example").get("/").status_code == 400
    assert TestClient(application, base_url="http://localhost:8000").get("/").status_code == 200
    assert TestClient(application, base_url="http://127.0.0.1").get("/api/stories").status_code == 200
    named = create_app(demo_store, ["news.internal"])
    assert TestClient(named, base_url="http://news.internal").get("/").status_code == 200


def test_copy_edits_are_found_by_the_run_and_stored(client, demo_store, monkeypatch):
    """A story page reads each pair's copy-edits from the store: it compares no texts."""
    from clustering.reuse import edits

    pairs = [json.loads(line) for line in (demo_store / "reuse.jsonl").read_text().splitlines()]
    assert pairs and all(pair["a_edits"] is not None and pair["b_edits"] is not None for pair in pairs)

    def compared(*_args: object) -> None:
        raise AssertionError("a story page compared two texts")

    monkeypatch.setattr(edits, "copy_edits", compared)
    story = next(s for s in _stories(demo_store) if "courier" in s["article_ids"])
    assert client.get(f"/story/{story['story_id']}").status_code == 200


def test_copy_edits_are_bounded_by_length(monkeypatch):
    from clustering.reuse import edits

    monkeypatch.setattr(edits, "MAX_EDIT_WORDS", 6)
    first = "one two three four five six seven eight nine ten"
    second = "one two tree four five six seven ate nine ten"
    whole = ((0, len(first)),)
    first_edits, _ = edits.copy_edits(first, whole, second, whole)
    assert [first[start:end] for start, end in first_edits] == ["three"]  # "eight" is past the bound


HOSTILE_LABEL = '<a href="https://evil.example/p">click</a>'


def test_chart_text_is_text():
    from clustering.publish.figures import chart_text, reuse_flows

    assert chart_text(HOSTILE_LABEL) == '&lt;a href="https://evil.example/p"&gt;click&lt;/a&gt;'
    figure = reuse_flows([{"outlet": HOSTILE_LABEL, "source": "AFP <b>", "shared_words": 40, "pairs": 1, "share": 0.5}])
    assert "<a href" not in figure.to_json() and "<b>" not in figure.to_json()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
def test_chart_labels_and_hover_text_make_no_links_in_a_browser(tmp_path):
    """Plotly reads chart text as HTML: an outlet or a title holding a link is shown as the text it is."""
    import plotly.graph_objects as go

    from clustering.publish.dashboard import _PLOTLY_JS
    from clustering.publish.figures import chart_text, reuse_flows

    playwright = pytest.importorskip("playwright.sync_api")
    sankey = reuse_flows([{"outlet": HOSTILE_LABEL, "source": "AFP", "shared_words": 40, "pairs": 1, "share": 0.5}])
    scatter = go.Figure(
        go.Scatter(
            x=[1], y=[1], mode="markers+text", text=[chart_text(HOSTILE_LABEL)], hovertext=[chart_text(HOSTILE_LABEL)]
        )
    )
    page_file = tmp_path / "charts.html"
    page_file.write_text('<html><body><div id="a"></div><div id="b"></div></body></html>')
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(page_file.as_uri())
        page.add_script_tag(path=str(_PLOTLY_JS))
        for target, figure in (("a", sankey), ("b", scatter)):
            page.evaluate(
                "([target, figure]) => Plotly.newPlot(target, figure.data, figure.layout)",
                [target, json.loads(figure.to_json())],
            )
        page.hover("#b .point", force=True)  # Plotly's drag layer takes the pointer: the hover box opens
        page.wait_for_selector("#b .hoverlayer .hovertext")
        assert HOSTILE_LABEL in page.locator("#b .hoverlayer").text_content()
        assert page.locator("svg a").count() == 0  # no live link, in the labels or the hover box
        shown = page.locator("svg").all_text_contents()
        assert any(HOSTILE_LABEL in text for text in shown)
        browser.close()


def test_every_get_route_answers_head_with_its_headers_and_no_body(client, demo_store):
    story = _stories(demo_store)[0]
    article_id = client.get(f"/api/stories/{story['story_id']}").json()["article_list"][0]["id"]
    values = {"story_id": story["story_id"], "article_id": article_id, "event_id": story["events"][0]["event_id"]}
    from clustering.publish import api, dashboard

    routes = [*dashboard.pages.routes, *api.router.routes]
    paths = [route.path.replace("{article_id:path}", "{article_id}").format(**values) for route in routes]
    assert all(route.methods == {"GET"} for route in routes)
    assert {"/", "/healthz", "/docs", "/api/stories", f"/story/{story['story_id']}"} <= set(paths)
    for path in paths:
        got, head = client.get(path), client.head(path)
        assert (path, head.status_code, head.content) == (path, 200, b"")
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
    assert client.head("/story/no-such-story").status_code == 404


def test_a_story_and_its_events_are_served_at_both_levels(client, demo_store):
    """Every article of a story is in one of its events: the story's API lists them, each event has its own
    route naming its story, each article names both, and the story's page lists a story's events."""
    for story in _stories(demo_store):
        detail = client.get(f"/api/stories/{story['story_id']}").json()
        assert detail["event_count"] == len(detail["events"]) == len(story["events"]) >= 1
        members = sorted(member for event in detail["events"] for member in event["article_ids"])
        assert members == sorted(story["article_ids"])
        event_of = {member: event["event_id"] for event in detail["events"] for member in event["article_ids"]}
        assert all(article["event_id"] == event_of[article["id"]] for article in detail["article_list"])
        for event in detail["events"]:
            assert client.get(f"/api/events/{event['event_id']}").json() == event | {"story_id": story["story_id"]}
            member = client.get(f"/api/articles/{event['article_ids'][0]}").json()
            assert (member["story_id"], member["event_id"]) == (story["story_id"], event["event_id"])
        page = client.get(f"/story/{story['story_id']}").text
        assert ('id="events"' in page) == (len(story["events"]) > 1)
        assert all(event["event_id"] in page for event in story["events"] if len(story["events"]) > 1)
    assert any(len(story["events"]) > 1 for story in _stories(demo_store))  # Albu Kamal: its capture, Soleimani there
    assert client.get("/api/events/ev-none").status_code == 404


def test_the_api_is_described_on_a_page_of_its_own(client):
    schema = client.get("/openapi.json").json()
    for path, methods in schema["paths"].items():
        for operation in methods.values():
            assert operation.get("description"), path  # each route says what it gives
            assert all(parameter.get("description") for parameter in operation.get("parameters", [])), path
    page = client.get("/docs")
    assert page.status_code == 200 and "<script" not in page.text.split("<main")[-1]
    for path in schema["paths"]:
        assert f"GET {path}" in page.text
    assert "<code>per_page</code>" in page.text and "stories on a page" in page.text


def test_serve_writes_an_access_log_line_per_request(served):
    import logging
    import urllib.request

    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    try:
        with urllib.request.urlopen(f"{served}/healthz?probe=1") as response:
            assert response.status == 200
        deadline = time.monotonic() + 5
        while not any("/healthz?probe=1" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        access.removeHandler(handler)
    assert any("GET /healthz?probe=1" in line and "200" in line for line in lines)


def test_a_storys_related_stories_are_the_ones_the_run_related_nearest_first(demo_store, tmp_path):
    """The page and the API list the related stories the run stored (``stories.related``), in its order,
    and no others: not the nearest dots of the map."""
    from clustering.ingest.clean import CLEANING_VERSION
    from clustering.storage.store import StoryStore
    from clustering.storage.workspace import Workspace

    folder = tmp_path / "related"
    shutil.copytree(demo_store, folder)
    store = StoryStore(Workspace(folder).store, CLEANING_VERSION)
    try:
        stories = sorted(store.stories().values(), key=lambda s: s.story_id)
        first, second, third = stories[:3]
        related = {first.story_id: (third.story_id, second.story_id)}
        store.save_run(FinishedRun(stories, (), store.last_report(), store.pairs(), store.positions(), related))
    finally:
        store.close()
    client = TestClient(create_app(folder), base_url="http://localhost")
    listed = client.get(f"/story/{first.story_id}").text.split('id="related"')[1].split("</ul>")[0]
    assert listed.index(f"/story/{third.story_id}") < listed.index(f"/story/{second.story_id}")
    assert client.get(f"/api/stories/{first.story_id}").json()["related"] == [third.story_id, second.story_id]
    assert 'id="related"' not in client.get(f"/story/{second.story_id}").text  # none stored for it


def test_who_reported_first_is_the_earliest_by_time_ties_shown_a_day_alone_never_first_over_a_time():
    from clustering.publish.pages import published_when
    from clustering.publish.store_view import first_reports, time_after
    from clustering.records import Article

    def article(article_id: str, published: str) -> Article:
        return Article(id=article_id, text="t", source=f"Outlet {article_id}", published=published)

    early, tie = article("a", "2018-02-06T14:05:00Z"), article("b", "2018-02-06T16:05:40+02:00")  # 14:05 UTC
    late, day, next_day = article("c", "2018-02-06T22:00:00Z"), article("d", "2018-02-06"), article("e", "2018-02-07")
    assert sorted(a.id for a in first_reports([day, late, tie, early, next_day])) == ["a", "b"]  # a tie to the minute
    assert first_reports([next_day, day]) == [day]  # a day alone is first when nothing has a time that day
    assert first_reports([day, article("f", "2018-02-06")]) == [day, article("f", "2018-02-06")]  # days tie
    assert first_reports([late, article("g", "2018-02-05")])[0].id == "g"  # an earlier day is earlier
    assert (time_after(early, late), time_after(early, next_day), time_after(early, day)) == ("+8 h", "+1 d", "")
    assert (published_when(early), published_when(day)) == ("2018-02-06 14:05 UTC", "2018-02-06")
    assert published_when(tie) == "2018-02-06 14:05 UTC (16:05 +02:00)"  # and as its input wrote it


def test_a_day_without_a_time_stays_a_day_through_the_store(tmp_path):
    from clustering.ingest.read import read_inputs
    from clustering.records import Article

    day = Article(id="d", text="t", published="2018-02-06")
    assert day.published_day_only and not day.has_time
    assert Article.from_json(day.to_json()) == day and '"published": "2018-02-06"' in day.to_json()
    timed = Article(id="t", text="t", published="2018-02-06T00:00:00Z")  # midnight given: a time
    assert timed.has_time and Article.from_json(timed.to_json()).has_time
    (tmp_path / "in.csv").write_text("id,text,published\nd,Text.,2018-02-06\nt,Text.,2018-02-06T09:30:00+01:00\n")
    read = {a.id: a for a in read_inputs([tmp_path / "in.csv"]).articles}
    assert not read["d"].has_time and read["t"].has_time and read["t"].published.hour == 8


def test_a_time_written_in_another_zone_is_served_in_utc_and_as_written(tmp_path):
    from clustering.pipeline import Pipeline

    wire = "The port of Antwerp reopened on Tuesday after a strike of two weeks, officials said on the quay. " * 3
    records = [
        {"id": "paris", "title": "Port reopens", "text": wire, "published": "2018-02-06T15:05:00+01:00"},
        {"id": "utc", "title": "Port reopens", "text": wire, "published": "2018-02-06T16:00:00Z"},
    ]
    Pipeline(tmp_path / "out").run(records=records)
    rows = {row["id"]: row for row in map(json.loads, (tmp_path / "out" / "articles.jsonl").open())}
    assert rows["paris"]["published"] == "2018-02-06T14:05:00+00:00"
    assert (rows["paris"]["published_local"], rows["utc"]["published_local"]) == ("2018-02-06T15:05:00+01:00", None)
    client = TestClient(create_app(tmp_path / "out"), base_url="http://localhost")
    served = client.get("/api/articles/paris").json()
    assert (served["published"], served["published_local"]) == ("2018-02-06T14:05:00Z", "2018-02-06T15:05:00+01:00")
    story_id = served["story_id"]
    assert "2018-02-06 14:05 UTC (15:05 +01:00)" in client.get(f"/story/{story_id}").text


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
def test_the_story_timeline_counts_the_days_of_the_zone_the_page_is_read_in(tmp_path):
    """Two reports an hour apart either side of midnight UTC: two days in UTC, one day in New York (the
    evening of the 6th) and one in Tokyo (the morning of the 7th)."""
    playwright = pytest.importorskip("playwright.sync_api")
    from clustering.pipeline import Pipeline

    wire = "The port of Antwerp reopened on Tuesday after a strike of two weeks, officials said on the quay. " * 3
    records = [
        {"id": "first", "title": "Port reopens", "text": wire, "published": "2018-02-06T23:30:00Z", "source": "Wire"},
        {"id": "copy", "title": "Port reopens", "text": wire, "published": "2018-02-07T00:30:00Z", "source": "Courier"},
    ]
    (story,) = Pipeline(tmp_path / "out").run(records=records).stories
    days = {}
    with _serving(tmp_path / "out") as address, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGUMENTS)
        for zone in ("America/New_York", "Asia/Tokyo"):
            page = browser.new_context(timezone_id=zone).new_page()
            page.goto(f"{address}/story/{story.story_id}")
            page.wait_for_selector("#story-timeline .main-svg")
            days[zone] = page.evaluate("(({x, y}) => [x, y])(document.getElementById('story-timeline').data[0])")
        browser.close()
    assert days == {"America/New_York": [["2018-02-06"], [2]], "Asia/Tokyo": [["2018-02-07"], [2]]}
