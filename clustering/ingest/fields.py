"""One raw record's fields checked once, here: which field holds what (mapped, its own name, or a common
one), dates parsed and bounded, text and URLs checked; a bad record becomes a ``Reject`` with the reason."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from clustering.config import ReadConfig
from clustering.records import Article, RecordWarning, Reject, is_day_only, printable, zoned_datetime

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


OnWarning = Callable[[RecordWarning], None]
_DATES_EXPECTED = f"(expected ISO 8601 or epoch seconds, in the years {EARLIEST_DATE.year}-{LATEST_DATE.year - 1})"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A raw record before validation: its fields and where it came from."""

    fields: dict[str, object]
    origin: str
    line: int | None
    default_id: str


def parse_date(value: object) -> datetime | None:
    """Parse an ISO 8601 string (in the zone it is written in; UTC when it names none) or an epoch number
    (seconds, or milliseconds when large; UTC).

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
            parsed = zoned_datetime(value)
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
    """The field of a raw record that holds article field ``name``: mapped (when the record has the mapped
    column: one mapping serves inputs of several shapes), its own, or a common name."""
    if field_names.get(name) in fields:
        return field_names[name]
    if name in fields:
        return name
    lowered = {key.lower(): key for key in fields}
    aliases = (name, *COMMON_NAMES.get(name, ()))
    return next((lowered[alias] for alias in aliases if alias in lowered), field_names.get(name, name))


def to_article(record: RawRecord, config: ReadConfig, on_warning: OnWarning | None = None) -> Article | Reject:
    """The article of a raw record, or the reject saying why it is none. A value the article can stand
    without (a date that is no date) is dropped and told to ``on_warning``."""
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
        published = None  # the article stands without its date; the warning keeps what the date said
        if on_warning is not None:
            reason = f"unparseable 'published' date {fields.get('published')!r}: read without a date {_DATES_EXPECTED}"
            on_warning(RecordWarning(origin=origin, reason=reason, id=article_id, line=record.line))
    return Article(
        id=article_id,
        text=text,
        title=_optional_str(fields.get("title")),
        source=_optional_str(fields.get("source")),
        url=url,
        published=published,
        origin=origin if record.line is None else f"{origin}:{record.line}",
        published_day_only=published is not None and is_day_only(fields.get("published")),
    )


def iter_records(
    records: Iterable[Mapping[str, object] | Article],
    config: ReadConfig = ReadConfig(),
    origin: str = "python",
    on_warning: OnWarning | None = None,
) -> Iterator[tuple[dict[str, object], Article | Reject]]:
    """Each Python object with its fields, as an ``Article`` or a ``Reject``, one at a time: a dict is
    checked as a record of a file is (the same field names, mappings and checks, warnings told to
    ``on_warning``), an ``Article`` taken as it is, anything else is a ``Reject``. A record without an id
    gets ``<origin>:<position>``, from 1."""
    for number, record in enumerate(records, start=1):
        if isinstance(record, Article):
            yield json.loads(record.to_json()), record
        elif not isinstance(record, Mapping):
            yield {}, Reject(origin=origin, reason=f"not a record: a {type(record).__name__}", line=number)
        else:
            fields = dict(record)
            yield fields, to_article(RawRecord(fields, origin, number, f"{origin}:{number}"), config, on_warning)


def articles_from_records(
    records: Iterable[Mapping[str, object] | Article],
    config: ReadConfig = ReadConfig(),
    origin: str = "python",
    on_warning: OnWarning | None = None,
) -> tuple[list[Article], list[Reject]]:
    """``iter_records``, as the articles and the rejects."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    for _, outcome in iter_records(records, config, origin, on_warning):
        (articles if isinstance(outcome, Article) else rejects).append(outcome)
    return articles, rejects
