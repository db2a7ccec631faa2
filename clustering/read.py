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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clustering.records import Article, ReadResult, Reject

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".csv", ".html", ".htm", ".rss", ".atom", ".xml")
ARTICLE_FIELDS = ("id", "title", "text", "source", "url", "published")
MAX_TEXT_CHARS = 2_000_000


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
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        try:
            return datetime.fromtimestamp(number / 1000 if abs(number) > 1e11 else number, tz=UTC)
        except (OverflowError, OSError) as error:
            raise ValueError(f"not a date: {value!r}") from error
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    parsed = datetime.fromisoformat(value.strip())
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _to_article(record: _Record, field_names: dict[str, str]) -> Article | Reject:
    fields = {name: record.fields.get(field_names.get(name, name)) for name in ARTICLE_FIELDS}
    raw_id = _optional_str(fields.get("id"))
    article_id = raw_id or record.default_id

    def reject(reason: str) -> Reject:
        return Reject(origin=record.origin, reason=reason, id=raw_id, line=record.line)

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
        return reject(f"unparseable 'published' date {fields.get('published')!r} (expected ISO 8601)")
    return Article(
        id=article_id,
        text=text,
        title=_optional_str(fields.get("title")),
        source=_optional_str(fields.get("source")),
        url=_optional_str(fields.get("url")),
        published=published,
        origin=record.origin if record.line is None else f"{record.origin}:{record.line}",
    )


def _read_text_file(path: Path) -> Iterator[_Record | Reject]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        yield Reject(origin=str(path), reason=f"not UTF-8 text (byte {error.start})", id=path.stem)
        return
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    yield _Record({"id": path.stem, "title": title, "text": text}, str(path), None, path.stem)


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
            if not isinstance(fields, dict):
                yield Reject(origin=str(path), reason="line is not a JSON object", line=number)
                continue
            yield _Record(fields, str(path), number, f"{path.stem}:{number}")


def _read_csv(path: Path) -> Iterator[_Record | Reject]:
    try:
        handle = path.open(encoding="utf-8", newline="")
        with handle:
            rows = csv.DictReader(handle)
            if rows.fieldnames is None:
                return
            for row in rows:
                number = rows.line_num
                if None in row:
                    yield Reject(origin=str(path), reason="more columns than the header", line=number)
                    continue
                yield _Record(dict(row), str(path), number, f"{path.stem}:{number}")
    except UnicodeDecodeError as error:
        yield Reject(origin=str(path), reason=f"not UTF-8 text (byte {error.start})")
    except csv.Error as error:
        yield Reject(origin=str(path), reason=f"malformed CSV: {error}")


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
    yield _Record({**fields, "id": path.stem}, str(path), None, path.stem)


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
        if not path.is_dir() and path.suffix not in SUPPORTED_SUFFIXES:
            raise InputError(f"{path}: unsupported file type (expected {', '.join(SUPPORTED_SUFFIXES)})")


def _files(path: Path) -> Iterator[Path | Reject]:
    check_inputs([path])
    if not path.is_dir():
        yield path
        return
    for child in sorted(path.rglob("*")):
        if child.name.startswith(".") or child.suffix not in SUPPORTED_SUFFIXES or child.is_dir():
            continue
        if child.is_file():
            yield child
        else:  # a broken link, a pipe or a device: say so rather than skip it or block on it
            yield Reject(origin=str(child), reason="not a regular file (a broken link, pipe or device)")


def iter_inputs(
    paths: Iterable[Path | str], field_names: dict[str, str] | None = None
) -> Iterator[tuple[dict[str, object], Article | Reject]]:
    """Each record under ``paths`` with its raw fields, as an ``Article`` or a ``Reject``, one at a time.

    ``field_names`` maps article fields to the input's own names, e.g. ``{"text": "title"}`` for a file of
    headlines. A later record with an id already seen is rejected.
    """
    field_names = field_names or {}
    first_origin: dict[str, str] = {}
    for path in map(Path, paths):
        for file in _files(path):
            if isinstance(file, Reject):
                yield {}, file
                continue
            try:
                records = list(_READERS[file.suffix](file))
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


def read_inputs(paths: Iterable[Path | str], field_names: dict[str, str] | None = None) -> ReadResult:
    """Read every article under ``paths`` (``field_names`` as for ``iter_inputs``)."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    for _, outcome in iter_inputs(paths, field_names):
        (articles if isinstance(outcome, Article) else rejects).append(outcome)
    return ReadResult(articles=articles, rejects=rejects)
