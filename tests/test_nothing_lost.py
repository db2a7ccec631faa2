"""Nothing lost, ever: hostile records, concurrent runs on one store, and a dedup killed midway."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import FINE, hostile_records, write_hostile_corpus, write_records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clustering.ingest.read import LINK_OUT_OF_FOLDER, NOT_A_REGULAR_FILE, read_inputs
from clustering.records import Reject, json_line
from clustering.storage.atomic import atomic_writer
from flows.cli import EXIT_NOTHING_READ, EXIT_REJECTS, app
from flows.dedup_files import dedup_files


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _accounted(out: Path) -> tuple[list[dict], list[dict]]:
    """The articles and rejects of a run, after checking every article is in exactly one story."""
    articles, rejects = _lines(out / "articles.jsonl"), _lines(out / "rejects.jsonl")
    stories = json.loads((out / "stories.json").read_text(encoding="utf-8"))
    members = [article_id for story in stories for article_id in story["article_ids"]]
    assert sorted(members) == sorted(row["id"] for row in articles)
    return articles, rejects


def test_the_hostile_corpus_is_read_with_one_reject_per_bad_record(tmp_path):
    counts = write_hostile_corpus(tmp_path / "in")
    read = read_inputs([tmp_path / "in"])
    assert len(read.articles) + len(read.rejects) == sum(counts.values())
    reasons = {reject.id: reject.reason for reject in read.rejects}
    for field in ("text", "title", "source", "extra"):
        assert "not valid Unicode" in reasons[f"surrogate-{field}" if field != "extra" else "surrogate-extra"]
    assert "not valid Unicode" in reasons["surrogate-\\ud800-id"]  # the reject holds the id escaped
    # A date past datetime's bounds is no date: the article is read without it, with a warning.
    warned = {warning.id: warning.reason for warning in read.warnings}
    undated = {article.id: article for article in read.articles if article.id in warned}
    for dated in ("year-9999", "year-1", "epoch-huge", "epoch-negative"):
        assert warned[dated].startswith("unparseable 'published' date") and undated[dated].published is None
    assert reasons["url-ipv6"].startswith("malformed 'url'") and reasons["url-port"].startswith("malformed 'url'")
    assert reasons["title-list"] == "'title' is a list, not text"
    by_line = {reject.line: reject.reason for reject in read.rejects if reject.origin.endswith("hostile.jsonl")}
    assert by_line[16] == "line holds JSON nested deeper than 64 levels: not read"
    assert by_line[17].startswith("malformed JSON")
    by_file = {}
    for reject in read.rejects:
        by_file.setdefault(Path(reject.origin).name, []).append(reject.reason)
    assert by_file["oversized.jsonl"] == [
        "line holds over 100,000 JSON values: not read",
        "line is over the limit of 16,000,000 bytes",
    ]
    assert by_file["big.html"] == ["file is over the limit of 10,000,000 bytes"]
    assert by_file["pipe.jsonl"] == [NOT_A_REGULAR_FILE]
    assert by_file["zero.txt"] == by_file["outside.txt"] == [LINK_OUT_OF_FOLDER]
    assert "Talks resume on Monday" in next(a.text for a in read.articles if a.id == "xhtml")
    ledger = [reject for reject in read.rejects if reject.origin.endswith("ledger.csv")]
    assert [(reject.id, reject.line) for reject in ledger] == [("row-901", 902)]
    ids = {article.id for article in read.articles}
    assert {"row-900", "row-902", "row-1000", "p\x1fq", "line\u2028break", "ok-jsonl", "caf\\udce9"} <= ids
    assert len([article_id for article_id in ids if article_id.startswith("row-")]) == 999


def test_the_hostile_corpus_through_the_cli_loses_nothing_and_poisons_no_store(prefect_harness, tmp_path):
    counts = write_hostile_corpus(tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "--out", str(out), "--quiet"])
    assert result.exit_code == EXIT_REJECTS, result.output
    articles, rejects = _accounted(out)
    assert len(articles) + len(rejects) == sum(counts.values())
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["in"] == sum(counts.values()) == run["counts"]["accepted"] + run["counts"]["rejected"]
    # The next run into the same folder, with other input, works: no bad record was stored.
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"id": "later", "text": f"Later: {FINE} Cranes are back at work."}) + "\n")
    result = CliRunner().invoke(app, ["run", str(more), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "later" in {row["id"] for row in _accounted(out)[0]}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=hostile_records)
def test_generated_hostile_records_through_the_cli_are_each_an_article_or_a_reject(
    prefect_harness, tmp_path_factory, records
):
    folder = tmp_path_factory.mktemp("generated")
    written = write_records(folder / "in", records)
    out = folder / "out"
    result = CliRunner().invoke(app, ["run", str(folder / "in"), "--out", str(out), "--quiet"])
    assert result.exit_code in (0, EXIT_REJECTS, EXIT_NOTHING_READ), result.output
    articles, rejects = _accounted(out)
    assert len(articles) + len(rejects) == written
    assert (result.exit_code == EXIT_NOTHING_READ) == (not articles)  # nothing read is said, never silent
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["in"] == written


def _run_in_process(folder: Path, out: Path, home: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", "from flows.cli import app; app()", "run", str(folder), "--out", str(out)]
    environment = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "WARNING"}
    return subprocess.Popen([*command, "--quiet"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_two_runs_at_once_on_one_store_lose_nothing(tmp_path):
    """Two processes, 30 records each, started together on one output folder: the second waits for the
    first, and the store ends with all 60 articles, each run having accepted its own 30."""
    for side in ("left", "right"):
        records = [
            {"id": f"{side}-{n}", "text": f"{side} report {n}: {FINE} The {side} quay {n} reopened on day {n}."}
            for n in range(30)
        ]
        (tmp_path / side).mkdir()
        (tmp_path / side / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "out"
    runs = [_run_in_process(tmp_path / side, out, tmp_path / f"prefect-{side}") for side in ("left", "right")]
    for process in runs:
        output, _ = process.communicate(timeout=400)
        assert process.returncode == 0, output.decode(errors="replace")
    articles, rejects = _accounted(out)
    assert sorted(row["id"] for row in articles) == sorted(f"{s}-{n}" for s in ("left", "right") for n in range(30))
    assert rejects == []
    with sqlite3.connect(out / "store.sqlite") as connection:
        accepted = [
            json.loads(report)["counts"]["accepted"] for (report,) in connection.execute("SELECT report FROM runs")
        ]
        pending = connection.execute("SELECT COUNT(*) FROM articles WHERE run = 0").fetchone()[0]
    assert accepted == [30, 30] and pending == 0
    new_stories = [event for event in _lines(out / "lineage.jsonl") if event["kind"] == "new"]
    assert len({event["story_id"] for event in new_stories}) == len(new_stories)


def test_rejects_hold_unwritable_values_escaped():
    reject = Reject(origin="/in/caf\udce9.jsonl", reason="bad \ud800", id="x\ud800")
    assert json.dumps(reject.as_row(), ensure_ascii=False).encode("utf-8")
    assert reject.id == "x\\ud800"


def _dedup_feed(path: Path, count: int) -> list[dict]:
    vocabulary = sorted(set((FINE + " harbour cranes ledger tide pilots barge union wages talks mayor").split()))
    records = []
    for number in range(count):
        # Records come in threes telling one dispatch: each shares it with the one or two before it.
        words = random.Random(number - number % 3).choices(vocabulary, k=90)
        records.append({"id": f"r{number}", "text": " ".join(words) + f". Edition {number}."})
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return records


@pytest.mark.parametrize("level", ["document", "passage"])
def test_a_dedup_killed_midway_and_run_again_answers_as_one_clean_run(tmp_path, level):
    feed = tmp_path / "feed.jsonl"
    records = _dedup_feed(feed, 12)
    clean_out = tmp_path / "clean.jsonl"
    clean_index = tmp_path / "clean.sqlite"
    dedup_files([feed], clean_out, tmp_path / "clean.rejects.jsonl", level=level, index_path=clean_index)
    # The killed run: its index took the first 7 records; its output never replaced the old one.
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps(record) + "\n" for record in records[:7]))
    index = tmp_path / "index.sqlite"
    dedup_files([first], tmp_path / "lost.jsonl", tmp_path / "lost.rejects.jsonl", level=level, index_path=index)
    out = tmp_path / "out.jsonl"
    out.with_name(f".{out.name}.999999999.abc.tmp").write_text("left by a killed writer")
    dedup_files([feed], out, tmp_path / "out.rejects.jsonl", level=level, index_path=index)
    assert out.read_bytes() == clean_out.read_bytes()
    answers = _lines(out)
    assert [row["duplicate_of"] for row in answers] == [None if n % 3 == 0 else f"r{n - n % 3}" for n in range(12)]
    if level == "passage":
        assert all(int(other["id"][1:]) < int(row["id"][1:]) for row in answers for other in row["reuse"])
        assert sum(bool(row["reuse"]) for row in answers) == 8
    assert not list(tmp_path.glob(".*.tmp"))


def test_dedup_ids_with_control_characters_find_their_copies(tmp_path):
    feed = tmp_path / "feed.jsonl"
    text = "The harbour authority said the cranes resumed work after the strike ended. " * 5
    feed.write_text(json.dumps({"id": "p\x1fq", "text": text}) + "\n" + json.dumps({"id": "copy", "text": text}) + "\n")
    dedup_files([feed], tmp_path / "out.jsonl", tmp_path / "rejects.jsonl")
    rows = {row["id"]: row for row in _lines(tmp_path / "out.jsonl")}
    assert rows["copy"]["duplicate_of"] == "p\x1fq"


def test_dedup_rejects_what_it_could_not_write_and_indexes_none_of_it(tmp_path):
    feed = tmp_path / "feed.jsonl"
    text = "The harbour authority said the cranes resumed work after the strike ended. " * 5
    feed.write_text(
        json.dumps({"id": "bad", "text": text, "note": "\ud800"}, ensure_ascii=True)
        + "\n"
        + json.dumps({"id": "deep", "text": text, "x": 0}).replace("0}", "[" * 50_000 + "]" * 50_000 + "}")
        + "\n"
        + json.dumps({"id": "good", "text": text})
        + "\n"
    )
    counts = dedup_files([feed], tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", index_path=tmp_path / "i.sqlite")
    assert (counts.read, counts.written, counts.rejected) == (3, 1, 2)
    assert [row["id"] for row in _lines(tmp_path / "out.jsonl")] == ["good"]
    assert [row["duplicate_of"] for row in _lines(tmp_path / "out.jsonl")] == [None]


def test_written_files_respect_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        with atomic_writer(tmp_path / "page.html") as file:
            file.write("<p>hello</p>")
    finally:
        os.umask(previous)
    assert (tmp_path / "page.html").stat().st_mode & 0o777 == 0o644


@given(st.text())
def test_a_json_line_is_one_line_to_every_reader_and_reads_back(text):
    line = json_line({"text": text})
    assert len(line.splitlines()) == 1 and not set(line) & set("\x85\u2028\u2029")
    assert json.loads(line) == {"text": text}
