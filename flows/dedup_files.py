"""``storyline dedup`` over files: records read from the inputs and put through the filter of their level
(``clustering.reuse.filter``), written in their own format (JSONL, or CSV when every input is CSV) with the
level's fields added; rejects beside them. Outputs are checked before anything is read, and never replace
an input or the index. Each batch is written, and flushed, as soon as it is decided."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from clustering.config import DEFAULT_DEDUP_LEVEL, Config, DedupLevel
from clustering.ingest.read import STANDARD_INPUT, RecordFormat, iter_inputs
from clustering.records import Reject, json_line
from clustering.reuse.filter import filter_batches, opened_index
from clustering.storage.outputs import STANDARD_ERROR, OutputError, check_output, in_place, output_writer


@dataclass(frozen=True, slots=True)
class DedupCounts:
    read: int
    written: int
    duplicates: int
    rejected: int


def rejects_path(output: Path | str) -> Path | str:
    """Where ``dedup_files`` writes the rejects of ``output``: ``out.jsonl`` → ``out.rejects.jsonl``; for
    standard output, a pipe or a device, standard error."""
    if in_place(output) and not Path(output).is_symlink():
        return STANDARD_ERROR
    output = Path(output)
    return output.with_name(f"{output.stem}.rejects.jsonl")


def _protected(inputs: Sequence[Path | str], index_path: Path | str | None) -> list[tuple[str, Path]]:
    """What an output of ``dedup_files`` must not replace: each input file, and the index."""
    protected = [("an input", Path(path)) for path in inputs]
    if index_path is not None:
        protected.append(("the index", Path(index_path)))
    return protected


def check_dedup_outputs(
    inputs: Sequence[Path | str], output: Path | str, rejects_output: Path | str, index_path: Path | str | None
) -> None:
    """``OutputError`` for an output or rejects file that cannot be written, or would replace an input or
    the index, or lies in an input folder (the next run would read it)."""
    protected = _protected(inputs, index_path)
    for path in (output, rejects_output):
        check_output(path, protected)
        if in_place(path):
            continue
        for folder in (Path(value) for value in inputs if Path(value).is_dir()):
            if Path(path).resolve().is_relative_to(folder.resolve()):
                raise OutputError(f"{path} is inside the input folder {folder}: the next run would read it")
    if not in_place(output) and Path(output).resolve() == Path(rejects_output).resolve():
        raise OutputError(f"{output}: the records and the rejects need two files")


def _form(path: Path | str, standard_input: RecordFormat) -> str:
    if str(path) == STANDARD_INPUT:
        return standard_input
    return "folder" if Path(path).is_dir() else Path(path).suffix.lower().lstrip(".")


def record_format(inputs: Sequence[Path | str], standard_input: RecordFormat = "jsonl") -> RecordFormat:
    """The format records go out in: CSV when every input is a CSV file (or CSV on standard input), else
    JSONL (the only format that holds every input's fields as they came)."""
    return "csv" if {_form(path, standard_input) for path in inputs} == {"csv"} else "jsonl"


def _csv_header(path: Path | str) -> list[str]:
    if str(path) == STANDARD_INPUT:
        return []  # known at its first record
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, csv.Error):
        return []  # the reader rejects the file, or its header, with the reason


class _JsonlRecords:
    """Records as JSON lines."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, record: dict) -> Reject | None:
        self._out.write(json_line(record, default=str) + "\n")
        return None


class _CsvRecords:
    """Records as CSV rows: the inputs' columns in order, then the level's fields (``reuse`` as JSON). A
    record with a column the header lacks, once the header is written, is rejected, not cut."""

    def __init__(self, out: IO[str], columns: list[str]) -> None:
        self._out, self._columns, self._writer = out, columns, None

    def write(self, record: dict) -> Reject | None:
        if self._writer is None:
            columns = list(dict.fromkeys([*self._columns, *record]))
            self._writer = csv.DictWriter(self._out, columns, lineterminator="\n")
            self._writer.writeheader()
        missing = [name for name in record if name not in self._writer.fieldnames]
        if missing:
            return Reject(origin="output", reason=f"column {missing[0]!r} is not in the CSV header", id=record["id"])
        row = {name: json.dumps(value) if isinstance(value, list | dict) else value for name, value in record.items()}
        self._writer.writerow(row)
        return None


def dedup_files(
    inputs: Sequence[Path | str],
    output: Path | str,
    rejects_output: Path | str | None = None,
    *,
    level: DedupLevel = DEFAULT_DEDUP_LEVEL,
    index_path: Path | str | None = None,
    drop: bool = False,
    lsh_storage: dict | None = None,
    standard_input: RecordFormat = "jsonl",
    config: Config = Config(),
) -> DedupCounts:
    """``storyline dedup``: records from ``inputs`` to ``output`` with the fields of ``level`` added
    (``clustering.reuse.filter``), in ``record_format(inputs)`` (JSONL for an output named ``.jsonl``;
    CSV only for CSV inputs: ``OutputError`` otherwise); ``-`` in ``inputs`` is standard input, in the
    ``standard_input`` format.

    Bad records go to ``rejects_output`` (``rejects_path(output)`` by default). Regular files are replaced
    atomically when the run completes; ``-``, pipes and devices are written in place (``output_writer``),
    a batch at a time. Outputs are checked before anything is read (``check_dedup_outputs``:
    ``OutputError``). The index (kept at ``index_path`` across runs, held by one run at a time) holds every
    accepted record. Of ``config``, reading, the level's and MinHash settings apply.
    """
    rejects_output = rejects_output if rejects_output is not None else rejects_path(output)
    check_dedup_outputs(inputs, output, rejects_output, index_path)
    suffix = Path(str(output)).suffix.lower()
    form = "jsonl" if suffix == ".jsonl" else record_format(inputs, standard_input)
    if form == "jsonl" and suffix == ".csv":
        raise OutputError(f"{output}: the records go out as JSONL, the format they came in; name it .jsonl")
    records = iter_inputs(inputs, config.read, standard_input=standard_input)
    columns = [column for path in inputs for column in _csv_header(path)] if form == "csv" else []
    with opened_index(level, config, index_path, lsh_storage) as index:
        return _write_decided(filter_batches(records, index), output, rejects_output, columns, form, drop)


def _write_decided(
    batches: Iterator[list[tuple[dict, bool] | Reject]],
    output: Path | str,
    rejects_output: Path | str,
    columns: list[str],
    form: RecordFormat,
    drop: bool,
) -> DedupCounts:
    counts = {"read": 0, "written": 0, "duplicates": 0, "rejected": 0}
    with output_writer(output) as out, output_writer(rejects_output) as rejected:
        records = _CsvRecords(out, columns) if form == "csv" else _JsonlRecords(out)
        for batch in batches:
            for result in batch:
                counts["read"] += 1
                if isinstance(result, tuple):
                    record, duplicate = result
                    counts["duplicates"] += duplicate
                    if drop and duplicate:
                        continue
                    if (refused := records.write(record)) is None:
                        counts["written"] += 1
                        continue
                    result = refused
                rejected.write(json_line(result.as_row()) + "\n")
                counts["rejected"] += 1
            # What is decided goes out now: a reader downstream of a slow source is not kept waiting.
            out.flush()
            rejected.flush()
    return DedupCounts(**counts)
