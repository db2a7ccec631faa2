"""Text reuse between two articles: the shared passages, how much of each they are, and who copied whom.

Whole reprints (most of both articles shared) are duplicates; partial reuse (a trimmed wire story, agency
paragraphs pasted into an outlet's own report) is an edge between two articles, not a merge.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from clustering.config import ReuseConfig
from clustering.records import UNKNOWN_OUTLET, Article, ReusePair
from clustering.reuse.align import Alignment, align, shared_counts, shared_spans
from clustering.reuse.minhash import tokenize
from clustering.reuse.signing import ReuseArticle, dateline_credit


def agency_of(article: Article, agencies: Mapping[str, Sequence[str]]) -> str | None:
    """The news agency that published ``article`` itself (its source or its domain names the agency), if any:
    the first of ``agencies`` with a name that is the outlet, or a domain the outlet is a subdomain of."""
    outlet = (article.outlet or "").lower().removeprefix("www.")
    if not outlet:
        return None
    exact, domains = _agency_names(agencies)
    # The outlet itself, then each domain it is under ("a.b.reuters.com": "b.reuters.com", "reuters.com", "com").
    found = [exact.get(outlet)] + [domains.get(outlet[dot + 1 :]) for dot, char in enumerate(outlet) if char == "."]
    return min((match for match in found if match is not None), default=(0, None))[1]


_AGENCY_NAMES: dict[int, tuple[Mapping[str, Sequence[str]], dict, dict]] = {}


def _agency_names(agencies: Mapping[str, Sequence[str]]) -> tuple[dict, dict]:
    """Each name of ``agencies`` with ``(rank, agency)`` (rank: the agency's place in the mapping), and
    those names that are domains; built once per mapping (a pair's two outlets were checked against every
    name in turn, a third of deciding its original)."""
    cached = _AGENCY_NAMES.get(id(agencies))
    if cached is None or cached[0] is not agencies:
        exact: dict[str, tuple[int, str]] = {}
        for rank, (agency, names) in enumerate(agencies.items()):
            for name in names:
                exact.setdefault(name, (rank, agency))
        domains = {name: found for name, found in exact.items() if "." in name}
        cached = _AGENCY_NAMES[id(agencies)] = (agencies, exact, domains)
    return cached[1], cached[2]


def _names_agency(credit: str | None, agencies: Mapping[str, Sequence[str]]) -> bool:
    """The body opens as the wire does: "BEIRUT (Reuters) -", "LONDON (AFP) —" (``credit``: the name in it)."""
    return credit is not None and any(credit in (name.lower() for name in names) for names in agencies.values())


def _earlier(first: datetime | None, second: datetime | None) -> int | None:
    """0 or 1: which date is earlier; ``None`` when either is missing, they are equal, or one is a bare
    day (midnight: a date given without its time) and the other falls on that same day."""
    if first is None or second is None or first == second:
        return None
    bare = any(date.hour == date.minute == date.second == date.microsecond == 0 for date in (first, second))
    if bare and first.date() == second.date():
        return None
    return 0 if first < second else 1


def likely_original(
    first: Article,
    second: Article,
    containment: tuple[float, float],
    at_top: tuple[bool, bool],
    config: ReuseConfig = ReuseConfig(),
    credits: tuple[str | None, str | None] | None = None,
) -> tuple[str | None, str]:
    """Who copied whom, and the evidence that decided it.

    In order: the agency's own article is the original (unless it appeared more than
    ``clock_slack_days`` after the other: conflicting evidence, no original); else the one published
    earlier (a date without its time orders nothing within its day); else, when one article is wholly in
    the other, the direction of the copy (``at_top``: the shared text starts at that article's top): the
    top of a longer story is a trimmed copy of it, and a whole short story inside another article is the
    original pasted in; else, when both open with the shared text and it is most of one and
    ``trim_margin`` less of the other, the first is a trim of the second; else the one that keeps the
    agency's dateline ("BEIRUT (Reuters) -") which the other dropped. A credit alone decides nothing:
    every reprint credits the agency; two articles crediting one agency, nothing else deciding, both
    carry its copy (no original here; ``attribution`` credits the agency). ``None`` when no evidence
    decides. ``credits``: each article's ``dateline_credit``, when already read.
    """
    pair = (first, second)
    own = [agency_of(article, config.agencies) for article in pair]
    if bool(own[0]) != bool(own[1]):
        index = 0 if own[0] else 1
        agency_date, other_date = pair[index].date, pair[1 - index].date
        if agency_date and other_date and (agency_date - other_date).total_seconds() > config.clock_slack_days * 86400:
            return None, f"conflict: published by {own[index]}, but after the other"
        return pair[index].id, f"published by {own[index]}"
    earlier = _earlier(first.date, second.date)
    if earlier is not None:
        return pair[earlier].id, "published earlier"
    inside = [share >= config.contained for share in containment]
    if inside[0] != inside[1]:
        contained, container = (0, 1) if inside[0] else (1, 0)
        if at_top[container]:
            return pair[container].id, "the other is its top, trimmed"
        return pair[contained].id, "pasted whole into the other"
    # Both open with the shared text, which is most of one and much less of the other: the top of a story,
    # trimmed (an outlet's own line after it keeps it from being wholly inside).
    more = 0 if containment[0] >= containment[1] else 1
    if all(at_top) and containment[more] >= 0.5 and containment[more] - containment[1 - more] >= config.trim_margin:
        return pair[1 - more].id, "the other is its top, trimmed"
    credits = credits if credits is not None else (dateline_credit(first), dateline_credit(second))
    dateline = [_names_agency(credit, config.agencies) for credit in credits]
    if dateline[0] != dateline[1]:
        return pair[0 if dateline[0] else 1].id, "keeps the agency's dateline, which the other dropped"
    common = [agency for agency in first.agencies if agency in second.agencies]
    if common:
        return None, f"both carry {common[0]} copy: neither is the original"
    return None, "undecidable: no agency's own article, no order in time, no direction of copy"


def _shared_spans(
    segments: np.ndarray, first: ReuseArticle, second: ReuseArticle, max_gap: int
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...], list[int]]:
    """Each side's character spans of the aligned segments, their edges moved to their paragraphs' edges
    when those are at most ``max_gap`` words away on both sides (a copy-edit in a shared paragraph's first
    or last words, "said" → "told reporters", leaves no anchor there, but the paragraph is still the copy);
    and the first word each side's shared text starts at (-1: none)."""
    first_spans, second_spans, first_words = shared_spans(
        segments,
        first.starts,
        first.span_ends,
        first.paragraph_starts,
        first.paragraph_ends,
        second.starts,
        second.span_ends,
        second.paragraph_starts,
        second.paragraph_ends,
        max_gap,
    )
    return tuple(map(tuple, first_spans.tolist())), tuple(map(tuple, second_spans.tolist())), first_words.tolist()


def compare(first: ReuseArticle, second: ReuseArticle, config: ReuseConfig = ReuseConfig()) -> ReusePair | None:
    """The reuse between two articles, or ``None`` when they share less than ``min_shared_words``."""
    if first.words and first.same_words(second):
        # The same words: all of it is shared, however repetitive the text (alignment skips repeats).
        words = first.words
        alignment = Alignment(np.array([[0, words, 0, words]]), words, words, 1.0)
    else:
        alignment = align(first.shingles, second.shingles, config.align, first.order, second.order)
    shared_first, shared_second = alignment.shared_a, alignment.shared_b
    if min(shared_first, shared_second) < config.min_shared_words:
        return None
    first_spans, second_spans, tops = _shared_spans(alignment.segments, first, second, config.align.max_gap_words)
    containment_first = shared_first / max(first.words, 1)
    containment_second = shared_second / max(second.words, 1)
    at_top = (0 <= tops[0] <= config.top_words, 0 <= tops[1] <= config.top_words)
    original, reason = likely_original(
        first.article,
        second.article,
        (containment_first, containment_second),
        at_top,
        config,
        (first.credit, second.credit),
    )
    return ReusePair(
        a=first.article.id,
        b=second.article.id,
        jaccard=round(alignment.jaccard, 4),
        containment_a=round(containment_first, 4),
        containment_b=round(containment_second, 4),
        a_spans=first_spans,
        b_spans=second_spans,
        shared_words=min(shared_first, shared_second),
        original=original,
        original_reason=reason,
    )


def worth_comparing(
    entries: Sequence[ReuseArticle], pairs: np.ndarray, config: ReuseConfig = ReuseConfig()
) -> np.ndarray:
    """Which pairs ``(first, second)`` of indices into ``entries`` ``compare`` can report: their
    alignment reaches ``min_shared_words`` on both sides, or their words are the same. Aligned in one
    compiled pass, so that ``compare`` (spans, containment, attribution) runs only on those."""
    shared = shared_counts([e.shingles for e in entries], [e.order for e in entries], pairs, config.align)
    worth = shared.min(axis=1) >= config.min_shared_words
    lengths = np.array([entry.words for entry in entries])
    for row in np.flatnonzero(~worth & (lengths[pairs[:, 0]] == lengths[pairs[:, 1]])):
        first, second = entries[pairs[row, 0]], entries[pairs[row, 1]]
        worth[row] = first.words > 0 and first.same_words(second)
    return worth


def _canonical_order(article: Article, position: int) -> tuple[bool, datetime | None, int]:
    # The earliest-dated article of a group is its canonical one; undated ones come last, then input order.
    return (article.date is None, article.date, position)


def duplicate_groups(
    articles: Sequence[Article], pairs: Sequence[ReusePair], duplicate_containment: float
) -> dict[str, str]:
    """Map each reprint to the canonical article of its group (union-find over whole-reprint pairs)."""
    position = {article.id: index for index, article in enumerate(articles)}
    parent = list(range(len(articles)))

    def find(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for pair in pairs:
        if pair.min_containment >= duplicate_containment:
            parent[find(position[pair.a])] = find(position[pair.b])
    members: dict[int, list[int]] = defaultdict(list)
    for index in range(len(articles)):
        members[find(index)].append(index)
    duplicate_of: dict[str, str] = {}
    for group in members.values():
        canonical = min(group, key=lambda index: _canonical_order(articles[index], index))
        duplicate_of.update({articles[index].id: articles[canonical].id for index in group if index != canonical})
    return duplicate_of


# A copy-chain longer than this is not followed further (and a cycle never is).
_MAX_CHAIN = 16


def _overlap(spans: Sequence[tuple[int, int]], other: Sequence[tuple[int, int]]) -> int:
    return sum(max(0, min(end, o_end) - max(start, o_start)) for start, end in spans for o_start, o_end in other)


def with_group_originals(pairs: Sequence[ReusePair]) -> list[ReusePair]:
    """Each pair with its ``group_original``: from its original, the copy followed back while the
    original's shared text was itself copied (at least half of it lies in a pair where the original is
    the copy), to where it first appeared; for a pair with no original, where both sides' text leads
    back to, when that is one article."""
    copies: dict[str, list[tuple[str, tuple, tuple, int]]] = defaultdict(list)
    for pair in pairs:
        if pair.original is None:
            continue
        on_a = pair.original == pair.a
        copy, copy_spans, original_spans = (
            (pair.b, pair.b_spans, pair.a_spans) if on_a else (pair.a, pair.a_spans, pair.b_spans)
        )
        copies[copy].append((pair.original, copy_spans, original_spans, pair.shared_words))

    def first_seen(article_id: str, spans: tuple) -> str:
        seen = {article_id}
        for _ in range(_MAX_CHAIN):
            half = sum(end - start for start, end in spans) / 2
            earlier = [
                (words, original, original_spans)
                for original, copy_spans, original_spans, words in copies.get(article_id, ())
                if original not in seen and _overlap(spans, copy_spans) >= half
            ]
            if not earlier:
                break
            _, article_id, spans = max(earlier)
            seen.add(article_id)
        return article_id

    grouped = []
    for pair in pairs:
        if pair.original is not None:
            spans = pair.a_spans if pair.original == pair.a else pair.b_spans
            grouped.append(dataclasses.replace(pair, group_original=first_seen(pair.original, spans)))
            continue
        # Neither copied the other: both may still have copied one earlier article, the same text.
        sources = {first_seen(pair.a, pair.a_spans), first_seen(pair.b, pair.b_spans)}
        common = sources.pop() if len(sources) == 1 else None
        grouped.append(pair if common in (None, pair.a, pair.b) else dataclasses.replace(pair, group_original=common))
    return grouped


@dataclass(frozen=True, slots=True)
class AttributionRow:
    """How many of an outlet's words are reused from a source (an agency, or another outlet)."""

    outlet: str
    source: str
    # Pairs in which one of the outlet's articles copies from the source.
    pairs: int
    shared_words: int
    share: float


def copier_and_original(pair: ReusePair, by_id: Mapping[str, Article]) -> tuple[Article, Article] | None:
    """Who copied whom in ``pair``: the copy and the likely original; ``None`` when undecided."""
    if pair.original is None:
        return None
    return by_id[pair.b if pair.original == pair.a else pair.a], by_id[pair.original]


def reprint_counts(by_id: Mapping[str, Article], pairs: Sequence[ReusePair]) -> list[tuple[tuple[str, str], int]]:
    """Pairs with a decided original, per (copying outlet, original's outlet), most first."""
    counts: Counter[tuple[str, str]] = Counter()
    for pair in pairs:
        if (found := copier_and_original(pair, by_id)) is not None:
            copier, original = found
            counts[(copier.outlet or UNKNOWN_OUTLET, original.outlet or UNKNOWN_OUTLET)] += 1
    return counts.most_common()


def source_of(original: Article, agencies: Mapping[str, Sequence[str]]) -> str:
    """Where copied text comes from: the agency whose own article the original is, else the agency the
    original credits, else the original's outlet."""
    own = agency_of(original, agencies)
    if own:
        return own
    return original.agencies[0] if original.agencies else original.outlet or UNKNOWN_OUTLET


def _copies(
    pair: ReusePair, by_id: Mapping[str, Article], agencies: Mapping[str, Sequence[str]]
) -> list[tuple[Article, str]]:
    """Who in ``pair`` copies, and from which source: the copy of the likely original; or, with no
    original, both sides from the agency they both credit. An agency's own article copies from nobody."""
    if (found := copier_and_original(pair, by_id)) is not None:
        copier, original = found
        copies = [(copier, source_of(original, agencies))]
    else:
        first, second = by_id[pair.a], by_id[pair.b]
        common = [agency for agency in first.agencies if agency in second.agencies]
        copies = [(first, common[0]), (second, common[0])] if common else []
    return [(copier, source) for copier, source in copies if not agency_of(copier, agencies)]


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def attribution(
    articles: Sequence[Article],
    pairs: Sequence[ReusePair],
    words: dict[str, int],
    agencies: Mapping[str, Sequence[str]] = ReuseConfig().agencies,
) -> list[AttributionRow]:
    """Per outlet, the words it reused from each source (``source_of`` the likely original of each pair),
    and their share of all its words; ``words`` is each article's body length in words.

    A copy's words are counted once per source however many pairs show them (the union of its shared
    spans), so a share never exceeds 1. An agency's own articles copy from nobody.
    """
    by_id = {article.id: article for article in articles}
    outlet_words: dict[str, int] = defaultdict(int)
    for article in articles:
        outlet_words[article.outlet or UNKNOWN_OUTLET] += words.get(article.id, 0)
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    pair_counts: Counter[tuple[str, str]] = Counter()
    for pair in pairs:
        for copier, source in _copies(pair, by_id, agencies):
            spans[(copier.id, source)] += pair.b_spans if copier.id == pair.b else pair.a_spans
            pair_counts[(copier.outlet or UNKNOWN_OUTLET, source)] += 1
    reused: dict[tuple[str, str], int] = defaultdict(int)
    for (copier_id, source), copied in spans.items():
        copier = by_id[copier_id]
        count = len(tokenize(copier.text, _merged(copied)))
        reused[(copier.outlet or UNKNOWN_OUTLET, source)] += min(count, words.get(copier_id, count))
    return [
        AttributionRow(
            outlet, source, pair_counts[(outlet, source)], shared, round(shared / max(outlet_words[outlet], 1), 4)
        )
        for (outlet, source), shared in sorted(reused.items(), key=lambda item: (-item[1], item[0]))
    ]
