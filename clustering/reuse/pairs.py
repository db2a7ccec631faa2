"""Text reuse between two articles: the shared passages, how much of each they are, and who copied whom.

Whole reprints (most of both articles shared) are duplicates; partial reuse (a trimmed wire story, agency
paragraphs pasted into an outlet's own report) is an edge between two articles, not a merge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from clustering.config import ReuseConfig
from clustering.records import Article, ReusePair
from clustering.reuse.align import Alignment, align, character_spans, shared_counts, shingle_order
from clustering.reuse.minhash import Tokens, jaccard, shingle_hashes, tokenize


@dataclass(frozen=True, slots=True)
class IndexedArticle:
    """An article with its body tokens, the hash of the shingle starting at each token, and their
    ``shingle_order`` (sorted once, for every alignment the article takes part in)."""

    article: Article
    tokens: Tokens
    shingles: np.ndarray
    order: np.ndarray


def index_article(article: Article, shingle_words: int) -> IndexedArticle:
    spans = article.body_spans or None
    tokens = tokenize(article.text, spans)
    shingles = shingle_hashes(tokens.hashes, shingle_words)
    return IndexedArticle(article, tokens, shingles, shingle_order(shingles))


def likely_original(
    first: Article, second: Article, containment_first: float, containment_second: float, contained: float
) -> tuple[str | None, str]:
    """The likely source of shared text: agency-credited, else earlier, else the one contained in the other."""
    if bool(first.agencies) != bool(second.agencies):
        source = first if first.agencies else second
        return source.id, f"credits {', '.join(source.agencies)}"
    if first.date and second.date and first.date != second.date:
        return (first.id if first.date < second.date else second.id), "published earlier"
    if (containment_first >= contained) != (containment_second >= contained):
        source = first if containment_first >= contained else second
        return source.id, "wholly contained in the other"
    return None, "undecidable"


def _spans(segments: np.ndarray, side: IndexedArticle, name: str) -> tuple[tuple[int, int], ...]:
    article, tokens = side.article, side.tokens
    return character_spans(segments, article.text, tokens.starts, tokens.ends, name, article.body_spans)


def compare(first: IndexedArticle, second: IndexedArticle, config: ReuseConfig = ReuseConfig()) -> ReusePair | None:
    """The reuse between two articles, or ``None`` when they share less than ``min_shared_words``."""
    if len(first.tokens) and np.array_equal(first.tokens.hashes, second.tokens.hashes):
        # The same words: all of it is shared, however repetitive the text (alignment skips repeats).
        words = len(first.tokens)
        alignment = Alignment(np.array([[0, words, 0, words]]), words, words)
    else:
        alignment = align(first.shingles, second.shingles, config.align, first.order, second.order)
    shared_first, shared_second = alignment.shared_a, alignment.shared_b
    if min(shared_first, shared_second) < config.min_shared_words:
        return None
    containment_first = shared_first / max(len(first.tokens), 1)
    containment_second = shared_second / max(len(second.tokens), 1)
    original, reason = likely_original(
        first.article, second.article, containment_first, containment_second, config.contained
    )
    return ReusePair(
        a=first.article.id,
        b=second.article.id,
        jaccard=round(jaccard(first.shingles, second.shingles), 4),
        containment_a=round(containment_first, 4),
        containment_b=round(containment_second, 4),
        a_spans=_spans(alignment.segments, first, "a"),
        b_spans=_spans(alignment.segments, second, "b"),
        shared_words=min(shared_first, shared_second),
        original=original,
        original_reason=reason,
    )


def worth_comparing(
    entries: Sequence[IndexedArticle], pairs: np.ndarray, config: ReuseConfig = ReuseConfig()
) -> np.ndarray:
    """Which pairs ``(first, second)`` of indices into ``entries`` ``compare`` can report: their
    alignment reaches ``min_shared_words`` on both sides, or their words are the same. Aligned in one
    compiled pass, so that ``compare`` (spans, containment, attribution) runs only on those."""
    shared = shared_counts([e.shingles for e in entries], [e.order for e in entries], pairs, config.align)
    worth = shared.min(axis=1) >= config.min_shared_words
    lengths = np.array([len(entry.tokens) for entry in entries])
    for row in np.flatnonzero(~worth & (lengths[pairs[:, 0]] == lengths[pairs[:, 1]])):
        first, second = entries[pairs[row, 0]], entries[pairs[row, 1]]
        worth[row] = len(first.tokens) > 0 and np.array_equal(first.tokens.hashes, second.tokens.hashes)
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


@dataclass(frozen=True, slots=True)
class AttributionRow:
    """How many of an outlet's words are reused from a source (an agency, or another outlet)."""

    outlet: str
    source: str
    shared_words: int
    share: float


UNKNOWN_OUTLET = "(unknown outlet)"


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


def attribution(articles: Sequence[Article], pairs: Sequence[ReusePair], words: dict[str, int]) -> list[AttributionRow]:
    """Per outlet, the words it reused from each source; ``words`` is each article's body length in words.

    The source of a pair is its likely original's agency credit, else that article's outlet.
    """
    by_id = {article.id: article for article in articles}
    outlet_words: dict[str, int] = defaultdict(int)
    for article in articles:
        outlet_words[article.outlet or UNKNOWN_OUTLET] += words.get(article.id, 0)
    reused: dict[tuple[str, str], int] = defaultdict(int)
    for pair in pairs:
        if (found := copier_and_original(pair, by_id)) is None:
            continue
        copier, original = found
        source = original.agencies[0] if original.agencies else original.outlet or UNKNOWN_OUTLET
        reused[(copier.outlet or UNKNOWN_OUTLET, source)] += pair.shared_words
    return [
        AttributionRow(outlet, source, shared, round(shared / max(outlet_words[outlet], 1), 4))
        for (outlet, source), shared in sorted(reused.items(), key=lambda item: (-item[1], item[0]))
    ]
