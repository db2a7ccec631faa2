"""Typed records that flow between the stages. This module imports nothing of Storyline's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlparse

# How an article with no source and no URL host is shown and counted.
UNKNOWN_OUTLET = "(unknown outlet)"

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_day_only(value: object) -> bool:
    """Whether ``value`` is a date written without a time ("2018-02-06"): a day, not a moment of it."""
    return isinstance(value, str) and _DAY.fullmatch(value.strip()) is not None


def zoned_datetime(value: str | datetime) -> datetime:
    """``value`` (a datetime, or an ISO 8601 string) in the zone it names; a time without a zone is taken
    as UTC. An unreadable string raises ``ValueError``."""
    parsed = datetime.fromisoformat(value.strip()) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@dataclass(frozen=True, slots=True)
class Article:
    """One news article: what was read, and what cleaning cut from it.

    ``text`` is the article exactly as given in the input; cleaning never changes it. ``body`` is the
    article proper, ``comments`` the reader comments and ``furniture`` the page furniture (share bars,
    captions, bylines, reading times) that cleaning separated from it. ``body_spans`` are the character
    spans in ``text`` of the body's paragraphs; ``segments`` are the body's sentence-like pieces as
    ``(start, end, key)``, ``key`` a digest of the piece's words, by which the text an outlet repeats is
    recognised; ``furniture_spans`` are the spans of ``text`` that are page furniture (by shape, or learned
    from what the outlet repeats across articles about different things).
    """

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    origin: str = ""
    body: str = ""
    body_spans: tuple[tuple[int, int], ...] = ()
    comments: str = ""
    furniture: tuple[str, ...] = ()
    segments: tuple[tuple[int, int, int], ...] = ()
    furniture_spans: tuple[tuple[int, int], ...] = ()
    dateline: datetime | None = None
    agencies: tuple[str, ...] = ()
    # The language of the title and body, as an ISO 639 code ("und": none could be told); found by cleaning.
    language: str = ""
    # The input gave a day, no time ("2018-02-06"): ``published`` is that day's midnight UTC, not a moment.
    published_day_only: bool = False
    # The offset from UTC (minutes) the input wrote ``published`` in ("14:05+01:00": 60); None: UTC or no zone.
    published_offset: int | None = None

    def __post_init__(self) -> None:
        # A date given as an ISO 8601 string or a datetime in any zone (or none) is made UTC, its offset kept.
        published = self.published
        if published is None or (isinstance(published, datetime) and published.tzinfo is UTC):
            return
        if not isinstance(published, str | datetime):
            kind = type(published).__name__
            raise TypeError(f"article {self.id!r}: published must be a datetime or an ISO 8601 string, not {kind}")
        try:
            given = zoned_datetime(published)
        except ValueError as error:
            raise ValueError(f"article {self.id!r}: published {published!r} is not an ISO 8601 date") from error
        offset = given.utcoffset()
        object.__setattr__(self, "published", given.astimezone(UTC))
        object.__setattr__(self, "published_offset", int(offset.total_seconds() // 60) if offset else None)
        if is_day_only(published):
            object.__setattr__(self, "published_day_only", True)

    @property
    def date(self) -> datetime | None:
        """The publication date: as given, else the one found in the dateline."""
        return self.published or self.dateline

    @property
    def published_local(self) -> datetime | None:
        """``published`` in the offset the input wrote it in, where it wrote one (and a time)."""
        if self.published is None or self.published_offset is None or self.published_day_only:
            return None
        return self.published.astimezone(timezone(timedelta(minutes=self.published_offset)))

    @property
    def has_time(self) -> bool:
        """Whether ``date`` is a moment (the input gave a time), not only a day (a date alone, a dateline)."""
        return self.published is not None and not self.published_day_only

    @property
    def titled_body(self) -> str:
        """The title and the cleaned body, one text: what clustering and summaries read."""
        return f"{self.title or ''}\n{self.body}"

    def to_json(self) -> str:
        """The record as read (id, text, title, source, url, published, origin), as JSON."""
        raw = {name: getattr(self, name) for name in _RAW_FIELDS}
        raw["published"] = (self.published_local or self.published).isoformat() if self.published else None
        if self.published is not None and self.published_day_only:
            raw["published"] = self.published.date().isoformat()  # a day, as given
        return json.dumps(raw, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, cleaning: str | None = None) -> Article:
        """The record of ``to_json``, with the cleaning of ``cleaning_json`` put back when given."""
        raw = json.loads(text)
        found = {name: raw[name] for name in _RAW_FIELDS if name in raw}
        found["published"] = raw.get("published") or None  # an ISO string: a day alone stays a day
        if cleaning is not None:
            found.update(_cleaning_fields(cleaning))
        return cls(**found)

    def cleaning_json(self) -> str:
        """What cleaning found (body and its spans and segments, comments, furniture and its spans, dateline,
        agencies, language), as JSON."""
        found = {name: getattr(self, name) for name in _CLEANING_FIELDS}
        found["dateline"] = self.dateline.isoformat() if self.dateline else None
        return json.dumps(found, ensure_ascii=False)

    @property
    def outlet(self) -> str | None:
        """The outlet: the record's source, else the host of its URL (none for a URL that does not parse,
        which reading rejects but a store written before that check may hold)."""
        if self.source:
            return self.source
        try:
            host = urlparse(self.url).hostname if self.url else None
        except ValueError:
            return None
        return host.removeprefix("www.") if host else None

    @property
    def headline(self) -> str:
        if self.title:
            return self.title
        first_line = next((line for line in self.body.splitlines() if line.strip()), "")
        return first_line[:200]


_RAW_FIELDS = ("id", "text", "title", "source", "url", "published", "origin")
_CLEANING_FIELDS = (
    *("body", "body_spans", "comments", "furniture", "segments", "furniture_spans", "dateline", "agencies"),
    "language",
)


def _cleaning_fields(text: str) -> dict[str, object]:
    found = json.loads(text)
    spans = {name: tuple(map(tuple, found[name])) for name in ("body_spans", "segments", "furniture_spans")}
    dateline = datetime.fromisoformat(found["dateline"]) if found["dateline"] else None
    words = {"furniture": tuple(found["furniture"]), "agencies": tuple(found["agencies"])}
    return {**found, **spans, **words, "dateline": dateline, "language": found.get("language", "")}


def joined_paragraphs(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The paragraphs of ``text`` at ``spans``, each on one line with single spaces, a blank line apart: a
    cleaned body as its spans give it."""
    return "\n\n".join(" ".join(text[start:end].split()) for start, end in spans)


