"""An output never replaces an input: what `storyline dedup` refuses, and how it writes what is not a file."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clustering.storage.outputs import OutputError, check_output, output_writer
from flows.cli import app

TEXT = "The harbour strike in Gdansk entered its third day as dockers rejected the offer made by the port authority."


def _batch(path: Path, count: int = 3) -> Path:
    records = [{"id": f"r{n}", "text": f"{TEXT} Update number {n} of the day."} for n in range(count)]
    records.append({"id": "bad"})  # no text: a reject
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _dedup(*arguments: str):
    return CliRunner().invoke(app, ["dedup", *arguments])


def test_the_rejects_of_an_output_never_replace_an_input(tmp_path):
    # The derived rejects path of batch.jsonl is batch.rejects.jsonl: the input itself.
    source = _batch(tmp_path / "batch.rejects.jsonl")
    before = source.read_bytes()
    result = _dedup(str(source), "-o", str(tmp_path / "batch.jsonl"), "--drop")
    assert result.exit_code == 1 and "is an input: an output must not replace it" in result.output
    assert source.read_bytes() == before and not (tmp_path / "batch.jsonl").exists()


def test_the_index_is_never_an_output(tmp_path):
    source, index = _batch(tmp_path / "a.jsonl"), tmp_path / "idx.sqlite"
    assert _dedup(str(source), "-o", str(tmp_path / "out.jsonl"), "--index", str(index)).exit_code == 3
    before = index.read_bytes()
    result = _dedup(str(source), "-o", str(index), "--index", str(index))
    assert result.exit_code == 1 and "is the index" in result.output
    assert index.read_bytes() == before


def test_an_output_inside_an_input_folder_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _batch(folder / "a.jsonl")
    result = _dedup(str(folder), "-o", str(folder / "out.jsonl"))
    assert result.exit_code == 1 and "inside the input folder" in result.output


@pytest.mark.parametrize("kind", ["folder", "read-only"])
def test_a_folder_or_a_read_only_file_is_one_line_before_any_reading(tmp_path, kind):
    source = _batch(tmp_path / "a.jsonl")
    target = tmp_path / "target"
    if kind == "folder":
        target.mkdir()
    else:
        target.write_text("kept\n")
        target.chmod(stat.S_IRUSR | stat.S_IRGRP)
    result = _dedup(str(source), "-o", str(target), "--rejects", str(tmp_path / "rejects.jsonl"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert ("is a folder" if kind == "folder" else "is read-only") in result.output
    if kind == "read-only":
        assert target.read_text() == "kept\n"


def test_standard_output_is_written_in_place_and_rejects_go_to_standard_error(tmp_path):
    source = _batch(tmp_path / "a.jsonl")
    result = _dedup(str(source), "-o", "-")
    assert result.exit_code == 3
    written = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["id"] for record in written] == ["r0", "r1", "r2"]
    assert '"id": "bad"' in result.stderr and not (tmp_path / "-").exists()


def test_a_fifo_is_written_in_place_not_replaced(tmp_path):
    source, fifo = _batch(tmp_path / "a.jsonl"), tmp_path / "records.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    result = _dedup(str(source), "-o", str(fifo), "--rejects", str(tmp_path / "rejects.jsonl"))
    reader.join(timeout=60)
    assert result.exit_code == 3, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO
    assert [json.loads(line)["id"] for line in received[0].splitlines()] == ["r0", "r1", "r2"]


def test_a_link_is_written_through_and_stays_a_link(tmp_path):
    source, target, link = _batch(tmp_path / "a.jsonl"), tmp_path / "real.jsonl", tmp_path / "link.jsonl"
    target.write_text("old\n")
    link.symlink_to(target)
    result = _dedup(str(source), "-o", str(link))
    assert result.exit_code == 3, result.output
    assert link.is_symlink() and len(target.read_text().splitlines()) == 3


def test_check_output_names_what_it_protects(tmp_path):
    store = tmp_path / "store.sqlite"
    store.write_bytes(b"")
    with pytest.raises(OutputError, match="is the store"):
        check_output(tmp_path / "." / "store.sqlite", [("the store", store)])
    check_output(tmp_path / "new" / "out.jsonl", [("the store", store)])  # a new file in a new folder: fine


def test_a_regular_output_is_replaced_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), output_writer(target) as stream:
        stream.write("half of the new\n")
        raise RuntimeError("killed midway")
    assert target.read_text() == "old\n"


def test_a_reader_that_stops_early_ends_the_filter_quietly(tmp_path):
    """`storyline dedup in.jsonl -o - | head`: the closed pipe ends the run with exit 0 and no traceback."""
    import subprocess
    import sys

    source = tmp_path / "many.jsonl"
    records = [{"id": f"r{n}", "text": f"{TEXT} {TEXT} Update number {n} of the day."} for n in range(2_000)]
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    command = [str(Path(sys.executable).with_name("storyline")), "dedup", str(source), "-o", "-"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()  # the reader goes away after one record
    _, errors = process.communicate(timeout=300)
    assert json.loads(first)["id"] == "r0"
    assert process.returncode == 0 and b"Traceback" not in errors


def test_standard_input_to_standard_output_through_a_pipe(tmp_path):
    """`cat in.jsonl | storyline dedup - -o -`: records in on standard input, out on standard output (the
    copy marked), rejects on standard error with "stdin" as their origin."""
    import subprocess
    import sys

    records = [{"id": f"r{n}", "text": f"{TEXT} {TEXT} {TEXT}"} for n in range(2)] + [{"title": "no text"}]
    command = [str(Path(sys.executable).with_name("storyline")), "dedup", "-", "-o", "-", "--quiet"]
    done = subprocess.run(
        command, input="".join(json.dumps(record) + "\n" for record in records), capture_output=True, text=True
    )
    written = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 3, done.stderr  # done, with a reject
    assert [(row["id"], row["duplicate_of"]) for row in written] == [("r0", None), ("r1", "r0")]
    (reject,) = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert (reject["origin"], reject["line"]) == ("stdin", 3) and "no 'text' field" in reject["reason"]
