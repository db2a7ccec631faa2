"""Hostile input, crashes and repeats: every record is accounted for, and the text never runs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clustering.ingest.clean import clean_or_reject
from clustering.ingest.read import read_inputs
from clustering.reuse.batch import find_reuse
from clustering.stories.summarize import summarize_stories
from flows.cli import EXIT_REJECTS, app

SCRIPT = "<script>window.pwned=1</script>"
ARTIFACTS = ["articles.jsonl", "stories.json", "reuse.jsonl", "rejects.jsonl", "dashboard.html"]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def hostile_dir(seeds_dir, tmp_path) -> tuple[Path, int]:
    """The five seeds and a hostile corpus beside them; returns the folder and how many records it holds."""
    folder = tmp_path / "in"
    shutil.copytree(seeds_dir, folder)
    (folder / "empty.txt").write_text("")
    (folder / "blank.txt").write_text("   \n\t \n")
    (folder / "binary.txt").write_bytes(bytes(range(256)))
    (folder / "latin1.txt").write_bytes("Caf\xe9 society\n\nA caf\xe9 opened.".encode("latin-1"))
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    os.mkfifo(folder / "pipe.txt")
    words = " ".join(f"word{index % 5000}" for index in range(170_000))  # about a million characters, one line
    feed = [
        {"id": "huge", "text": "x" * 10_000_000},
        {"id": "oneline", "title": "One long line", "text": words},
        {"id": "twin-a", "text": "The same text under two ids. " * 20},
        {"id": "twin-b", "text": "The same text under two ids. " * 20},
        {"id": "000_8fe064ee60233dcc", "text": "A different text under a seed's id."},
        {"id": "nodate", "text": "No title, no date, just a sentence about a harbour strike in Gdansk."},
        {"id": "baddate", "text": "Some text.", "published": "the day after tomorrow"},
        {"id": "markup", "title": f"Breaking {SCRIPT}", "text": f"<p>Body <img src=x onerror=alert(1)> {SCRIPT}</p>"},
        {"id": "../../escape", "text": "An id that looks like a path must not become one: a report on tides."},
    ]
    lines = [json.dumps(record) for record in feed] + ["{broken json", "[1, 2, 3]", ""]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "feed.csv").write_text(
        "id,title,text\n"
        "c1,Fine,A perfectly fine row about the port of Antwerp reopening after the strike.\n"
        "c2,Missing text\n"
        "c3,Extra,text,unexpected column\n"
    )
    records = 5 + 6 + 11 + 3  # seeds, bad files, JSONL records and bad lines, CSV rows
    return folder, records


def test_hostile_corpus_every_record_is_accounted_for(prefect_harness, hostile_dir, tmp_path):
    folder, records = hostile_dir
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(out), "--quiet"])
    assert result.exit_code == EXIT_REJECTS, result.output
    articles, rejects = _lines(out / "articles.jsonl"), _lines(out / "rejects.jsonl")
    assert len(articles) + len(rejects) == records
    by_file = {Path(r["origin"]).name: r["reason"] for r in rejects if not r["origin"].endswith((".jsonl", ".csv"))}
    assert by_file["empty.txt"] == by_file["blank.txt"] == "empty text"
    assert by_file["binary.txt"].startswith("not UTF-8") and by_file["latin1.txt"].startswith("not UTF-8")
    assert by_file["gone.txt"].startswith("not a regular file") and by_file["pipe.txt"].startswith("not a regular")
    by_line = sorted((Path(r["origin"]).name.split(":")[0], r.get("line"), r["reason"]) for r in rejects if "line" in r)
    reasons = [reason for _, _, reason in by_line] + [r["reason"] for r in rejects if r.get("id") == "huge"]
    assert any(reason.startswith("duplicate id '000_8fe064ee60233dcc'") for reason in [r["reason"] for r in rejects])
    assert [reason.split(":")[0] for reason in reasons if reason.startswith(("malformed", "line is"))] == [
        "malformed JSON",
        "line is not a JSON object",
    ]
    # A date that is no date is dropped with a warning (run.json lists it), not the record.
    warnings = json.loads((out / "run.json").read_text())["warnings"]
    assert [(w["id"], w["reason"].split(":")[0]) for w in warnings] == [
        ("baddate", "unparseable 'published' date 'the day after tomorrow'")
    ]
    assert "baddate" not in {r.get("id") for r in rejects}
    assert "more columns than the header" in reasons
    assert any(reason.startswith("no 'text' field (its fields: ") for reason in reasons)
    assert any("over the limit" in reason for reason in reasons)
    accepted = {row["id"]: row for row in articles}
    assert {"oneline", "twin-a", "twin-b", "nodate", "markup", "c1", "../../escape"} <= set(accepted)
    assert not list(tmp_path.parent.rglob("escape*"))  # ids never name files
    assert accepted["twin-b"]["duplicate_of"] == "twin-a"
    stories = json.loads((out / "stories.json").read_text())
    members = [article_id for story in stories for article_id in story["article_ids"]]
    assert sorted(members) == sorted(accepted)  # every accepted article in exactly one story
    page = (out / "dashboard.html").read_text()
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.fixed_dictionaries(
            {"text": st.one_of(st.text(max_size=300), st.none(), st.integers())},
            optional={
                "id": st.one_of(st.text(max_size=8), st.integers(0, 5)),
                "title": st.one_of(st.text(max_size=40), st.none()),
                "published": st.one_of(st.text(max_size=12), st.integers(), st.none()),
            },
        ),
        max_size=12,
    )
)
def test_generated_records_are_read_or_rejected_never_lost(tmp_path, records):
    path = tmp_path / "generated.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    read = read_inputs([path])
    assert len(read.articles) + len(read.rejects) == len(records)
    articles, empty = clean_or_reject(read.articles)
    assert len(articles) + len(empty) == len(read.articles)
    dedup = find_reuse(articles)
    labels = list(range(len(articles)))
    embeddings = np.eye(max(len(articles), 1), dtype=np.float32)[: len(articles)]
    stories, _ = summarize_stories(articles, labels, embeddings, dedup)
    assert sorted(a for story in stories for a in story.article_ids) == sorted(a.id for a in articles)


def _storyline(*arguments: str, prefect_home: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", "from flows.cli import app; app()", *arguments]
    # A Prefect home of its own: no embedding shard cached by an earlier run lets it skip the stage.
    environment = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    # A session of its own, so that a kill takes the run's embedded Prefect server with it, as a crash would.
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment, start_new_session=True
    )


def test_a_killed_run_run_again_equals_a_clean_run(prefect_harness, seeds_dir, tmp_path):
    from flows.pipeline import pipeline_flow

    killed = tmp_path / "killed"
    home = tmp_path / "prefect"
    process = _storyline("run", str(seeds_dir), "--out", str(killed), "--quiet", prefect_home=home)
    deadline = time.monotonic() + 240
    # Kill it in the middle: once it has started embedding (the cache exists), before it has published.
    while (
        not (killed / "cache" / "embeddings.sqlite").exists() and process.poll() is None and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "run.json").exists()
    rerun = _storyline("run", str(seeds_dir), "--out", str(killed), "--quiet", prefect_home=home)
    assert rerun.wait(timeout=300) == 0

    clean = tmp_path / "clean"
    pipeline_flow(inputs=[str(seeds_dir)], out=str(clean))
    for name in ARTIFACTS:
        assert (killed / name).read_bytes() == (clean / name).read_bytes(), name
    assert not list(killed.glob(".*.tmp"))


def test_two_runs_give_byte_identical_stories(prefect_harness, seeds_dir, tmp_path):
    from flows.pipeline import pipeline_flow

    for out in ("first", "second"):
        pipeline_flow(inputs=[str(seeds_dir)], out=str(tmp_path / out))
    for name in ARTIFACTS:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name
