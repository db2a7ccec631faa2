"""The dedup step other pipelines stand behind: the document level's index, the filter over records
(Python, CLI, pipes, CSV), and the datatrove step."""

import csv
import io
import itertools
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reuse import BANK, SAME_EVENT, WIRE
from typer.testing import CliRunner

from clustering.config import MinHashConfig, NearDuplicateConfig
from clustering.ingest.arrivals import Arrivals
from clustering.records import Article, Reject
from clustering.reuse.filter import deduplicate
from clustering.reuse.minhash import affine32_permutations
from clustering.reuse.near_duplicates import IndexConflictError, NearDuplicateIndex, Sketcher, candidate_bands
from clustering.storage.shingle_sets import ShingleSettingsError
from flows.cli import app

STORYLINE = str(Path(sys.executable).with_name("storyline"))
WORDS = [f"word{number}" for number in range(400)]


def _article(article_id: str, text: str) -> Article:
    return Article(id=article_id, text=text)


def _edited(text: str, positions: list[int]) -> str:
    words = text.split()
    for position in positions:
        words[position] = "edited"
    return " ".join(words)


@given(st.floats(0.3, 0.95), st.floats(0.5, 0.99), st.sampled_from([32, 64, 128, 256]))
def test_the_bands_compare_a_pair_at_the_threshold_as_often_as_asked_with_the_fewest_bands(threshold, recall, num_perm):
    bands = candidate_bands(threshold, recall, num_perm)
    rows = bands[0][1] - bands[0][0]
    assert all(end - start == rows for start, end in bands) and bands[-1][1] <= num_perm
    assert 1 - (1 - threshold**rows) ** len(bands) >= recall
    if rows < num_perm:  # one more row per band would miss the recall
        assert 1 - (1 - threshold ** (rows + 1)) ** (num_perm // (rows + 1)) < recall


def test_the_permutations_are_datasketchs_without_importing_it():
    from datasketch import MinHash

    for num_perm, seed in [(128, 1), (64, 7), (256, 42)]:
        a, b = affine32_permutations(num_perm, seed)
        assert np.array_equal(np.array([a, b]), MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations)


def test_a_near_copy_is_marked_with_the_first_of_its_copies_and_reuse_is_not_a_near_copy():
    index = NearDuplicateIndex()
    assert index.add(_article("wire", WIRE)) is None
    assert index.add(_article("bank", BANK)) is None
    assert (
        index.add(_article("copy", f"Share this article\n\n{_edited(WIRE, [5, 40])}\n\nComments\n\nfirst!")) == "wire"
    )
    # A copy of the copy belongs to the first of them.
    assert index.add(_article("copy-of-copy", _edited(WIRE, [5, 40, 60]))) == "wire"
    # The same event told in other words is no near-copy; the bank report with a paragraph of the wire
    # pasted in is a near-copy of the bank report (three quarters of it), not of the wire.
    assert index.add(_article("own", SAME_EVENT)) is None
    assert index.add(_article("quoting", BANK + "\n\n" + WIRE.split("\n\n")[0])) == "bank"
    assert len(index) == 6 and "copy" in index


def test_an_id_added_again_is_answered_as_first_and_another_text_under_it_is_refused():
    index = NearDuplicateIndex()
    index.add(_article("wire", WIRE))
    assert index.add(_article("copy", WIRE)) == "wire"
    assert index.add(_article("copy", WIRE)) == "wire" and len(index) == 2
    with pytest.raises(IndexConflictError, match="'copy'"):
        index.add(_article("copy", BANK))
    assert index.query(_article("other", WIRE)) == "wire" and "other" not in index


def test_the_index_file_keeps_the_index_and_its_shingle_settings(tmp_path):
    path = tmp_path / "near.sqlite"
    index = NearDuplicateIndex(path)
    index.add(_article("wire", WIRE))
    index.add(_article("copy", WIRE))
    index.commit()
    index.close()
    reopened = NearDuplicateIndex(path)
    assert len(reopened) == 2 and reopened.add(_article("copy", WIRE)) == "wire"
    assert reopened.add(_article("later", _edited(WIRE, [3]))) == "wire"
    reopened.close()
    with pytest.raises(ShingleSettingsError, match="shingle_words"):
        NearDuplicateIndex(path, minhash=MinHashConfig(shingle_words=3))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(20, 120), st.integers(0, 100))
