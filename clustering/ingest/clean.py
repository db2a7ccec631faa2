"""Separate the article body from page furniture and reader comments; find the dateline and agency credits.

Scraped pages carry more than the article: share bars, reading times, photo captions, bylines, credit
lines, and after the article the reader comments. Cleaning works line by line on the original text,
which it never changes: it fills ``body``, ``comments``, ``furniture``, ``dateline`` and ``agencies``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import pairwise

from clustering.agencies import NEWS_AGENCIES, PHOTO_CREDITS, alternation, credit_literals, credit_pattern
from clustering.ingest.parallel import map_chunks
from clustering.records import Article, Reject

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_DATE_FORMS = [
    re.compile(_WEEKDAY + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR, re.IGNORECASE),
    re.compile(_WEEKDAY + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR, re.IGNORECASE),
    re.compile(r"(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})"),
]
_YEAR_ANYWHERE = re.compile(r"(?:19|20)\d{2}")
# The longest a date runs before its year: "Wednesday, 22 September, 2017".
_DATE_REACH = 40
# A line that is only a date, perhaps with "Published"/"Updated" before it and a time after it.
_DATE_LINE_PREFIX = re.compile(r"^(?:(?:published|updated|posted)(?:\s+on)?:?\s*)?", re.IGNORECASE)
_DATE_LINE_SUFFIX = re.compile(
    r"^[\s,|/-]*(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?\s*$", re.IGNORECASE
)

# Where the article ends and the comments begin.
_COMMENTS_START = re.compile(
    r"^(?:comments?|\d+\s+(?:responses?|comments?|replies|thoughts)\s+(?:to|on)\b.*"
    r"|leave a (?:reply|comment).*|add a comment.*|join the (?:discussion|conversation).*"
    r"|(?:view|show|read) (?:all )?comments.*)$",
    re.IGNORECASE,
)
# Reuters-style closing credit: the article's last line; anything after it is not the article.
_CLOSING_CREDIT = re.compile(
    r"^\((?:additional )?(?:reporting|writing|compiled) by [^)]*(?:editing by [^)]*)?\)$", re.IGNORECASE
)

_FURNITURE = [
    re.compile(r"^(?:share|share this(?: article| story)?|tweet|print|email|save)\s*:?$", re.IGNORECASE),
    re.compile(r"^\d+\s+min(?:ute)?s?\s+read$", re.IGNORECASE),
    re.compile(
        r"^(?:leave a (?:reply|comment)|advertisement|related(?: articles| stories)?|read more)\b.*$", re.IGNORECASE
    ),
    # Bylines: "By Laila Bassam and Angus McDowall".
    re.compile(r"^[Bb]y\s+[A-Z][\w.'’,-]*(?:\s+(?:[A-Z][\w.'’,-]*|and|&|,))*$"),
]
# Captions and photo credits, by shape (no site's own wording): what opens the line ("Image copyright",
# "Enlarge this image", "FILE -", a gallery's "7/30"), what ends it (a credit, "Dado Ruvic/Reuters"), or
# what it holds anywhere ("Photograph:").
_CAPTION_OPENING = re.compile(
    r"^(?:image copyright|image caption|enlarge this image|toggle caption|hide caption|photo(?:graph)?s?\s*:|"
    r"photo credit|file\s*[-–—]\s|facebook twitter)",
    re.IGNORECASE,
)
# The credit's last word has no full stop: "… Addington Village/Harrington Road." is prose.
_CREDIT_ENDING = re.compile(r"[A-Z][\w'’.-]+(?:\s[A-Z][\w'’.-]+){0,3}/[A-Z][\w'’&-]*(?:\s[A-Z][\w'’&-]*){0,3}\)?\s*$")
_CAPTION_ANYWHERE = re.compile(r"\bphotograph:\s|\bimage caption\b", re.IGNORECASE)
# Widgets, notices and calls to act: "Play Video 0:53", "3 / 5 stars", "© 2018 …", "Copyright 2018 …",
# "… All rights reserved", "… Read more", "Read or Share this story:", a video player's label run into its
# caption ("CLOSE A group of …").
_FURNITURE_OPENING = re.compile(
    r"^(?:play video\b|read or share this story|©|copyright (?:©|\(c\)|\d{4}))", re.IGNORECASE
)
_FURNITURE_ANYWHERE = re.compile(
    r"\ball rights reserved\b|\b\d ?/ ?5 stars\b|\bplay video\s+\d{1,2}:\d{2}|\bread more\s*$", re.IGNORECASE
)
_WIDGET_LABEL = re.compile(r"^CLOSE\s(?=[A-Z])")
# A timestamp line: "Updated: 2016-07-15 06:50 (Xinhua)", "PUBLISHED: 02:31 GMT, 12 March 2013 | UPDATED: …".
_STAMP = re.compile(r"^(?:first |last )?(?:published|updated|posted|modified)(?: on)?\s*:", re.IGNORECASE)
_STAMP_MAX_WORDS = 20
# Captions and credit lines are short; a longer paragraph holding a cue is the article's own.
_FURNITURE_MAX_WORDS = 120
# Photo credits as written or in capitals: "Reuters", "REUTERS".
_PHOTO_CREDITS = {*PHOTO_CREDITS, *(credit.upper() for credit in PHOTO_CREDITS)}
# Credit lines made of outlet and agency names only: "FOX NEWS/AP/REUTERS".
_CREDIT_LINE = re.compile(rf"^[A-Z][A-Z .&]*(?:\s*/\s*[A-Z][A-Z .&]*)+$|^(?:{alternation(_PHOTO_CREDITS)})$")
# Photo captions end in a photo credit: "[Anadolu]", "(…, via AP)", "REUTERS/Stringer", "(AP Photo/…)".
_CAPTION = [
    re.compile(r"\[[^\]]{2,40}\]\s*$"),
    re.compile(
        rf"\((?:[^()]*[,;]\s*)?(?:via\s+)?(?:{alternation(PHOTO_CREDITS)})(?:\s+Photo)?(?:/[^()]*)?\)\s*$",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:{alternation(_PHOTO_CREDITS)})(?:\s+Photo)?/[\w .'-]+$"),
    re.compile(r"^\w*(?:this )?(?:frame grab|file photo)", re.IGNORECASE),
]
_AGENCY_CREDITS = {
    agency: (credit_pattern(agency, aliases), credit_literals(agency, aliases))
    for agency, aliases in NEWS_AGENCIES.items()
}
# Stored cleanings made by another version of these rules are redone: raise it when the rules change.
CLEANING_VERSION = 4
EMPTY_AFTER_CLEANING = "no article text left after removing page furniture and comments"
_MAX_SHORT_LABEL_WORDS = 3
_SENTENCE_CLOSERS = tuple('.!?"”:')
_DATELINE_SEARCH_LINES = 12
# Photo captions and their alt-text copies sit near the top of a page.
_CAPTION_SEARCH_PARAGRAPHS = 12
_NEAR_COPY_OVERLAP = 0.6
_NEAR_COPY_MIN_WORDS = 8
# Captions are short: longer repeated paragraphs are the article repeating itself, and stay.
_CAPTION_MAX_WORDS = 60


def parse_date_line(line: str) -> datetime | None:
    """The date of a line that holds nothing but a date ("20 November, 2017", "Nov 8, 2017 10:15 AM")."""
    stripped = _DATE_LINE_PREFIX.sub("", line.strip())
    for form in _DATE_FORMS:
        match = form.match(stripped)
        if not match or not _DATE_LINE_SUFFIX.match(stripped[match.end() :]):
            continue
        month = match["month"]
        month_number = int(month) if month.isdigit() else _MONTHS[month.lower()]
        try:
            return datetime(int(match["year"]), month_number, int(match["day"]), tzinfo=UTC)
        except ValueError:
            return None
    return None


def first_date_in(text: str) -> datetime | None:
    """The first full date (day, month and year) mentioned anywhere in ``text``."""
    # Every date form ends in its year: search just before each year, not from every character (10x faster).
    matches = []
    for year in _YEAR_ANYWHERE.finditer(text):
        window = (max(0, year.start() - _DATE_REACH), year.end())
        matches += [match for form in _DATE_FORMS if (match := form.search(text, *window))]
    for match in sorted(matches, key=lambda match: match.start()):
        date = parse_date_line(match.group(0))
        if date is not None:
            return date
    return None


def find_agencies(text: str) -> tuple[str, ...]:
    """News agencies credited in ``text``, in order of first mention."""
    folded = text.lower()
    found = [
        (match.start(), name)
        for name, (pattern, literals) in _AGENCY_CREDITS.items()
        if any(literal in (folded if literal.islower() else text) for literal in literals)
        and (match := pattern.search(text))
    ]
    return tuple(name for _, name in sorted(found))


def _is_caption(line: str) -> bool:
    if any(pattern.search(line) for pattern in _CAPTION):
        return True
    return len(line.split()) <= _FURNITURE_MAX_WORDS and bool(
        _CAPTION_OPENING.match(line) or _CREDIT_ENDING.search(line) or _CAPTION_ANYWHERE.search(line)
    )


def _is_furniture(line: str) -> bool:
    if any(pattern.match(line) for pattern in _FURNITURE) or _CREDIT_LINE.match(line):
        return True
    words = len(line.split())
    if words <= _STAMP_MAX_WORDS and _STAMP.match(line):
        return True
    if words <= _FURNITURE_MAX_WORDS and (
        _FURNITURE_OPENING.match(line) or _FURNITURE_ANYWHERE.search(line) or _WIDGET_LABEL.match(line)
    ):
        return True
    # Section labels and widgets ("World Today", "Comments"): a few words with no sentence punctuation.
    return len(line.split()) <= _MAX_SHORT_LABEL_WORDS and not line.endswith(_SENTENCE_CLOSERS)


_WORD = re.compile(r"\w+")


def _normalised(line: str) -> str:
    return " ".join(_WORD.findall(line.lower()))


# A title this short may be words of a sentence; a longer one inside a paragraph is the page's header.
_MIN_RESTATED_TITLE_WORDS = 5
_MAX_LABEL_WORDS = 4
_MIN_STANDFIRST_WORDS = 3


def _restates_title(line: str, key: str, title_key: str) -> bool:
    """A page header: a short section label, the title, then a standfirst or a caption opening a new
    sentence, run into one paragraph ("Technology Former Facebook and Google workers launch campaign to
    fight tech addiction Campaign to highlight …"). A lead that opens with the title's words and goes on
    ("… split after four years", or "Title. Next sentence") is not one. ``key`` and ``title_key`` are the
    line's and the title's words (``_normalised``): most lines do not hold the title, and are passed over."""
    title_words = title_key.split()
    if len(title_words) < _MIN_RESTATED_TITLE_WORDS or title_key not in key:
        return False
    found = list(_WORD.finditer(line))
    words = [match.group().lower() for match in found]
    for first in range(min(_MAX_LABEL_WORDS, len(words) - len(title_words)) + 1):
        if words[first : first + len(title_words)] == title_words:
            rest = line[found[first + len(title_words) - 1].end() :]
            # Run on without a stop: a header; "Title. Next sentence" is the lead, which may open with it.
            return bool(re.match(r"\s+[A-Z]", rest)) and len(rest.split()) >= _MIN_STANDFIRST_WORDS
    return False


def _word_pairs(paragraph: str) -> set[tuple[str, str]] | None:
    """The adjacent word pairs of a paragraph of caption length, else ``None``."""
    words = paragraph.split()
    return set(pairwise(words)) if _NEAR_COPY_MIN_WORDS <= len(words) <= _CAPTION_MAX_WORDS else None


def _near_copies(first: set[tuple[str, str]], second: set[tuple[str, str]]) -> bool:
    """Two short paragraphs that are nearly the same text (a caption and its alt text), by word pairs."""
    return len(first & second) / min(len(first), len(second)) >= _NEAR_COPY_OVERLAP


def _split_captions(paragraphs: list[str], keys: list[str], captions: list[str]) -> tuple[set[int], list[str]]:
    """Which top paragraphs (``keys``: each one ``_normalised``) the page repeats, or that copy a caption
    (alt text): they are captions too."""
    top = range(min(len(paragraphs), _CAPTION_SEARCH_PARAGRAPHS))
    pairs = {index: found for index in top if (found := _word_pairs(keys[index])) is not None}
    caption_pairs = [found for caption in captions if (found := _word_pairs(_normalised(caption))) is not None]
    repeated = {
        index
        for index, own in pairs.items()
        if any(_near_copies(own, other) for other in caption_pairs)
        or any(other != index and _near_copies(own, pairs[other]) for other in pairs)
    }
    return repeated, captions + [paragraphs[index] for index in sorted(repeated)]


def _lines_with_spans(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Each line with its white space folded, and the character span of its content in ``text``."""
    lines = []
    position = 0
    for raw in text.splitlines(keepends=True):
        content = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        start = position + len(content) - len(content.lstrip())
        lines.append((" ".join(content.split()), (start, position + len(content.rstrip()))))
        position += len(raw)
    return lines


_PIECE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
Segment = tuple[int, int, int]


def segment_key(piece: str) -> int | None:
    """A digest of the piece's words (case, punctuation and spacing aside); ``None`` for a piece without
    words. Signed 64 bits, as SQLite stores an integer."""
    words = _WORD.findall(piece.lower())
    if not words:
        return None
    return int.from_bytes(hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest(), "big", signed=True)


def segments_of(text: str, spans: Iterable[tuple[int, int]]) -> tuple[Segment, ...]:
    """The segments of the paragraphs of ``text`` at ``spans``: ``(start, end, key)`` each."""
    found: list[Segment] = []
    for start, end in spans:
        cuts = [match.end() for match in _PIECE_END.finditer(text, start, end)]
        for piece_start, piece_end in zip([start, *cuts], [*cuts, end], strict=True):
            piece = text[piece_start:piece_end]
            key = segment_key(piece)
            if key is not None:
                left = piece_start + len(piece) - len(piece.lstrip())
                found.append((left, piece_start + len(piece.rstrip()), key))
    return tuple(found)


def title_line_span(article: Article) -> tuple[int, int] | None:
    """The span of the first line of ``article.text`` that is its title, if one is."""
    title_key = _normalised(article.title or "")
    if not title_key:
        return None
    return next((span for line, span in _lines_with_spans(article.text) if _normalised(line) == title_key), None)


def clean_article(article: Article) -> Article:
    """Split ``article.text`` into body, furniture and comments; find its dateline date and agencies."""
    lines_with_spans = _lines_with_spans(article.text)
    lines = [line for line, _ in lines_with_spans]
    title_key = _normalised(article.title or "")
    body: list[str] = []
    body_keys: list[str] = []
    body_spans: list[tuple[int, int]] = []
    furniture: list[str] = []
    comments: list[str] = []
    captions: list[str] = []
    caption_spans: list[tuple[int, int]] = []
    furniture_spans: list[tuple[int, int]] = []
    dateline: datetime | None = None
    seen_paragraphs: set[str] = set()
    title_line: tuple[str, tuple[int, int]] | None = None
    in_comments = False
    for index, line in enumerate(lines):
        if not line:
            continue
        if in_comments:
            comments.append(line)
            continue
        if _COMMENTS_START.match(line):
            in_comments = True
            comments.append(line)
            continue
        if _CLOSING_CREDIT.match(line):
            furniture.append(line)
            furniture_spans.append(lines_with_spans[index][1])
            in_comments = True
            continue
        key = _normalised(line)
        if key == title_key and title_line is None:
            title_line = lines_with_spans[index]
        if key == title_key or key in seen_paragraphs:
            continue  # the title line, or a paragraph the page repeats
        date = parse_date_line(line) if index < _DATELINE_SEARCH_LINES else None
        if date is not None:
            dateline = dateline or date
        caption = date is None and _is_caption(line)
        if caption:
            captions.append(line)
            caption_spans.append(lines_with_spans[index][1])
        elif date is not None or _is_furniture(line) or _restates_title(line, key, title_key):
            furniture.append(line)
            furniture_spans.append(lines_with_spans[index][1])
        else:
            seen_paragraphs.add(key)
            body.append(line)
            body_keys.append(key)
            body_spans.append(lines_with_spans[index][1])
    if dateline is None:
        # No dateline: the first full date near the top (often a caption's) bounds the publication date.
        dateline = first_date_in("\n".join(lines[:_DATELINE_SEARCH_LINES]))
    if not body and title_line is not None:
        # A headline-only record: the title is all the text there is.
        body, body_keys, body_spans = [title_line[0]], [title_key], [title_line[1]]
    elif not body and captions:
        # A photo gallery: its captions are its text.
        body, body_keys, body_spans, captions = captions, [_normalised(c) for c in captions], caption_spans, []
        caption_spans = []
    repeated, captions = _split_captions(body, body_keys, captions)
    furniture_spans += caption_spans + [body_spans[index] for index in repeated]
    kept = [index for index in range(len(body)) if index not in repeated]
    body, body_spans = [body[index] for index in kept], [body_spans[index] for index in kept]
    # Captions credit the photographer's agency, not the text's: only body and credit lines count.
    agencies = find_agencies("\n".join([*body, *furniture]))
    return dataclasses.replace(
        article,
        body="\n\n".join(body),
        body_spans=tuple(body_spans),
        comments="\n".join(comments),
        furniture=tuple(furniture + captions),
        segments=segments_of(article.text, body_spans),
        furniture_spans=tuple(sorted(furniture_spans)),
        dateline=dateline,
        agencies=agencies,
    )


def cleaned(article: Article) -> Article:
    """``article`` cleaned, unless it already is (it has body spans)."""
    return article if article.body_spans else clean_article(article)


def _clean_all(articles: Sequence[Article]) -> list[Article]:
    return [clean_article(article) for article in articles]


def cleaned_all(articles: Sequence[Article], workers: int | None = None) -> list[Article]:
    """``cleaned`` of each article, in order. A large batch is cleaned in ``workers`` processes (default:
    one per core; ``parallel.map_chunks``)."""
    uncleaned = [index for index, article in enumerate(articles) if not article.body_spans]
    done = list(articles)
    fresh = map_chunks(_clean_all, [articles[index] for index in uncleaned], workers)
    for index, article in zip(uncleaned, fresh, strict=True):
        done[index] = article
    return done


def clean_articles(articles: list[Article], workers: int | None = None) -> tuple[list[Article], list[Reject]]:
    """Clean every article not cleaned yet (``cleaned_all``); one with nothing left is rejected."""
    return split_empty(cleaned_all(articles, workers))


def split_empty(articles: Sequence[Article]) -> tuple[list[Article], list[Reject]]:
    """The articles with a body left, and a reject for each of the others."""
    kept: list[Article] = []
    rejects: list[Reject] = []
    for article in articles:
        if article.body.strip():
            kept.append(article)
        else:
            rejects.append(Reject(origin=article.origin, reason=EMPTY_AFTER_CLEANING, id=article.id))
    return kept, rejects
