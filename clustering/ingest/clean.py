"""Separate the article body from page furniture and reader comments; find the dateline and agency credits.

Scraped pages carry more than the article: share bars, reading times, photo captions, bylines, credit
lines, and after the article the reader comments. Cleaning works line by line on the original text,
which it never changes: it fills ``body``, ``comments``, ``furniture``, ``dateline`` and ``agencies``, and
the ``language`` of the title and body.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from clustering.agencies import NEWS_AGENCIES, credit_literals, credit_pattern
from clustering.ingest.dates import first_date_in, parse_date_line
from clustering.ingest.language import article_language
from clustering.ingest.line_kinds import (
    closes_article,
    is_caption,
    is_furniture,
    normalised,
    opens_comments,
    restates_title,
)
from clustering.ingest.parallel import map_chunks
from clustering.ingest.segments import segments_of
from clustering.records import Article, Reject

_AGENCY_CREDITS = {
    agency: (credit_pattern(agency, aliases), credit_literals(agency, aliases))
    for agency, aliases in NEWS_AGENCIES.items()
}
# Stored cleanings made by another version of these rules are redone: raise it when the rules change.
CLEANING_VERSION = 5
EMPTY_AFTER_CLEANING = "no article text left after removing page furniture and comments"
_DATELINE_SEARCH_LINES = 12
# Photo captions and their alt-text copies sit near the top of a page.
_CAPTION_SEARCH_PARAGRAPHS = 12
_NEAR_COPY_OVERLAP = 0.6
_NEAR_COPY_MIN_WORDS = 8
# Captions are short: longer repeated paragraphs are the article repeating itself, and stay.
_CAPTION_MAX_WORDS = 60


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


def _word_pairs(paragraph: str) -> set[tuple[str, str]] | None:
    """The adjacent word pairs of a paragraph of caption length, else ``None``."""
    words = paragraph.split()
    return set(pairwise(words)) if _NEAR_COPY_MIN_WORDS <= len(words) <= _CAPTION_MAX_WORDS else None


def _near_copies(first: set[tuple[str, str]], second: set[tuple[str, str]]) -> bool:
    """Two short paragraphs that are nearly the same text (a caption and its alt text), by word pairs."""
    return len(first & second) / min(len(first), len(second)) >= _NEAR_COPY_OVERLAP


def _split_captions(paragraphs: list[str], keys: list[str], captions: list[str]) -> tuple[set[int], list[str]]:
    """Which top paragraphs (``keys``: each one ``normalised``) the page repeats, or that copy a caption
    (alt text): they are captions too."""
    top = range(min(len(paragraphs), _CAPTION_SEARCH_PARAGRAPHS))
    pairs = {index: found for index in top if (found := _word_pairs(keys[index])) is not None}
    caption_pairs = [found for caption in captions if (found := _word_pairs(normalised(caption))) is not None]
    repeated = {index for index, own in pairs.items() if any(_near_copies(own, other) for other in caption_pairs)}
    indices = list(pairs)
    for position, first in enumerate(indices):  # each two once: being near copies goes both ways
        for second in indices[position + 1 :]:
            if _near_copies(pairs[first], pairs[second]):
                repeated.update((first, second))
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


def title_line_span(article: Article) -> tuple[int, int] | None:
    """The span of the first line of ``article.text`` that is its title, if one is."""
    title_key = normalised(article.title or "")
    if not title_key:
        return None
    return next((span for line, span in _lines_with_spans(article.text) if normalised(line) == title_key), None)


Span = tuple[int, int]


@dataclass
class _SortedLines:
    """What one pass over a page's lines sorted each into, with each line's span in the text."""

    body: list[str] = field(default_factory=list)
    body_keys: list[str] = field(default_factory=list)
    body_spans: list[Span] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)
    furniture_spans: list[Span] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    caption_spans: list[Span] = field(default_factory=list)
    dateline: datetime | None = None
    title_line: tuple[str, Span] | None = None
    # The first line read as a header that restates the title (``restates_title``), kept in the furniture.
    header: tuple[str, str, Span] | None = None

    def add_body(self, line: str, key: str, span: Span) -> None:
        self.body.append(line)
        self.body_keys.append(key)
        self.body_spans.append(span)

    def add_furniture(self, line: str, span: Span) -> None:
        self.furniture.append(line)
        self.furniture_spans.append(span)


def _sort_lines(lines: list[tuple[str, Span]], title_key: str) -> _SortedLines:
    """Each line as body, furniture, caption or comment, in page order; the title line and paragraphs the
    page repeats are passed over, and the first dateline near the top is kept."""
    sorted_lines = _SortedLines()
    seen_paragraphs: set[str] = set()
    in_comments = False
    for index, (line, span) in enumerate(lines):
        if not line:
            continue
        if in_comments or opens_comments(line):
            in_comments = True
            sorted_lines.comments.append(line)
            continue
        if closes_article(line):
            sorted_lines.add_furniture(line, span)
            in_comments = True
            continue
        key = normalised(line)
        if key == title_key and sorted_lines.title_line is None:
            sorted_lines.title_line = (line, span)
        if key == title_key or key in seen_paragraphs:
            continue  # the title line, or a paragraph the page repeats
        date = parse_date_line(line) if index < _DATELINE_SEARCH_LINES else None
        sorted_lines.dateline = sorted_lines.dateline or date
        if date is None and is_caption(line):
            sorted_lines.captions.append(line)
            sorted_lines.caption_spans.append(span)
        elif date is not None or is_furniture(line):
            sorted_lines.add_furniture(line, span)
        elif restates_title(line, key, title_key):
            sorted_lines.header = sorted_lines.header or (line, key, span)
            sorted_lines.add_furniture(line, span)
        else:
            seen_paragraphs.add(key)
            sorted_lines.add_body(line, key, span)
    return sorted_lines


def _with_fallback_body(found: _SortedLines, title_key: str) -> None:
    """A page with no body line: a page whose one paragraph opens with the title and runs on (read as a
    header) is that paragraph; a headline-only record's title is all its text; a photo gallery's captions
    are its text."""
    if found.body:
        return
    if found.header is not None:
        line, key, span = found.header
        index = found.furniture_spans.index(span)
        del found.furniture[index], found.furniture_spans[index]
        found.add_body(line, key, span)
    elif found.title_line is not None:
        found.add_body(found.title_line[0], title_key, found.title_line[1])
    elif found.captions:
        for caption, span in zip(found.captions, found.caption_spans, strict=True):
            found.add_body(caption, normalised(caption), span)
        found.captions, found.caption_spans = [], []


@dataclass(frozen=True, slots=True)
class _Separated:
    """A page's lines, and what they were sorted into: the body paragraphs kept, and the rest."""

    lines: list[tuple[str, Span]]
    found: _SortedLines
    body: list[str]
    body_spans: list[Span]
    captions: list[str]
    furniture_spans: list[Span]


