import json
import os
from datetime import UTC, datetime

import pytest

from clustering.publish.artifacts import ARTIFACT_NAMES, publish, write_run_report
from clustering.records import Article, DedupResult, Reject, ReusePair, RunReport, Story, StoryEvent
from clustering.storage.atomic import write_atomic

PAYLOAD = '<script>window.pwned=1</script><img src=x onerror="alert(1)">'


def _run(tmp_path):
    articles = [
        Article(
            id="a1",
            text="t",
            title=f"Title {PAYLOAD}",
            body=f"Body {PAYLOAD}",
            source="Wire",
            published=datetime(2020, 1, 1, tzinfo=UTC),
            agencies=("AFP",),
        ),
        Article(id="a2", text="t", title="Reprint", body="Body"),
    ]
    story = Story(
        story_id="st-1",
        headline=f"Title {PAYLOAD}",
        summary=f"Summary {PAYLOAD}",
        keywords=(PAYLOAD,),
        article_ids=("a1", "a2"),
        representative_id="a1",
        sources=("Wire",),
        first_published=datetime(2020, 1, 1, tzinfo=UTC),
        last_published=datetime(2020, 1, 1, tzinfo=UTC),
        events=(StoryEvent("ev-1", f"Event {PAYLOAD}", ("a1", "a2"), datetime(2020, 1, 1, tzinfo=UTC), None),),
    )
    pair = ReusePair("a1", "a2", 0.9, 0.95, 0.97, ((0, 4),), ((0, 4),), 42, "a1", "published earlier")
    dedup = DedupResult(pairs=[pair], duplicate_of={"a2": "a1"})
    report = RunReport(counts={"in": 3, "accepted": 2, "rejected": 1, "stories": 1})
    rejects = [Reject(origin="feed.jsonl", reason="empty text", line=3)]
    return [*publish(tmp_path, articles, rejects, dedup, [story], report), write_run_report(tmp_path, report)]


def test_all_artifacts_written(tmp_path):
    paths = _run(tmp_path)
    assert sorted(path.name for path in paths) == sorted(ARTIFACT_NAMES)
    rows = [json.loads(line) for line in (tmp_path / "articles.jsonl").read_text().splitlines()]
    assert rows[1] == {
        "id": "a2",
        "title": "Reprint",
        "source": None,
        "url": None,
        "published": None,
        "published_local": None,
        "story_id": "st-1",
        "event_id": "ev-1",
        "duplicate_of": "a1",
        "agencies": [],
        "language": "",  # found by cleaning, which these articles did not go through
        "furniture_spans": [],
    }
    assert rows[0]["published"] == "2020-01-01T00:00:00+00:00"
    stories = json.loads((tmp_path / "stories.json").read_text())
    assert stories[0]["article_ids"] == ["a1", "a2"]
    assert stories[0]["events"] == [
        {
            "event_id": "ev-1",
            "headline": f"Event {PAYLOAD}",
            "article_ids": ["a1", "a2"],
            "first_published": "2020-01-01T00:00:00+00:00",
            "last_published": None,
        }
    ]
    assert json.loads((tmp_path / "reuse.jsonl").read_text()) == {
        "a": "a1",
        "b": "a2",
        "jaccard": 0.9,
        "containment_a": 0.95,
        "containment_b": 0.97,
        "a_spans": [[0, 4]],
        "b_spans": [[0, 4]],
        "shared_words": 42,
        "original": "a1",
        "original_reason": "published earlier",
        "group_original": None,
        "a_edits": None,
        "b_edits": None,
    }
    assert json.loads((tmp_path / "rejects.jsonl").read_text()) == {
        "origin": "feed.jsonl",
        "reason": "empty text",
        "line": 3,
    }
    assert json.loads((tmp_path / "run.json").read_text())["counts"]["stories"] == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_dashboard_escapes_article_text(tmp_path):
    _run(tmp_path)
    page = (tmp_path / "dashboard.html").read_text()
    assert "<script>" not in page
    assert "onerror=" not in page.replace("onerror=&#34;", "")
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere


