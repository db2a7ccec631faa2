"""The store on PostgreSQL: ingest workers (processes here, machines in use) fill one store at once, runs
cluster it one at a time, and the embedding cache lives beside it. The tests of several writers, and of what
a run writes, run on the SQLite store too, which takes several writers on one machine. Against a real server
the suite starts (``postgresql_server``), skipped with the reason where none can start."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import InternalError
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from clustering.pipeline import Pipeline
from clustering.records import Article, FinishedRun, LineageEvent, ReusePair, Story
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.lock import StoreBusyError, exclusive
from clustering.storage.store import StoryStore
from clustering.storage.workspace import Workspace
from flows.cli import app

FINE = "The council met on Tuesday and agreed the harbour budget after a long debate about wages and cranes."


def _write_feed(path: Path, ids: list[str], side: str) -> None:
    # "clash" is sent by both workers with different texts: one stores it, the other rejects it.
    records = [{"id": key, "text": f"Report {key}. {FINE}" if key != "clash" else f"{side} says {FINE}"} for key in ids]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


def _pair(a: str, b: str) -> ReusePair:
    return ReusePair(a, b, 0.9, 0.9, 0.9, ((0, 6),), ((0, 6),), 2, a, "published earlier")


def _ingest_when_both_ready(workspace: Workspace, feed: str, ready) -> tuple[int, int, list[str]]:
    ready.wait()
    ingested = Pipeline(workspace).ingest([feed])
    return ingested.added, len(ingested.already_stored_ids), [reject.id or "" for reject in ingested.rejects]


def _workspaces(kind: str, request: pytest.FixtureRequest, tmp_path: Path, sides: tuple[str, ...]) -> dict:
    """A workspace per side over one new store: a PostgreSQL database (each side a folder of its own, as on
    machines of their own), or one SQLite file (the sides share its folder)."""
    if kind == "postgresql":
        url = request.getfixturevalue("postgresql_server")()
        return {side: Workspace(tmp_path / side, database=url) for side in sides}
    return {side: Workspace(tmp_path / "out") for side in sides}


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_a_run_makes_its_own_only_the_articles_it_read(kind, request, tmp_path):
    store = StoryStore(_workspaces(kind, request, tmp_path, ("run",))["run"].store)
    store.add_articles([Article(id=key, text=f"text {key}") for key in "abc"])
    read = store.pending()
    del read["b"]  # committed late by another writer (PostgreSQL): numbered between two the run read
    store.add_articles([Article(id="d", text="stored while the run worked")])
    store.save_run(FinishedRun([], read=read))
    assert store.finished_ids() == {"a", "c"} and set(store.pending()) == {"b", "d"}
    store.close()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_archiving_a_story_takes_its_articles_and_their_pairs_out_of_the_working_set(kind, request, tmp_path):
    store = StoryStore(_workspaces(kind, request, tmp_path, ("run",))["run"].store)
    store.add_articles([Article(id=name, text=f"Text {name}") for name in "abcd"])
    pairs = [_pair("a", "b"), _pair("b", "c"), _pair("c", "d")]
    stories = [
        Story("st-ab", "", "", (), ("a", "b"), "a", (), None, None),
        Story("st-cd", "", "", (), ("c", "d"), "c", (), None, None),
    ]
    store.save_run(FinishedRun(stories, [LineageEvent("st-ab", "new"), LineageEvent("st-cd", "new")], pairs=pairs))
    # The next run archives st-ab: it leaves it out, and only the pair within st-cd is its own.
    assert store.save_run(FinishedRun([stories[1]], pairs=[pairs[2]], archive=[stories[0]])) == 2
    assert [a.id for a in store.articles()] == ["c", "d"] and store.finished_ids() == {"c", "d"}
    assert store.stories() == {"st-cd": stories[1]} and store.pairs() == [pairs[2]]
    assert [a.id for a in store.articles(include_archived=True)] == list("abcd")
    assert set(store.stories(include_archived=True)) == {"st-ab", "st-cd"}
    assert sorted(store.pairs(include_archived=True), key=lambda pair: pair.a) == pairs  # b-c goes with b
    assert store.archiving_runs() == [2] and store.archived_stories(2) == [stories[0]]
    assert [event["story_id"] for event in store.lineage()] == ["st-cd"]
    assert [event["story_id"] for event in store.lineage(include_archived=True)] == ["st-ab", "st-cd"]
    assert "st-ab" in store.used_story_ids() and store.texts_of(["a"]) == {"a": "Text a"}  # still known
    store.close()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_an_archived_story_takes_the_history_of_the_stories_merged_into_it(kind, request, tmp_path):
    store = StoryStore(_workspaces(kind, request, tmp_path, ("run",))["run"].store)
    store.add_articles([Article(id=name, text=f"Text {name}") for name in "abcd"])
    kept = Story("st-cd", "", "", (), ("c", "d"), "c", (), None, None)
    merged = Story("st-ab", "", "", (), ("a", "b"), "a", (), None, None)
    history = [LineageEvent(name, "new") for name in ("st-a", "st-b", "st-c", "st-d")]
    store.save_run(FinishedRun([], history))
    # st-b was merged into st-a, then st-a into st-ab; st-d into st-cd, which stays.
    merges = [LineageEvent("st-a", "merged", "st-b"), LineageEvent("st-ab", "merged", "st-a")]
    store.save_run(FinishedRun([merged, kept], [*merges, LineageEvent("st-cd", "merged", "st-d")]))
    # The run that archives st-ab also files an event under it: that goes too.
    store.save_run(
        FinishedRun([kept], [LineageEvent("st-ab", "grew"), LineageEvent("st-cd", "grew")], archive=[merged])
    )
    working = [(event["story_id"], event["kind"]) for event in store.lineage()]
    assert working == [("st-c", "new"), ("st-d", "new"), ("st-cd", "merged"), ("st-cd", "grew")]
    assert len(store.lineage(include_archived=True)) == 9
    store.close()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_two_processes_ingesting_into_one_store_at_once_store_every_article_exactly_once(kind, request, tmp_path):
    """Two ingest workers started together on one store (a new empty one: they also race to create the
    schema), with 200 articles in common and one id sent with two texts."""
    workspaces = _workspaces(kind, request, tmp_path, ("left", "right"))
    shared = [f"shared-{n}" for n in range(200)]
    feeds = {
        "left": [*shared, *(f"left-{n}" for n in range(100)), "clash"],
        "right": [*reversed(shared), *(f"right-{n}" for n in range(100)), "clash"],
    }
    for side, ids in feeds.items():
        _write_feed(tmp_path / f"{side}.jsonl", ids, side)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        ready = manager.Barrier(2)
        futures = [
            pool.submit(_ingest_when_both_ready, workspaces[side], str(tmp_path / f"{side}.jsonl"), ready)
            for side in feeds
        ]
        results = [future.result(timeout=300) for future in futures]
    expected = {*shared, *(f"{side}-{n}" for side in ("left", "right") for n in range(100)), "clash"}
    store = StoryStore(workspaces["left"].store)
    try:
        stored = [article.id for article in store.articles()]
        assert sorted(stored) == sorted(expected)  # each once
        assert set(store.pending()) == expected
    finally:
        store.close()
    # Each article added by one worker; each shared one known to the other; the clash rejected by one.
    assert sum(added for added, _, _ in results) == len(expected)
    assert sum(known for _, known, _ in results) == len(shared)
    assert sorted(reject for _, _, rejects in results for reject in rejects) == ["clash"]


def test_runs_on_a_postgresql_store_give_the_stories_of_a_sqlite_one_and_share_its_embeddings(
    postgresql_server, seeds_dir, tmp_path
):
    url = postgresql_server()
    on_sqlite = Pipeline(Workspace(tmp_path / "sqlite")).run([str(seeds_dir)])
    on_postgresql = Pipeline(Workspace(tmp_path / "first", database=url)).run([str(seeds_dir)])
    assert on_postgresql.stories == on_sqlite.stories
    assert not (tmp_path / "first" / "store.sqlite").exists()
    assert not (tmp_path / "first" / "cache" / "embeddings.sqlite").exists()
    cache = EmbeddingCache(url)
    cached = len(cache)
    cache.close()
    # What the SQLite run cached (every article's vector, and the sentences its summaries compared).
    on_file = EmbeddingCache(Workspace(tmp_path / "sqlite").embeddings)
    assert cached == len(on_file) > on_sqlite.report.counts["articles"]
    on_file.close()
    # A worker on another machine (another folder) clusters the same store: nothing new, same stories.
    again = Pipeline(Workspace(tmp_path / "second", database=url)).run([str(seeds_dir)], recluster=True)
    assert again.stories == on_sqlite.stories and again.report.counts["accepted"] == 0
    cache = EmbeddingCache(url)
    assert len(cache) == cached  # embedded nothing again
    cache.close()


def test_the_dashboard_serves_a_postgresql_store_and_sees_what_changes_it(postgresql_server, seeds_dir, tmp_path):
    from fastapi.testclient import TestClient

    from clustering.publish.dashboard import create_app

    url = postgresql_server()
    seeds = sorted(seeds_dir.glob("*.txt"))
    (tmp_path / "first").mkdir()
    for path in (seeds[0], seeds[3]):  # 000 and 003: one story
        (tmp_path / "first" / path.name).write_bytes(path.read_bytes())
    Pipeline(Workspace(tmp_path / "out", database=url)).run([str(tmp_path / "first")])
    client = TestClient(create_app(url), base_url="http://localhost")
    before = client.get("/api/stories").json()
    # Another machine adds the other two seeds and clusters them: the served dashboard shows them.
    Pipeline(Workspace(tmp_path / "elsewhere", database=url)).run([str(seeds_dir)], recluster=True)
    after = client.get("/api/stories").json()
    assert client.get("/").status_code == 200
    assert sum(story["articles"] for story in before["stories"]) == 2
    assert after["total"] == 3 and sum(story["articles"] for story in after["stories"]) == 5
    # Every page's queries on PostgreSQL: the list's filters (a search holding % and _), a story, an article.
    largest = client.get("/api/stories", params={"sort": "size"}).json()["stories"][0]
    filtered = "/?q=syria%25_&outlet=x&language=en&since=2017-01-01&until=2030-01-01&sort=size&thread=t"
    for path in (f"/story/{largest['story_id']}", "/map", "/outlets", filtered, "/?q=syria"):
        assert client.get(path).status_code == 200
    detail = client.get(f"/api/stories/{largest['story_id']}").json()
    member = client.get(f"/api/articles/{detail['article_list'][0]['id']}").json()
    assert member["story_id"] == largest["story_id"] and len(detail["article_list"]) == largest["articles"]


def test_an_ingest_that_postgresql_fails_to_break_a_deadlock_is_done_again(postgresql_server):
    url = postgresql_server()
    store = StoryStore(url)
    other = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool)
    result: dict[str, object] = {}

    def ingest() -> None:
        result["added"] = store.add_articles([Article(id="a", text="first"), Article(id="b", text="second")])

    with other.connect() as connection, connection.begin():
        # This session waits 30 s before it looks for a deadlock, the store's 1 s: the store's insert is
        # the one PostgreSQL fails.
        connection.execute(text("SET LOCAL deadlock_timeout = '30s'"))
        connection.execute(text("INSERT INTO articles (id, record, run) VALUES ('b', '{}', 0)"))
        writer = threading.Thread(target=ingest)
        writer.start()
        time.sleep(0.5)  # the store has inserted "a" and waits for "b"
        connection.execute(text("INSERT INTO articles (id, record, run) VALUES ('a', '{}', 0)"))
    writer.join(30)
    # Failed, the store tried again once this session had committed: both ids are stored, once, by it.
    assert result == {"added": set()}
    assert set(store.pending()) == {"a", "b"}
    store.close()
    other.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_a_second_run_on_a_store_waits_then_gives_up_with_a_clear_error(kind, request, tmp_path):
    store = _workspaces(kind, request, tmp_path, ("run",))["run"].store
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with exclusive(store):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    waited: list[str] = []
    with pytest.raises(StoreBusyError, match="in use by another run"), exclusive(store, 0.5, waited.append):
        pass
    assert waited and "waiting up to" in waited[0]
    release.set()
    thread.join()
    with exclusive(store, 0.5):  # free again
        pass


def test_a_reader_of_a_postgresql_store_cannot_write(postgresql_server):
    url = postgresql_server()
    StoryStore(url).close()
    reader = StoryStore(url, read_only=True)
    with pytest.raises(InternalError, match="read-only transaction"):
        reader.save_run(FinishedRun([]))
    reader.close()


def test_the_cli_ingests_into_a_postgresql_store_and_hides_its_password(
    prefect_harness, postgresql_server, seeds_dir, tmp_path, monkeypatch
):
    url = postgresql_server().replace("@", ":not-needed@", 1)  # trust authentication ignores the password
    first = CliRunner().invoke(app, ["ingest", str(seeds_dir), "--out", str(tmp_path), "--store", url])
    monkeypatch.setenv("STORYLINE_STORE", url)  # the same store, named by the environment
    second = CliRunner().invoke(app, ["ingest", str(seeds_dir), "--out", str(tmp_path)])
    monkeypatch.delenv("STORYLINE_STORE")
    assert first.exit_code == 0, first.output
    assert "5 added" in first.output and "not-needed" not in first.output
    assert "0 added to postgresql://" in second.output and "5 already stored" in second.output
    clustered = CliRunner().invoke(app, ["run", str(seeds_dir), "--out", str(tmp_path / "out"), "--store", url])
    assert clustered.exit_code == 0, clustered.output
    assert "3 stories from 5 articles" in clustered.output and "5 new this run" in clustered.output
    assert not (tmp_path / "out" / "store.sqlite").exists() and (tmp_path / "out" / "stories.json").exists()
    wrong = CliRunner().invoke(app, ["ingest", str(seeds_dir), "--store", str(tmp_path / "store.sqlite")])
    assert wrong.exit_code == 1 and "takes a postgresql:// URL" in wrong.output
    unreachable = "postgresql://storyline:secret@127.0.0.1:1/news"  # port 1: nothing listens
    down = CliRunner().invoke(app, ["run", str(seeds_dir), "--out", str(tmp_path / "down"), "--store", unreachable])
    assert down.exit_code == 1 and "cannot open the store" in down.output and "secret" not in down.output


def test_flows_find_the_store_in_the_environment_so_prefect_never_records_its_url(
    prefect_harness, postgresql_server, seeds_dir, tmp_path, monkeypatch
):
    from flows.ingest import ingest_flow

    url = postgresql_server()
    monkeypatch.setenv("STORYLINE_STORE", url)
    assert ingest_flow(inputs=[str(seeds_dir)], out=str(tmp_path))["added"] == 5
    assert not (tmp_path / "store.sqlite").exists()
    store = StoryStore(url)
    assert len(store.pending()) == 5
    store.close()