def _separated(article: Article) -> _Separated:
    lines = _lines_with_spans(article.text)
    title_key = normalised(article.title or "")
    found = _sort_lines(lines, title_key)
    _with_fallback_body(found, title_key)
    repeated, captions = _split_captions(found.body, found.body_keys, found.captions)
    furniture_spans = found.furniture_spans + found.caption_spans + [found.body_spans[i] for i in repeated]
    kept = [index for index in range(len(found.body)) if index not in repeated]
    body, body_spans = [found.body[index] for index in kept], [found.body_spans[index] for index in kept]
    return _Separated(lines, found, body, body_spans, captions, furniture_spans)


def cleaned_body(article: Article) -> str:
    """The body ``clean_article`` would give ``article``, alone: none of the segments, agencies and dates
    it also finds (about half its cost), for a reader of the body only, such as document dedup."""
    return "\n\n".join(_separated(article).body)


def clean_article(article: Article) -> Article:
    """Split ``article.text`` into body, furniture and comments; find its dateline date, agencies and language."""
    separated = _separated(article)
    found = separated.found
    # No dateline: the first full date near the top (often a caption's) bounds the publication date.
    top = "\n".join(line for line, _ in separated.lines[:_DATELINE_SEARCH_LINES])
    dateline = found.dateline or first_date_in(top)
    # Captions credit the photographer's agency, not the text's: only body and credit lines count.
    agencies = find_agencies("\n".join([*separated.body, *found.furniture]))
    body = "\n\n".join(separated.body)
    return dataclasses.replace(
        article,
        body=body,
        body_spans=tuple(separated.body_spans),
        comments="\n".join(found.comments),
        furniture=tuple(found.furniture + separated.captions),
        segments=segments_of(article.text, separated.body_spans),
        furniture_spans=tuple(sorted(separated.furniture_spans)),
        dateline=dateline,
        agencies=agencies,
        language=article_language(article.title, body),
    )


def ensure_cleaned(article: Article) -> Article:
    """``article`` cleaned, unless it already is (it has body spans)."""
    return article if article.body_spans else clean_article(article)


def _clean_chunk(articles: Sequence[Article]) -> list[Article]:
    return [clean_article(article) for article in articles]


def ensure_all_cleaned(articles: Sequence[Article], workers: int | None = None) -> list[Article]:
    """``ensure_cleaned`` of each article, in order. A large batch is cleaned in ``workers`` processes
    (default: one per core; ``parallel.map_chunks``)."""
    uncleaned = [index for index, article in enumerate(articles) if not article.body_spans]
    done = list(articles)
    fresh = map_chunks(_clean_chunk, [articles[index] for index in uncleaned], workers)
    for index, article in zip(uncleaned, fresh, strict=True):
        done[index] = article
    return done


def clean_or_reject(articles: list[Article], workers: int | None = None) -> tuple[list[Article], list[Reject]]:
    """Clean every article not cleaned yet (``ensure_all_cleaned``); one with nothing left is rejected."""
    return reject_empty(ensure_all_cleaned(articles, workers))


def reject_empty(articles: Sequence[Article]) -> tuple[list[Article], list[Reject]]:
    """The articles with a body left, and a reject for each of the others."""
    kept: list[Article] = []
    rejects: list[Reject] = []
    for article in articles:
        if article.body.strip():
            kept.append(article)
        else:
            rejects.append(Reject(origin=article.origin, reason=EMPTY_AFTER_CLEANING, id=article.id))
    return kept, rejects