def printable(text: str) -> str:
    """``text`` with every lone surrogate (which no UTF-8 file, JSON line or SQLite row can hold) written as
    its escape, ``\\udcff``; any other text unchanged."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class RecordNote:
    """Something said of one input record: where it came from and why. Its strings are ``printable``: a
    note says what was wrong with a value that cannot be written, so it holds the value escaped."""

    origin: str
    reason: str
    id: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        for name in ("origin", "reason", "id"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, printable(value))

    def as_row(self) -> dict[str, object]:
        """The note as a line of a file (or a row of run.json): fields that are known."""
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True, slots=True)
class Reject(RecordNote):
    """An input record that did not become an article, and why."""


@dataclass(frozen=True, slots=True)
class RecordWarning(RecordNote):
    """An input record that became an article without one of its values, and why (a date that is no date)."""


@dataclass(frozen=True, slots=True)
class ReadResult:
    articles: list[Article]
    rejects: list[Reject]
    # Files not read, each with the reason: of another type, or in a Storyline output folder.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Articles read without a value their record gave.
    warnings: list[RecordWarning] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReusePair:
    """Two articles that share text; ``a`` was read (or indexed) before ``b``.

    ``containment_a`` is the share of ``a``'s body that is shared (likewise ``b``); the spans are
    ``[start, end)`` character offsets of the shared text in each article's original ``text``.
    ``original`` is the likely source (``None`` when undecidable), with the reason; ``group_original`` is
    where the shared text first appeared, following the copy back (C copied B, which copied A: A), which
    may be neither ``a`` nor ``b``. ``a_edits`` and ``b_edits`` are the words inside the shared spans that
    the other copy changed, as offsets like the spans (``None`` until a run finds them).
    """

    a: str
    b: str
    jaccard: float
    containment_a: float
    containment_b: float
    a_spans: tuple[tuple[int, int], ...]
    b_spans: tuple[tuple[int, int], ...]
    shared_words: int
    original: str | None
    original_reason: str
    group_original: str | None = None
    a_edits: tuple[tuple[int, int], ...] | None = None
    b_edits: tuple[tuple[int, int], ...] | None = None

    @property
    def min_containment(self) -> float:
        """The smaller of the two containments: near 1 for a whole reprint, low for a pasted passage."""
        return min(self.containment_a, self.containment_b)


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Text shared between articles: every pair that shares text, and the duplicate groups.

    ``duplicate_of`` maps each near-duplicate to the canonical article of its group; canonical
    articles and articles without duplicates are not in it.
    """

    pairs: list[ReusePair]
    duplicate_of: dict[str, str]

    def canonical(self, article_id: str) -> str:
        return self.duplicate_of.get(article_id, article_id)


@dataclass(frozen=True, slots=True)
class StoryEvent:
    """One event of a story: its articles close in content and in time (``clustering.stories.events``), the
    days-long happening inside a story that may run for months. Its id is stable across runs like a story's;
    ``headline`` is chosen and cleaned as a story's is (the title most like the event's others)."""

    event_id: str
    headline: str
    article_ids: tuple[str, ...]
    first_published: datetime | None
    last_published: datetime | None


