"""Read articles from folders and files; every bad record becomes a ``Reject``.

Record fields: ``id, title, text, source, url, published``; only ``text`` is required. A ``.txt`` file
is one article in the seed style: the title on the first line, the id the file's stem. JSONL and CSV hold
one record a line. A saved web page (``.html``) is one article whose text, title, date and site trafilatura
extracts from the page furniture; an RSS or Atom feed (``.rss``, ``.atom``, ``.xml``) gives one record per
item (``markup``). Records without an id get ``<file stem>:<line or item>``. Each record's fields are
checked in ``fields``: dates are ISO 8601 (a bare date means midnight UTC) or epoch numbers.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Literal, get_args

from clustering.config import ReadConfig
from clustering.ingest.fields import OnWarning, RawRecord, to_article
from clustering.ingest.json_records import array_items, json_record
from clustering.ingest.markup import FeedError, PageError, feed_items, page_fields
from clustering.records import Article, ReadResult, RecordWarning, Reject, printable
from clustering.storage.workspace import output_folder_holding

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".json", ".csv", ".html", ".htm", ".rss", ".atom", ".xml")


def is_url(value: str) -> bool:
    """Whether an input names a page or feed to fetch rather than a path (read here, not in ``fetch``: a
    command over local files then never imports the HTTP client)."""
    return value.startswith(("http://", "https://"))


class InputError(ValueError):
    """An input path that cannot be read at all (missing, or of an unsupported kind)."""


def _file_bytes(path: Path, config: ReadConfig) -> bytes | Reject:
    """A file read whole, or a reject when it is larger than ``config.max_file_bytes`` (read no further)."""
    with path.open("rb") as handle:
        content = handle.read(config.max_file_bytes + 1)
    if len(content) > config.max_file_bytes:
        return Reject(
            origin=str(path), reason=f"file is over the limit of {config.max_file_bytes:,} bytes", id=path.stem
        )
    return content


Reader = Callable[[Path, ReadConfig], Iterator[RawRecord | Reject]]


def _read_whole(reader: Callable[[Path, bytes, ReadConfig], Iterator[RawRecord | Reject]]) -> Reader:
    """A reader of files read whole: a file over ``config.max_file_bytes`` is one reject."""

    def read(path: Path, config: ReadConfig) -> Iterator[RawRecord | Reject]:
        content = _file_bytes(path, config)
        if isinstance(content, Reject):
            yield content
        else:
            yield from reader(path, content, config)

    return read


def _read_text_file(path: Path, content: bytes, _config: ReadConfig) -> Iterator[RawRecord | Reject]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        yield Reject(origin=str(path), reason=f"not UTF-8 text (byte {error.start})", id=path.stem)
        return
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    yield RawRecord({"id": printable(path.stem), "title": title, "text": text}, str(path), None, path.stem)


def _bounded_lines(handle: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of ``handle``, each read only up to ``limit`` bytes: ``None`` stands for a longer line,
    whose rest is skipped a block at a time."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
            pass
        yield None


def _jsonl_records(lines: IO[bytes], path: Path, config: ReadConfig) -> Iterator[RawRecord | Reject]:
    """The records of JSONL ``lines`` (a file's, or standard input's) as they are read, one line at a time."""
    for number, raw in enumerate(_bounded_lines(lines, config.max_record_bytes), start=1):
        if raw is None:
            reason = f"line is over the limit of {config.max_record_bytes:,} bytes"
            yield Reject(origin=str(path), reason=reason, line=number)
        elif raw.strip():
            yield json_record(raw, path, number, config, "line")


def _read_jsonl(path: Path, config: ReadConfig) -> Iterator[RawRecord | Reject]:
    with path.open("rb") as lines:
        yield from _jsonl_records(lines, path, config)


def _read_json(path: Path, content: bytes, config: ReadConfig) -> Iterator[RawRecord | Reject]:
    """A .json file: an array of records, each item numbered from 1 and read as a JSONL line is, or one
    record."""
    try:
        items = array_items(content)
    except ValueError as error:
        yield Reject(origin=str(path), reason=f"malformed JSON: {error}")
        return
    if items is None:
        yield json_record(content, path, 1, config, "file")
    else:
        for number, item in enumerate(items, start=1):
            yield json_record(item, path, number, config, "item")


class RawRecordTooLong(ValueError):
    """A CSV row over the record size limit; reading goes on after the line it stopped in."""


class _RowLines:
    """The lines of a CSV file for ``csv.reader``, counting the characters of the row being read: over
    ``limit`` (in one line, or in the lines of one quoted field), the row is given up."""

    def __init__(self, handle: IO[str], limit: int) -> None:
        self.handle, self.limit, self.row_chars = handle, limit, 0

    def __iter__(self) -> _RowLines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.row_chars += len(line)
        if self.row_chars > self.limit:
            while not line.endswith("\n") and (line := self.handle.readline(1 << 20)):
                pass
            raise RawRecordTooLong(f"row is over the limit of {self.limit:,} characters")
        return line


def _read_csv(path: Path, config: ReadConfig) -> Iterator[RawRecord | Reject]:
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        yield from _csv_records(handle, path, config)


def _csv_records(handle: IO[str], path: Path, config: ReadConfig) -> Iterator[RawRecord | Reject]:
    """One record per row. Bytes that are not UTF-8 are decoded as lone surrogates, so that the row holding
    them is rejected (``_to_article``) and the rows around it are read; a row the csv module cannot parse,
    or over ``config.max_record_bytes`` characters, is one reject, and reading goes on at the next line."""
    # A field may be a whole article: the csv module's default limit (131,072 characters) is below ours.
    csv.field_size_limit(max(csv.field_size_limit(), config.max_record_bytes + 1))
    lines = _RowLines(handle, config.max_record_bytes)
    rows = csv.reader(lines)
    try:
        header = next(rows, None)
    except (csv.Error, RawRecordTooLong) as error:
        yield Reject(origin=str(path), reason=f"malformed CSV header: {error}", line=1)
        return
    if header is None:
        return
    while True:
        lines.row_chars = 0
        try:
            row = next(rows, None)
        except (csv.Error, RawRecordTooLong) as error:
            yield Reject(origin=str(path), reason=f"malformed CSV row: {error}", line=rows.line_num)
            continue
        if row is None:
            return
        number = rows.line_num
        if not row:  # a blank line, as csv.DictReader skips it
            continue
        if len(row) > len(header):
            yield Reject(origin=str(path), reason="more columns than the header", line=number)
            continue
        fields = dict(zip(header, row + [None] * (len(header) - len(row)), strict=True))
        yield RawRecord(fields, str(path), number, f"{path.stem}:{number}")


def _read_html(path: Path, content: bytes, config: ReadConfig) -> Iterator[RawRecord | Reject]:
    """One saved web page; its id is the file's stem."""
    try:
        fields = page_fields(content, config)
    except PageError as error:
        yield Reject(origin=str(path), reason=str(error), id=path.stem)
        return
    if fields is None:
        yield Reject(origin=str(path), reason="no article text found in the page", id=path.stem)
        return
    yield RawRecord({**fields, "id": printable(path.stem)}, str(path), None, path.stem)


