"""Read articles from folders and files; every bad record becomes a ``Reject``.

Record fields: ``id, title, text, source, url, published``; only ``text`` is required. A ``.txt`` file
is one article in the seed style: the title on the first line, the id the file's stem. JSONL and CSV hold
one record a line. A saved web page (``.html``) is one article whose text, title, date and site trafilatura
extracts from the page furniture; an RSS or Atom feed (``.rss``, ``.atom``, ``.xml``) gives one record per
item. Records without an id get ``<file stem>:<line or item>``. Dates are ISO 8601 (a bare date means
midnight UTC) or epoch numbers.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import numpy as np

from clustering.config import ReadConfig
from clustering.ingest.deadline import DeadlineError, call_with_deadline
from clustering.records import Article, ReadResult, Reject, printable
from clustering.storage.workspace import output_folder_holding

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".csv", ".html", ".htm", ".rss", ".atom", ".xml")
ARTICLE_FIELDS = ("id", "title", "text", "source", "url", "published")
# The names inputs commonly give an article's fields, matched without regard to case, tried in order when
# neither a mapping (``ReadConfig.field_names``, ``--field``) nor the field's own name is there. Names that
# mean other things in labelled data ("story", "article", "label") are left out.
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("headline", "heading"),
    "text": ("body", "content", "full_text", "fulltext", "article_text", "description"),
    "source": ("outlet", "publisher", "site_name", "sitename", "site"),
    "url": ("link", "permalink", "href"),
    "published": ("date", "pubdate", "published_at", "publish_date", "pub_date", "datetime", "timestamp"),
}
# Publication dates outside these bounds are not news dates, and near datetime's own bounds any arithmetic
# on them (a time zone, a week added) overflows.
EARLIEST_DATE = datetime(1000, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(3000, 1, 1, tzinfo=UTC)
# A lone surrogate: a "\ud800" escape in JSON, or a byte that is not UTF-8 (decoded with surrogateescape).
# No UTF-8 file, SQLite row or JSON line can hold one.
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """An input path that cannot be read at all (missing, or of an unsupported kind)."""


@dataclass(frozen=True, slots=True)
class _Record:
    """A raw record before validation: its fields and where it came from."""

    fields: dict[str, object]
    origin: str
    line: int | None
    default_id: str


def parse_date(value: object) -> datetime | None:
    """Parse an ISO 8601 string or an epoch number (seconds, or milliseconds when large) to UTC.

    Empty values give ``None``; anything else that does not parse raises ``ValueError``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            number = float(value)
            parsed = datetime.fromtimestamp(number / 1000 if abs(number) > 1e11 else number, tz=UTC)
        elif isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip())
            parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        else:
            raise ValueError(f"not a date: {value!r}")
    except (OverflowError, OSError) as error:  # beyond what datetime or the platform's clock can hold
        raise ValueError(f"not a date: {value!r}") from error
    if not EARLIEST_DATE <= parsed < LATEST_DATE:
        raise ValueError(f"{value!r} is outside the years {EARLIEST_DATE.year}-{LATEST_DATE.year - 1}")
    return parsed


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _surrogate_field(fields: dict[str, object]) -> str | None:
    """The name of the first field (or key) holding a lone surrogate, looked for at any depth without
    recursion (a line may nest thousands deep); ``None`` when every string can be written as UTF-8."""
    pending: list[tuple[str, object]] = list(fields.items())
    while pending:
        name, value = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value) or _SURROGATE.search(name):
                return name
        elif isinstance(value, dict):
            if any(_SURROGATE.search(str(key)) for key in value):
                return name
            pending.extend((name, item) for item in value.values())
        elif isinstance(value, list):
            pending.extend((name, item) for item in value)
        elif _SURROGATE.search(name):
            return name
    return None


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot be read as a URL (an unclosed IPv6 bracket, a port that is not a number), else None."""
    try:
        parts = urlsplit(url)
        _ = parts.hostname, parts.port
    except ValueError as error:
        return str(error)
    return None


def _column(name: str, fields: dict[str, object], field_names: dict[str, str]) -> str:
    """The field of a raw record that holds article field ``name``: mapped, its own, or a common name."""
    if name in field_names:
        return field_names[name]
    if name in fields:
        return name
    lowered = {key.lower(): key for key in fields}
    return next((lowered[alias] for alias in (name, *COMMON_NAMES.get(name, ())) if alias in lowered), name)


def _to_article(record: _Record, config: ReadConfig) -> Article | Reject:
    field_names = config.field_names
    columns = {name: _column(name, record.fields, field_names) for name in ARTICLE_FIELDS}
    fields = {name: record.fields.get(column) for name, column in columns.items()}
    raw_id = _optional_str(fields.get("id"))
    origin = printable(record.origin)

    def reject(reason: str) -> Reject:
        return Reject(origin=origin, reason=reason, id=raw_id, line=record.line)

    bad_field = _surrogate_field(record.fields)
    if bad_field is not None:
        return reject(
            f"field {printable(bad_field)!r} is not valid Unicode (a lone surrogate: an unpaired "
            "\\ud800-\\udfff escape, or bytes that are not UTF-8)"
        )
    for name in ("id", "title", "source", "url"):
        if isinstance(fields.get(name), dict | list):
            return reject(f"{name!r} is a {type(fields[name]).__name__}, not text")
    # A default id comes from a file name, which may hold bytes that are not UTF-8: escaped, not rejected.
    article_id = raw_id or printable(record.default_id)
    url = _optional_str(fields.get("url"))
    if url is not None and (problem := _url_problem(url)) is not None:
        return reject(f"malformed 'url' {url!r}: {problem}")
    text = fields.get("text")
    if text is None:
        seen = ", ".join(printable(str(key)) for key in list(record.fields)[:12]) or "none"
        return reject(
            f"no {columns['text']!r} field (its fields: {seen}; name the one holding the text with "
            "--field text=NAME, or the setting read.field_names)"
        )
    if not isinstance(text, str):
        return reject(f"'text' is a {type(text).__name__}, not a string")
    if not text.strip():
        return reject("empty text")
    if len(text) > config.max_text_chars:
        return reject(f"text is {len(text):,} characters, over the limit of {config.max_text_chars:,}")
    try:
        published = parse_date(fields.get("published"))
    except ValueError:
        return reject(
            f"unparseable 'published' date {fields.get('published')!r} (expected ISO 8601 or epoch seconds, "
            f"in the years {EARLIEST_DATE.year}-{LATEST_DATE.year - 1})"
        )
    return Article(
        id=article_id,
        text=text,
        title=_optional_str(fields.get("title")),
        source=_optional_str(fields.get("source")),
        url=url,
        published=published,
        origin=origin if record.line is None else f"{origin}:{record.line}",
    )


def _file_bytes(path: Path, config: ReadConfig) -> bytes | Reject:
    """A file read whole, or a reject when it is larger than ``config.max_file_bytes`` (read no further)."""
    with path.open("rb") as handle:
        content = handle.read(config.max_file_bytes + 1)
    if len(content) > config.max_file_bytes:
        return Reject(
            origin=str(path), reason=f"file is over the limit of {config.max_file_bytes:,} bytes", id=path.stem
        )
    return content


Reader = Callable[[Path, ReadConfig], Iterator[_Record | Reject]]


def _read_whole(reader: Callable[[Path, bytes, ReadConfig], Iterator[_Record | Reject]]) -> Reader:
    """A reader of files read whole: a file over ``config.max_file_bytes`` is one reject."""

    def read(path: Path, config: ReadConfig) -> Iterator[_Record | Reject]:
        content = _file_bytes(path, config)
        if isinstance(content, Reject):
            yield content
        else:
            yield from reader(path, content, config)

    return read


def _read_text_file(path: Path, content: bytes, _config: ReadConfig) -> Iterator[_Record | Reject]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        yield Reject(origin=str(path), reason=f"not UTF-8 text (byte {error.start})", id=path.stem)
        return
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    yield _Record({"id": printable(path.stem), "title": title, "text": text}, str(path), None, path.stem)


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


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def json_shape_problem(raw: bytes, config: ReadConfig) -> str | None:
    """Why a JSON text is too large to parse (more values than ``config.max_json_items``, containers
    included, or nested deeper than ``config.max_json_depth``), judged from its bytes before parsing;
    ``None`` when it is not."""
    opening = raw.count(b"{") + raw.count(b"[")
    if 1 + opening + raw.count(b",") <= config.max_json_items and opening <= config.max_json_depth:
        return None  # bounds, even if every bracket and comma were outside strings
    structure = np.frombuffer(_JSON_STRING.sub(b"0", raw), dtype=np.uint8)
    structure = structure[~np.isin(structure, np.frombuffer(b" \t\r\n", dtype=np.uint8))]
    opens = np.isin(structure, np.frombuffer(b"{[", dtype=np.uint8))
    closes = np.isin(structure, np.frombuffer(b"}]", dtype=np.uint8))
    # Values: the outermost one, one more than its commas in each container that is not empty.
    empty = int((opens[:-1] & closes[1:]).sum())
    values = 1 + int((structure == ord(",")).sum()) + int(opens.sum()) - empty
    if values > config.max_json_items:
        return f"over {config.max_json_items:,} JSON values"
    if structure.size and int(np.cumsum(opens.astype(np.int32) - closes).max()) > config.max_json_depth:
        return f"JSON nested deeper than {config.max_json_depth} levels"
    return None


def _read_jsonl(path: Path, config: ReadConfig) -> Iterator[_Record | Reject]:
    with path.open("rb") as lines:
        for number, raw in enumerate(_bounded_lines(lines, config.max_record_bytes), start=1):
            if raw is None:
                reason = f"line is over the limit of {config.max_record_bytes:,} bytes"
                yield Reject(origin=str(path), reason=reason, line=number)
                continue
            if not raw.strip():
                continue
            if (problem := json_shape_problem(raw, config)) is not None:
                yield Reject(origin=str(path), reason=f"line holds {problem}: not read", line=number)
                continue
            try:
                fields = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield Reject(origin=str(path), reason="line is not UTF-8 text", line=number)
                continue
            except json.JSONDecodeError as error:
                yield Reject(origin=str(path), reason=f"malformed JSON: {error.msg}", line=number)
                continue
            except RecursionError:
                yield Reject(origin=str(path), reason="JSON nested too deeply to read", line=number)
                continue
            except ValueError as error:  # an integer of more digits than Python converts
                yield Reject(origin=str(path), reason=f"malformed JSON: {error}", line=number)
                continue
            if not isinstance(fields, dict):
                yield Reject(origin=str(path), reason="line is not a JSON object", line=number)
                continue
            yield _Record(fields, str(path), number, f"{path.stem}:{number}")


class _RecordTooLong(ValueError):
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
            raise _RecordTooLong(f"row is over the limit of {self.limit:,} characters")
        return line


def _read_csv(path: Path, config: ReadConfig) -> Iterator[_Record | Reject]:
    """One record per row. Bytes that are not UTF-8 are decoded as lone surrogates, so that the row holding
    them is rejected (``_to_article``) and the rows around it are read; a row the csv module cannot parse,
    or over ``config.max_record_bytes`` characters, is one reject, and reading goes on at the next line."""
    # A field may be a whole article: the csv module's default limit (131,072 characters) is below ours.
    csv.field_size_limit(max(csv.field_size_limit(), config.max_record_bytes + 1))
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        lines = _RowLines(handle, config.max_record_bytes)
        rows = csv.reader(lines)
        try:
            header = next(rows, None)
        except (csv.Error, _RecordTooLong) as error:
            yield Reject(origin=str(path), reason=f"malformed CSV header: {error}", line=1)
            return
        if header is None:
            return
        while True:
            lines.row_chars = 0
            try:
                row = next(rows, None)
            except (csv.Error, _RecordTooLong) as error:
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
            yield _Record(fields, str(path), number, f"{path.stem}:{number}")


def _extracted(content: bytes | str) -> dict[str, object] | None:
    import trafilatura

    page = trafilatura.bare_extraction(content, with_metadata=True, include_comments=False)
    if page is None or not (page.text or "").strip():
        return None
    return {"title": page.title, "text": page.text, "source": page.sitename, "url": page.url, "published": page.date}


# Pages up to this size are extracted in this process: 0.6 s at most measured (a megabyte of article
# text); a larger one gets a child process of its own, killed at ``max_extract_seconds``.
_EXTRACTED_HERE_BYTES = 1_000_000


class PageError(ValueError):
    """A page whose article cannot be extracted within the limits: too large, or too slow."""


def page_fields(content: bytes | str, config: ReadConfig = ReadConfig()) -> dict[str, object] | None:
    """Article fields of one web page, as trafilatura extracts them from the page furniture; ``None``
    when the page holds no article text. ``PageError`` for a page over ``config.max_file_bytes``, or
    whose extraction takes longer than ``config.max_extract_seconds``."""
    if len(content) > config.max_file_bytes:
        raise PageError(f"page is over the limit of {config.max_file_bytes:,} bytes")
    try:
        if len(content) <= _EXTRACTED_HERE_BYTES:
            return _extracted(content)
        return call_with_deadline(_extracted, content, config.max_extract_seconds)
    except DeadlineError as error:
        raise PageError(f"extracting the article took over {config.max_extract_seconds:g} s") from error
    except Exception as error:  # the extractor failing on one page fails that page, not the run
        raise PageError(f"the page could not be read: {type(error).__name__}: {error}") from error


def _read_html(path: Path, content: bytes, config: ReadConfig) -> Iterator[_Record | Reject]:
    """One saved web page; its id is the file's stem."""
    try:
        fields = page_fields(content, config)
    except PageError as error:
        yield Reject(origin=str(path), reason=str(error), id=path.stem)
        return
    if fields is None:
        yield Reject(origin=str(path), reason="no article text found in the page", id=path.stem)
        return
    yield _Record({**fields, "id": printable(path.stem)}, str(path), None, path.stem)