@dataclass(frozen=True, slots=True)
class Story:
    story_id: str
    headline: str
    summary: str
    keywords: tuple[str, ...]
    article_ids: tuple[str, ...]
    representative_id: str
    sources: tuple[str, ...]
    first_published: datetime | None
    last_published: datetime | None
    # What happened when, for a story of more than one day: (ISO date, sentence) pairs.
    developments: tuple[tuple[str, str], ...] = ()
    # The thread the story belongs to: stories linked over weeks (``clustering.stories.threads``); stable
    # across runs like story ids. Empty for a story not threaded yet.
    thread_id: str = ""
    # The story's events, earliest first; every article of the story is in one. Empty until events are found.
    events: tuple[StoryEvent, ...] = ()
    # The language its headline and summary are in ("und": not known), and the headline in each other
    # language it was reported in: (ISO 639 code, headline) pairs, the most articles first.
    language: str = ""
    headlines: tuple[tuple[str, str], ...] = ()


def article_stories(stories: Iterable[Story]) -> dict[str, str]:
    """The story id of each article of ``stories``."""
    return {member: story.story_id for story in stories for member in story.article_ids}


def article_events(stories: Iterable[Story]) -> dict[str, str]:
    """The event id of each article of ``stories``."""
    return {member: event.event_id for story in stories for event in story.events for member in event.article_ids}


@dataclass(frozen=True, slots=True)
class LineageEvent:
    """What happened to a story in a run. ``kind``: "new", "grew", "merged" (``other`` was merged into
    ``story_id``) or "split" (``story_id`` took articles from ``other``)."""

    story_id: str
    kind: str
    other: str | None = None


# Characters JSON leaves as they are but many line readers (Python's str.splitlines, some editors and
# JavaScript tools) take for line breaks: escaped, so that a JSON line is one line to every reader.
_LINE_BREAKS = "\x85\u2028\u2029"
_ESCAPED_LINE_BREAKS = str.maketrans({character: f"\\u{ord(character):04x}" for character in _LINE_BREAKS})


def json_line(value: object, **options: object) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)`` with the characters that other readers take for
    line breaks escaped."""
    line = json.dumps(value, ensure_ascii=False, **options)
    # translate looks every character up in a dict (0.5 ms for a 5,000-character article with one accent);
    # finding that none of the three is there, as in most lines, takes a thousandth of that.
    return line.translate(_ESCAPED_LINE_BREAKS) if any(character in line for character in _LINE_BREAKS) else line


def record_fields(record: object) -> dict[str, object]:
    """A record's fields by name, values as they are: ``asdict`` without its deep copy of every tuple
    (which costs a second per 10,000 reuse pairs), for records whose values JSON writes directly."""
    return {item.name: getattr(record, item.name) for item in fields(record)}


@dataclass(slots=True)
class RunReport:
    """What a run did: counts, seconds per stage and the versions that did it."""

    counts: dict[str, int] = field(default_factory=dict)
    # Per outlet, words reused from each agency or outlet: rows of outlet, source, pairs, shared_words, share.
    attribution: list[dict[str, object]] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    config: dict[str, object] = field(default_factory=dict)
    # Whether every article was clustered again (else the new ones were assigned to the stored stories).
    reclustered: bool = False
    # Input files not read, with the reason: rows of path, reason.
    skipped: list[dict[str, str]] = field(default_factory=list)
    # Records read without a value they gave (``RecordWarning`` rows: origin, reason, id, line).
    warnings: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one ingestion saw: records in, articles added to the store, the ids of those it found already
    stored (and skipped), rejects."""

    read: int = 0
    added: int = 0
    already_stored_ids: frozenset[str] = frozenset()
    rejects: tuple[Reject, ...] = ()
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # Files not read, with the reason (another type; a Storyline output folder).
    skipped: tuple[tuple[str, str], ...] = ()
    # Articles read without a value their record gave.
    warnings: tuple[RecordWarning, ...] = ()


@dataclass(frozen=True, slots=True)
class FinishedRun:
    """What a run leaves in the store, saved in one transaction.

    ``read``: the pending articles the run read (storage number by id; every pending one when None).
    ``cleanings``: stored articles it cleaned again, kept with the pairs found on their new bodies.
    ``furniture``: each outlet's furniture as the run left it (None: unchanged). ``archive``: stored stories
    the run left out, archived with their articles, lineage and pairs.
    """

    stories: Sequence[Story]
    lineage: Sequence[LineageEvent] = ()
    report: Mapping[str, object] = field(default_factory=dict)
    pairs: Sequence[ReusePair] = ()
    positions: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    related: Mapping[str, Sequence[str]] = field(default_factory=dict)
    read: Mapping[str, int] | None = None
    cleanings: Sequence[Article] = ()
    furniture: Mapping[str, set[int]] | None = None
    archive: Sequence[Story] = ()
    # The article each reprint copies (``DedupResult.duplicate_of``), kept with the stories' articles; and
    # the run's articles, whose headlines and languages the stories are listed by (else read back).
    duplicate_of: Mapping[str, str] = field(default_factory=dict)
    articles: Sequence[Article] = ()