def _read_feed(path: Path, content: bytes, _config: ReadConfig) -> Iterator[RawRecord | Reject]:
    """An RSS or Atom feed file: one record per item."""
    try:
        items = feed_items(content)
    except FeedError as error:
        yield Reject(origin=str(path), reason=str(error))
        return
    for number, fields in enumerate(items, start=1):
        yield RawRecord(fields, str(path), number, f"{path.stem}:{number}")


_READERS: dict[str, Reader] = {
    ".txt": _read_whole(_read_text_file),
    ".jsonl": _read_jsonl,
    ".json": _read_whole(_read_json),
    ".csv": _read_csv,
    ".html": _read_whole(_read_html),
    ".htm": _read_whole(_read_html),
    ".rss": _read_whole(_read_feed),
    ".atom": _read_whole(_read_feed),
    ".xml": _read_whole(_read_feed),
}


def check_inputs(paths: Iterable[Path | str]) -> None:
    """Raise ``InputError`` for a path that is missing, or a file of an unsupported type (``-``, standard
    input, is JSONL)."""
    for path in map(Path, paths):
        if str(path) == STANDARD_INPUT:
            continue
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if not path.is_dir() and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise InputError(f"{path}: unsupported file type (expected {', '.join(SUPPORTED_SUFFIXES)})")


# ``-`` as an input: the JSONL records of standard input, their origin "stdin" (ids "stdin:<line>").
STANDARD_INPUT = "-"
_STDIN_ORIGIN = Path("stdin")
# The two formats of records, in files and on standard input.
RecordFormat = Literal["jsonl", "csv"]
RECORD_FORMATS: tuple[str, ...] = get_args(RecordFormat)


def _standard_input_records(form: RecordFormat, config: ReadConfig) -> Iterator[RawRecord | Reject]:
    if form == "csv":
        text = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape", newline="")
        return _csv_records(text, _STDIN_ORIGIN, config)
    return _jsonl_records(sys.stdin.buffer, _STDIN_ORIGIN, config)


OnSkip = Callable[[str, str], None]
OUTPUT_FOLDER_SKIPPED = "a Storyline output folder: its store and artifacts are never read as input"


def _skipped_output(path: Path, on_skip: OnSkip, outputs: Sequence[Path]) -> bool:
    folder = output_folder_holding(path, outputs)
    if folder is not None:
        on_skip(str(path), OUTPUT_FOLDER_SKIPPED + ("" if folder == path.resolve() else f" ({folder})"))
    return folder is not None


NOT_A_REGULAR_FILE = "not a regular file (a broken link, pipe, socket or device): not read"
LINK_OUT_OF_FOLDER = "a link to a file outside the input folder: not followed"