def test_a_near_copy_is_marked_exactly_when_its_shingle_sets_reach_the_threshold(seed, length, changed_percent):
    """Candidates are checked exactly: never marked below the threshold; above it, LSH may only miss
    (with probability at most 1 - candidate_recall at the threshold; at these sizes, never)."""
    rng = np.random.default_rng(seed)
    first = [WORDS[i] for i in rng.integers(0, len(WORDS), length)]
    second = list(first)
    for position in rng.choice(length, size=length * changed_percent // 100, replace=False):
        second[position] = "changed"
    sketcher = Sketcher()
    a, b = sketcher.of_body("a", " ".join(first)), sketcher.of_body("b", " ".join(second))
    shared = len(np.intersect1d(a.shingles, b.shingles))
    jaccard = shared / (len(a.shingles) + len(b.shingles) - shared)
    index = NearDuplicateIndex()
    index.add(a)
    marked = index.add(b) == "a"
    if jaccard < NearDuplicateConfig().min_jaccard:
        assert not marked
    elif jaccard >= 0.8:
        assert marked


def test_deduplicate_filters_python_records_in_order_at_both_levels():
    records = [
        {"id": "wire", "text": WIRE, "lang": "en"},
        {"id": "bank", "text": BANK},
        {"id": "copy", "text": f"Share:\n\n{WIRE}"},
        {"id": "empty", "text": "   "},
        "not a record",
    ]
    for level in ("document", "passage"):
        rejects: list[Reject] = []
        kept = list(deduplicate(records, level, rejects=rejects))
        assert [(row["id"], row["duplicate_of"]) for row in kept] == [("wire", None), ("bank", None), ("copy", "wire")]
        assert kept[0]["lang"] == "en" and ("reuse" in kept[0]) == (level == "passage")
        assert [reject.reason for reject in rejects] == ["empty text", "not a record: a str"]
        assert [row["id"] for row in deduplicate(records, level, drop=True)] == ["wire", "bank"]


def test_deduplicate_streams_an_endless_source():
    def endless():
        for number in itertools.count():
            yield {"id": f"r{number}", "text": (WIRE, BANK, SAME_EVENT)[number % 3]}

    first = list(itertools.islice(deduplicate(endless()), 7))
    assert [row["duplicate_of"] for row in first] == [None, None, None, "r0", "r1", "r2", "r0"]


def test_arrivals_hand_on_what_arrived_and_raise_what_reading_raised():
    def slow():
        yield from range(3)
        time.sleep(0.3)
        yield from range(3, 5)
        raise OSError("the disk went away")

    with Arrivals(slow(), size=100) as arrivals:
        time.sleep(0.1)
        assert arrivals.take() == [0, 1, 2] and arrivals.take(wait=False) == []  # the rest has not come yet
        assert arrivals.take() == [3, 4]
        with pytest.raises(OSError, match="disk went away"):
            arrivals.take()
        assert arrivals.take() is None
    # A caller that stops early stops the reader thread.
    before = threading.active_count()
    with Arrivals(itertools.count(), size=10) as endless:
        assert len(endless.take()) >= 1
    time.sleep(0.5)
    assert threading.active_count() <= before


def _lines(records: list[dict]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def test_records_go_through_a_pipe_as_they_come_and_to_a_slow_reader():
    """A record written to the filter's standard input comes out before the input ends (the batch is what
    has arrived); a reader that takes its time gets every record, in order."""
    process = subprocess.Popen(
        [STORYLINE, "dedup", "-", "-o", "-", "--quiet"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        process.stdin.write(_lines([{"id": "wire", "text": WIRE}, {"id": "copy", "text": WIRE}]))
        process.stdin.flush()
        first, second = json.loads(process.stdout.readline()), json.loads(process.stdout.readline())
        assert (first["id"], second["duplicate_of"]) == ("wire", "wire")  # while the input is still open
        records = [{"id": f"r{n}", "text": f"{(WIRE, BANK)[n % 2]} Edition {n}."} for n in range(300)]
        feeder = threading.Thread(target=lambda: (process.stdin.write(_lines(records)), process.stdin.close()))
        feeder.start()
        read = []
        for line in process.stdout:
            read.append(json.loads(line)["id"])
            if len(read) % 50 == 0:
                time.sleep(0.2)  # the slow reader
        feeder.join()
    finally:
        process.kill() if process.poll() is None else None
    assert process.wait(timeout=60) == 0
    assert read == [f"r{n}" for n in range(300)]


def test_csv_goes_out_as_csv_with_its_columns_and_standard_input_may_be_csv(tmp_path):
    feed = tmp_path / "feed.csv"
    with feed.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "text", "section"])
        writer.writeheader()
        writer.writerows(
            [{"id": "wire", "text": WIRE, "section": "world"}, {"id": "copy", "text": WIRE, "section": ""}]
        )
    out = tmp_path / "out.csv"
    assert CliRunner().invoke(app, ["dedup", str(feed), "-o", str(out)]).exit_code == 0
    rows = list(csv.DictReader(out.open(newline="")))
    assert list(rows[0]) == ["id", "text", "section", "duplicate_of"]
    assert [(row["id"], row["section"], row["duplicate_of"]) for row in rows] == [
        ("wire", "world", ""),
        ("copy", "", "wire"),
    ]
    done = subprocess.run(
        [STORYLINE, "dedup", "-", "--stdin", "csv", "-o", "-", "--quiet", "--level", "passage"],
        input=feed.read_text(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    piped = list(csv.DictReader(io.StringIO(done.stdout)))
    assert piped[1]["duplicate_of"] == "wire" and json.loads(piped[1]["reuse"])[0]["id"] == "wire"
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text(_lines([{"id": "wire", "text": WIRE}]))
    refused = CliRunner().invoke(app, ["dedup", str(jsonl), "-o", str(tmp_path / "out2.csv")])
    assert refused.exit_code == 1 and "JSONL" in refused.output and not (tmp_path / "out2.csv").exists()
    folder = tmp_path / "feeds.csv"  # a folder is not a CSV file, whatever its name: JSONL out
    folder.mkdir()
    (folder / "a.csv").write_text(feed.read_text())
    from_folder = CliRunner().invoke(app, ["dedup", str(folder), "-o", "-", "-q"])
    assert from_folder.exit_code == 0 and json.loads(from_folder.stdout.splitlines()[0])["id"] == "wire"
    as_jsonl = tmp_path / "out.jsonl"  # CSV in, JSONL out when asked by name
    assert CliRunner().invoke(app, ["dedup", str(feed), "-o", str(as_jsonl)]).exit_code == 0
    assert [json.loads(line)["section"] for line in as_jsonl.read_text().splitlines()] == ["world", ""]


def test_the_datatrove_step_marks_and_drops_in_a_pipeline(tmp_path):
    pytest.importorskip("datatrove")
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor

    from clustering.reuse.datatrove_step import StorylineDedup

    documents = [
        Document(text=WIRE, id="wire", metadata={"lang": "en"}),
        Document(text=BANK, id="bank"),
        Document(text=f"Share:\n\n{WIRE}", id="copy"),
        Document(text="Share:", id="furniture-only"),
    ]
    kept: list[Document] = []

    def collect(data, rank: int = 0, world_size: int = 1):
        for document in data:
            kept.append(document)
            yield document

    pipeline = [documents, StorylineDedup(level="document", drop=True), collect]
    LocalPipelineExecutor(pipeline, tasks=1, logging_dir=str(tmp_path / "logs")).run()
    assert [document.id for document in kept] == ["wire", "bank", "furniture-only"]
    assert kept[0].metadata == {"lang": "en", "duplicate_of": None}
    assert "no article text left" in kept[2].metadata["dedup_rejected"]
    marked = list(StorylineDedup(level="passage").run(iter(documents[:3])))
    assert [document.metadata["duplicate_of"] for document in marked] == [None, None, "wire"]
    assert marked[2].metadata["reuse"][0]["id"] == "wire"


def test_the_cleaning_workers_leave_when_the_filter_is_killed(tmp_path):
    """A `storyline dedup` killed with SIGKILL (no chance to stop its workers) leaves no process behind."""
    import os
    import signal

    feed = tmp_path / "feed.jsonl"
    feed.write_text(_lines([{"id": f"r{n}", "text": f"{WIRE} Edition {n}."} for n in range(20_000)]))
    process = subprocess.Popen([STORYLINE, "dedup", str(feed), "-o", str(tmp_path / "out.jsonl"), "-q"])
    children: list[int] = []
    for _ in range(100):
        time.sleep(0.1)
        found = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        children = [int(pid) for pid in found.read_text().split()] if found.exists() else []
        if len(children) >= 2:
            break
    assert len(children) >= 2, "the workers did not start"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        for pid in children:  # reap nothing: they are not ours; look at their state
            state = Path(f"/proc/{pid}/stat")
            if state.exists() and state.read_text().split()[2] == "Z":
                children.remove(pid)
        time.sleep(0.2)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


def test_a_standard_input_format_that_is_none_is_refused_naming_the_known_ones(tmp_path):
    result = CliRunner().invoke(app, ["dedup", "-", "--stdin", "xml", "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 2 and "expected jsonl or csv" in result.output


def test_the_document_level_indexing_process_leaves_numba_to_its_workers():
    # The workers sketch; the process that reads, indexes and writes only compares shingle sets, so it
    # does not load numba (65 MB). With one core there are no workers, and it sketches itself.
    check = (
        "import json, sys\n"
        "from clustering.ingest.parallel import available_cores\n"
        "from clustering.reuse.filter import deduplicate\n"
        "text = 'the same short report about the harbour fire and the people it left without homes ' * 5\n"
        "records = [{'id': str(n), 'text': text} for n in range(3)]\n"
        "found = [r['duplicate_of'] for r in deduplicate(records, level='document')]\n"
        "print(json.dumps([found, available_cores() > 1, 'numba' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout
    found, forked, loaded = json.loads(out)
    assert found == [None, "0", "0"]
    assert loaded is not forked