def _plain_text(html: str) -> str:
    """The text of an HTML fragment (a feed item's summary or content)."""
    from lxml import html as lxml_html

    if not html.strip():
        return ""
    return lxml_html.fragment_fromstring(html, create_parent="div").text_content().strip()


class FeedError(ValueError):
    """Content that is not a readable RSS or Atom feed."""


def feed_items(content: bytes) -> list[dict[str, object]]:
    """The article fields of each item of an RSS or Atom feed, its text from the item's content or summary."""
    import feedparser

    feed = feedparser.parse(content)
    if feed.bozo and not any(entry.get("title") or entry.get("link") for entry in feed.entries):
        raise FeedError(f"not a readable RSS/Atom feed: {feed.bozo_exception}")
    outlet = feed.feed.get("title")
    items = []
    for entry in feed.entries:
        content_parts = entry.get("content") or [{}]
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            {
                "id": entry.get("id") or entry.get("link"),
                "title": entry.get("title"),
                "text": _plain_text(content_parts[0].get("value") or entry.get("summary", "")),
                "source": outlet,
                "url": entry.get("link"),
                "published": datetime(*parsed[:6], tzinfo=UTC).isoformat() if parsed else None,
            }
        )
    return items


def _read_feed(path: Path, content: bytes, _config: ReadConfig) -> Iterator[_Record | Reject]:
    """An RSS or Atom feed file: one record per item."""
    try:
        items = feed_items(content)
    except FeedError as error:
        yield Reject(origin=str(path), reason=str(error))
        return
    for number, fields in enumerate(items, start=1):
        yield _Record(fields, str(path), number, f"{path.stem}:{number}")