def _regular(path: Path) -> bool:
    """Whether ``path`` (after its links) is a regular file: a pipe would block the run, a device
    such as /dev/zero never end."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _files(path: Path, on_skip: OnSkip, outputs: Sequence[Path]) -> Iterator[Path | Reject]:
    """The files to read under ``path``; what is passed over (output folders, ``outputs`` among them,
    files of other types, links to folders) is told to ``on_skip`` with the reason. A link inside a folder
    is read only when it stays inside the folder; special files are rejects, never opened."""
    if str(path) == STANDARD_INPUT:
        yield path
        return
    check_inputs([path])
    if _skipped_output(path, on_skip, outputs):
        return
    if not path.is_dir():
        yield path if _regular(path) else Reject(origin=str(path), reason=NOT_A_REGULAR_FILE)
        return
    for folder, folders, names in os.walk(path):
        here = Path(folder)
        folders.sort()
        kept = []
        for name in [name for name in folders if not name.startswith(".")]:
            if (here / name).is_symlink():  # os.walk does not follow it: say so
                on_skip(str(here / name), "a link to a folder: not followed")
            elif not _skipped_output(here / name, on_skip, outputs):
                kept.append(name)
        folders[:] = kept
        for name in sorted(names):
            child = here / name
            if name.startswith("."):
                continue
            if child.suffix.lower() not in SUPPORTED_SUFFIXES:
                on_skip(str(child), f"not an input type ({child.suffix or 'no suffix'})")
            elif child.is_symlink() and not _within(child, path):
                yield Reject(origin=str(child), reason=LINK_OUT_OF_FOLDER)
            elif _regular(child):
                yield child
            else:  # say so rather than skip it or block on it
                yield Reject(origin=str(child), reason=NOT_A_REGULAR_FILE)


def _read_until_failure(file: Path, records: Iterator[RawRecord | Reject]) -> Iterator[RawRecord | Reject]:
    """A file's records as they are read (a JSONL or CSV file is never held whole); a read that fails ends
    them with a reject for the file, the records read before it standing."""
    read = 0
    try:
        for record in records:
            read += 1
            yield record
    except OSError as error:
        after = f" after {read:,} records" if read else ""
        yield Reject(origin=str(file), reason=f"unreadable file{after}: {error.strerror}")


def iter_inputs(
    paths: Iterable[Path | str],
    config: ReadConfig = ReadConfig(),
    on_skip: OnSkip | None = None,
    outputs: Sequence[Path] = (),
    on_warning: OnWarning | None = None,
    standard_input: RecordFormat = "jsonl",
) -> Iterator[tuple[dict[str, object], Article | Reject]]:
    """Each record under ``paths`` with its raw fields, as an ``Article`` or a ``Reject``, one at a time.
    ``-`` is standard input, read as it comes in the ``standard_input`` format.

    ``config.field_names`` maps article fields to the input's own names, e.g. ``{"text": "title"}`` for a
    file of headlines; a record or file over one of ``config``'s limits is a reject. A later record with
    an id already seen is rejected. Files that are not read (of another type, or in a Storyline output
    folder: one holding a store, or one of ``outputs``) are told to ``on_skip``, with the reason; an
    article read without a value its record gave (a date that is no date), to ``on_warning``.
    """
    first_origin: dict[str, str] = {}
    for path in map(Path, paths):
        for file in _files(path, on_skip or (lambda _path, _reason: None), outputs):
            if isinstance(file, Reject):
                yield {}, file
                continue
            if str(file) == STANDARD_INPUT:  # read as it comes: a filter's input may be endless
                records: Iterable[RawRecord | Reject] = _standard_input_records(standard_input, config)
            else:
                records = _read_until_failure(file, _READERS[file.suffix.lower()](file, config))
            for record in records:
                if isinstance(record, Reject):
                    yield {}, record
                    continue
                outcome = to_article(record, config, on_warning)
                if isinstance(outcome, Article):
                    if outcome.id in first_origin:
                        reason = f"duplicate id {outcome.id!r} (first read from {first_origin[outcome.id]})"
                        outcome = Reject(origin=outcome.origin, reason=reason, id=outcome.id)
                    else:
                        first_origin[outcome.id] = outcome.origin
                yield record.fields, outcome


def read_inputs(
    paths: Iterable[Path | str], config: ReadConfig = ReadConfig(), outputs: Sequence[Path] = ()
) -> ReadResult:
    """Read every article under ``paths`` (``config`` and ``outputs`` as for ``iter_inputs``)."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    skipped: list[tuple[str, str]] = []
    warnings: list[RecordWarning] = []

    def on_skip(path: str, reason: str) -> None:
        skipped.append((path, reason))

    for _, outcome in iter_inputs(paths, config, on_skip, outputs, warnings.append):
        (articles if isinstance(outcome, Article) else rejects).append(outcome)
    return ReadResult(articles=articles, rejects=rejects, skipped=skipped, warnings=warnings)