def test_write_atomic_keeps_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "stories.json"
    target.write_text("old")

    def failing_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_reuse_graph_is_written_as_csv_and_graphml(tmp_path):
    import csv

    import networkx as nx

    from clustering.publish.artifacts import reuse_graph_csv, reuse_graph_graphml, reuse_graph_rows

    rows = [
        {"outlet": "courier.example", "source": "Reuters", "pairs": 3, "shared_words": 420, "share": 0.61},
        {"outlet": "ledger.example", "source": "courier.example", "pairs": 1, "shared_words": 55, "share": 0.08},
    ]
    report = RunReport(attribution=rows, config={"reuse": {"agencies": {"Reuters": ["reuters"]}}})
    graph_rows = reuse_graph_rows(report)
    (tmp_path / "g.csv").write_text(reuse_graph_csv(graph_rows))
    read = list(csv.DictReader((tmp_path / "g.csv").open()))
    assert [(r["source"], r["outlet"], r["source_kind"], r["pairs"]) for r in read] == [
        ("Reuters", "courier.example", "agency", "3"),
        ("courier.example", "ledger.example", "outlet", "1"),
    ]
    (tmp_path / "g.graphml").write_text(reuse_graph_graphml(graph_rows))
    graph = nx.read_graphml(tmp_path / "g.graphml")
    assert graph.nodes["Reuters"]["kind"] == "agency" and graph.nodes["ledger.example"]["kind"] == "outlet"
    assert graph.edges["Reuters", "courier.example"]["shared_words"] == 420
    assert list(graph.successors("courier.example")) == ["ledger.example"]


def test_the_dashboard_names_the_articles_an_article_shares_most_with_and_counts_the_rest():
    """A passage quoted by eight outlets: each copy names the five it shares most with, then "and N more"."""
    from clustering.publish.artifacts import SHARES_LISTED, render_dashboard

    articles = [
        Article(id=f"o{n}", text="t", title=f"Headline {n}", body="Body", source=f"outlet{n}") for n in range(8)
    ]
    pairs = [
        ReusePair(f"o{a}", f"o{b}", 0.1, 0.2, 0.2, ((0, 1),), ((0, 1),), 40 + a + b, None, "undecided")
        for a in range(8)
        for b in range(a + 1, 8)
    ]
    story = Story("st-1", "Headline 0", "", (), tuple(a.id for a in articles), "o0", (), None, None)
    page = render_dashboard(articles, [story], DedupResult(pairs, {}), RunReport())
    first = page.split("Headline 0")[2].split("</summary>")[0]  # o0's entry (after the story's headline)
    assert first.count("words)") == SHARES_LISTED == 5 and "and 2 more" in first
    assert "outlet7" in first and "outlet1" not in first  # most shared words first (o0-o7: 47, o0-o1: 41)


def test_the_static_page_and_the_served_one_group_threads_alike():
    """One grouping (``story_threads``) for both pages: a thread's stories oldest first, undated last, and
    a story with no thread in none."""
    from clustering.publish.artifacts import render_dashboard
    from clustering.publish.pages import story_threads

    def story(story_id, thread_id, day):
        when = datetime(2020, 1, day, tzinfo=UTC) if day else None
        return Story(story_id, f"Headline {story_id}", "", (), (story_id,), story_id, (), when, when, (), thread_id)

    stories = [story("s3", "th", 9), story("s1", "th", None), story("s2", "th", 2), story("s4", "", 1)]
    threads = story_threads(stories)
    assert {key: [s.story_id for s in members] for key, members in threads.items()} == {"th": ["s2", "s3", "s1"]}
    articles = [Article(id=s.story_id, text="t", title=s.headline, body="b") for s in stories]
    page = render_dashboard(articles, stories, DedupResult([], {}), RunReport(counts={}), [])
    listed = page.split('<section class="story" id="s3">')[1].split('class="meta thread"')[1].split("</div>")[0]
    assert listed.index("Headline s2") < listed.index("Headline s1") and "Headline s4" not in listed
    assert page.split('<section class="story" id="s4">')[1].split("</section>")[0].count("thread") == 0
