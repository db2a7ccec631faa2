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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from clustering.records import Article, ReadResult, Reject, printable
from clustering.storage.workspace import output_folder_holding

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".csv", ".html", ".htm", ".rss", ".atom", ".xml")
ARTICLE_FIELDS = ("id", "title", "text", "source", "url", "published")
MAX_TEXT_CHARS = 2_000_000
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


def _to_article(record: _Record, field_names: dict[str, str]) -> Article | Reject:
    fields = {name: record.fields.get(field_names.get(name, name)) for name in ARTICLE_FIELDS}
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
        return reject(f"no {field_names.get('text', 'text')!r} field")
    if not isinstance(text, str):
        return reject(f"'text' is a {type(text).__name__}, not a string")
    if not text.strip():
        return reject("empty text")
    if len(text) > MAX_TEXT_CHARS:
        return reject(f"text is {len(text):,} characters, over the limit of {MAX_TEXT_CHARS:,}")
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


def _read_text_file(path: Path) -> Iterator[_Record | Reject]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        yield Reject(origin=str(path), reason=f"not UTF-8 text (byte {error.start})", id=path.stem)
        return
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    yield _Record({"id": printable(path.stem), "title": title, "text": text}, str(path), None, path.stem)


def _read_jsonl(path: Path) -> Iterator[_Record | Reject]:
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
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


def _read_csv(path: Path) -> Iterator[_Record | Reject]:
    """One record per row. Bytes that are not UTF-8 are decoded as lone surrogates, so that the row holding
    them is rejected (``_to_article``) and the rows around it are read; a row the csv module cannot parse
    is one reject, and reading goes on at the next line."""
    # A field may be a whole article: the csv module's default limit (131,072 characters) is below ours.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_TEXT_CHARS + 1))
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        rows = csv.reader(handle)
        try:
            header = next(rows, None)
        except csv.Error as error:
            yield Reject(origin=str(path), reason=f"malformed CSV header: {error}", line=1)
            return
        if header is None:
            return
        while True:
            try:
                row = next(rows, None)
            except csv.Error as error:
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


def page_fields(content: bytes | str) -> dict[str, object] | None:
    """Article fields of one web page, as trafilatura extracts them from the page furniture; ``None``
    when the page holds no article text."""
    import trafilatura

    page = trafilatura.bare_extraction(content, with_metadata=True, include_comments=False)
    if page is None or not (page.text or "").strip():
        return None
    return {"title": page.title, "text": page.text, "source": page.sitename, "url": page.url, "published": page.date}


def _read_html(path: Path) -> Iterator[_Record | Reject]:
    """One saved web page; its id is the file's stem."""
    fields = page_fields(path.read_bytes())
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


def _read_feed(path: Path) -> Iterator[_Record | Reject]:
    """An RSS or Atom feed file: one record per item."""
    try:
        items = feed_items(path.read_bytes())
    except FeedError as error:
        yield Reject(origin=str(path), reason=str(error))
        return
    for number, fields in enumerate(items, start=1):
        yield _Record(fields, str(path), number, f"{path.stem}:{number}")


_READERS = {
    ".txt": _read_text_file,
    ".jsonl": _read_jsonl,
    ".csv": _read_csv,
    ".html": _read_html,
    ".htm": _read_html,
    ".rss": _read_feed,
    ".atom": _read_feed,
    ".xml": _read_feed,
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


def _files(path: Path, on_skip: OnSkip, outputs: Sequence[Path]) -> Iterator[Path | Reject]:
    """The files to read under ``path``; what is passed over (output folders, ``outputs`` among them, and
    files of other types) is told to ``on_skip`` with the reason."""
    check_inputs([path])
    if _skipped_output(path, on_skip, outputs):
        return
    if not path.is_dir():
        yield path
        return
    for folder, folders, names in os.walk(path):
        here = Path(folder)
        folders.sort()
        kept = []
        for name in [name for name in folders if not name.startswith(".")]:
            if not _skipped_output(here / name, on_skip, outputs):
                kept.append(name)
        folders[:] = kept
        for name in sorted(names):
            child = here / name
            if name.startswith("."):
                continue
            if child.suffix.lower() not in SUPPORTED_SUFFIXES:
                on_skip(
                    str(child),
                    f"not an input type ({child.suffix or 'no suffix'})",
                )
            elif child.is_file():
                yield child
            else:  # a broken link, a pipe or a device: say so rather than skip it or block on it
                yield Reject(origin=str(child), reason="not a regular file (a broken link, pipe or device)")


def iter_inputs(
    paths: Iterable[Path | str],
    field_names: dict[str, str] | None = None,
    on_skip: OnSkip | None = None,
    outputs: Sequence[Path] = (),
) -> Iterator[tuple[dict[str, object], Article | Reject]]:
    """Each record under ``paths`` with its raw fields, as an ``Article`` or a ``Reject``, one at a time.

    ``field_names`` maps article fields to the input's own names, e.g. ``{"text": "title"}`` for a file of
    headlines. A later record with an id already seen is rejected. Files that are not read (of another
    type, or in a Storyline output folder: one holding a store, or one of ``outputs``) are told to
    ``on_skip``, with the reason.
    """
    field_names = field_names or {}
    first_origin: dict[str, str] = {}
    for path in map(Path, paths):
        for file in _files(path, on_skip or (lambda _path, _reason: None), outputs):
            if isinstance(file, Reject):
                yield {}, file
                continue
            try:
                records = list(_READERS[file.suffix.lower()](file))
            except OSError as error:
                yield {}, Reject(origin=str(file), reason=f"unreadable file: {error.strerror}")
                continue
            for record in records:
                if isinstance(record, Reject):
                    yield {}, record
                    continue
                outcome = _to_article(record, field_names)
                if isinstance(outcome, Article):
                    if outcome.id in first_origin:
                        reason = f"duplicate id {outcome.id!r} (first read from {first_origin[outcome.id]})"
                        outcome = Reject(origin=outcome.origin, reason=reason, id=outcome.id)
                    else:
                        first_origin[outcome.id] = outcome.origin
                yield record.fields, outcome


def read_inputs(
    paths: Iterable[Path | str], field_names: dict[str, str] | None = None, outputs: Sequence[Path] = ()
) -> ReadResult:
    """Read every article under ``paths`` (``field_names`` and ``outputs`` as for ``iter_inputs``)."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    skipped: list[tuple[str, str]] = []
    for _, outcome in iter_inputs(paths, field_names, lambda path, reason: skipped.append((path, reason)), outputs):
        (articles if isinstance(outcome, Article) else rejects).append(outcome)
    return ReadResult(articles=articles, rejects=rejects, skipped=skipped)
