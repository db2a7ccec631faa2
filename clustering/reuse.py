"""Near-duplicates and shared text: LSH candidate pairs, verified by exact Jaccard, grouped by union-find."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from datasketch import LeanMinHash, MinHashLSH

from clustering.minhash import MinHashConfig, jaccard
from clustering.records import Article, DedupResult, ReusePair


@dataclass(frozen=True, slots=True)
class ReuseConfig:
    # LSH finds candidate pairs whose estimated Jaccard is above about this; exact Jaccard decides.
    lsh_threshold: float = 0.2
    # Pairs at or above this Jaccard share text and are reported.
    min_jaccard: float = 0.2
    # Pairs at or above this Jaccard are reprints of one article: one duplicate group.
    duplicate_jaccard: float = 0.7


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: int, second: int) -> None:
        self.parent[self.find(first)] = self.find(second)


def candidate_pairs(
    minhashes: Sequence[LeanMinHash], config: ReuseConfig, minhash_config: MinHashConfig
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, that share an LSH bucket."""
    lsh = MinHashLSH(threshold=config.lsh_threshold, num_perm=minhash_config.num_perm)
    pairs: set[tuple[int, int]] = set()
    for index, minhash in enumerate(minhashes):
        pairs.update((other, index) for other in lsh.query(minhash))
        lsh.insert(index, minhash)
    return pairs


def _canonical_order(article: Article, position: int) -> tuple[bool, datetime | None, int]:
    # The earliest-dated article of a group is its canonical one; undated ones come last, then input order.
    return (article.date is None, article.date, position)


def find_reuse(
    articles: Sequence[Article],
    shingle_sets: Sequence[set[bytes]],
    minhashes: Sequence[LeanMinHash],
    config: ReuseConfig = ReuseConfig(),
    minhash_config: MinHashConfig = MinHashConfig(),
) -> DedupResult:
    """Every pair of articles sharing text, and the groups of near-duplicates with their canonical article."""
    pairs: list[ReusePair] = []
    groups = _UnionFind(len(articles))
    for first, second in sorted(candidate_pairs(minhashes, config, minhash_config)):
        similarity = jaccard(shingle_sets[first], shingle_sets[second])
        if similarity < config.min_jaccard:
            continue
        pairs.append(ReusePair(articles[first].id, articles[second].id, round(similarity, 4)))
        if similarity >= config.duplicate_jaccard:
            groups.union(first, second)
    members: dict[int, list[int]] = {}
    for index in range(len(articles)):
        members.setdefault(groups.find(index), []).append(index)
    duplicate_of: dict[str, str] = {}
    for group in members.values():
        canonical = min(group, key=lambda index: _canonical_order(articles[index], index))
        for index in group:
            if index != canonical:
                duplicate_of[articles[index].id] = articles[canonical].id
    return DedupResult(pairs=pairs, duplicate_of=duplicate_of)