_READERS: dict[str, Reader] = {
    ".txt": _read_whole(_read_text_file),
    ".jsonl": _read_jsonl,
    ".csv": _read_csv,
    ".html": _read_whole(_read_html),
    ".htm": _read_whole(_read_html),
    ".rss": _read_whole(_read_feed),
    ".atom": _read_whole(_read_feed),
    ".xml": _read_whole(_read_feed),
}


def check_inputs(paths: Iterable[Path | str]) -> None:
    """Raise ``InputError`` for a path that is missing, or a file of an unsupported type."""
    for path in map(Path, paths):
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if not path.is_dir() and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise InputError(f"{path}: unsupported file type (expected {', '.join(SUPPORTED_SUFFIXES)})")


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


def iter_inputs(
    paths: Iterable[Path | str],
    config: ReadConfig = ReadConfig(),
    on_skip: OnSkip | None = None,
    outputs: Sequence[Path] = (),
) -> Iterator[tuple[dict[str, object], Article | Reject]]:
    """Each record under ``paths`` with its raw fields, as an ``Article`` or a ``Reject``, one at a time.

    ``config.field_names`` maps article fields to the input's own names, e.g. ``{"text": "title"}`` for a
    file of headlines; a record or file over one of ``config``'s limits is a reject. A later record with
    an id already seen is rejected. Files that are not read (of another type, or in a Storyline output
    folder: one holding a store, or one of ``outputs``) are told to ``on_skip``, with the reason.
    """
    first_origin: dict[str, str] = {}
    for path in map(Path, paths):
        for file in _files(path, on_skip or (lambda _path, _reason: None), outputs):
            if isinstance(file, Reject):
                yield {}, file
                continue
            try:
                records = list(_READERS[file.suffix.lower()](file, config))
            except OSError as error:
                yield {}, Reject(origin=str(file), reason=f"unreadable file: {error.strerror}")
                continue
            for record in records:
                if isinstance(record, Reject):
                    yield {}, record
                    continue
                outcome = _to_article(record, config)
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
    for _, outcome in iter_inputs(paths, config, lambda path, reason: skipped.append((path, reason)), outputs):
        (articles if isinstance(outcome, Article) else rejects).append(outcome)
    return ReadResult(articles=articles, rejects=rejects, skipped=skipped)
