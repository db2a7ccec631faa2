"""Near-duplicate documents (``storyline dedup --level document``): is this article a near-copy of one
indexed before it?

Each cleaned article's body is one set of word shingles (``minhash.shingle_words`` words, hashed to 32
bits) and one MinHash signature of it. The signature's bands (``candidate_bands``) find candidates; each
candidate is then checked exactly, by the Jaccard similarity of the two shingle sets, so a band collision
never makes a near-duplicate and the threshold means what it says. Unlike the passage level
(``dedup.Deduplicator``) there is no alignment, no reuse span and no furniture learned from the stream:
what data pipelines put in front of themselves to drop copies, at a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from clustering.config import MinHashConfig, NearDuplicateConfig
from clustering.ingest.clean import cleaned_body
from clustering.records import Article
from clustering.storage.shingle_sets import SQLiteShingleSets

if TYPE_CHECKING:
    from clustering.reuse.minhash import MinHasher


class IndexConflictError(ValueError):
    """An article id already indexed with a different text."""


def candidate_bands(min_jaccard: float, candidate_recall: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    """Signature slices of the LSH bands: the most rows per band (fewest candidates) with which two sets at
    ``min_jaccard`` share at least one band with probability ``candidate_recall`` or more."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - min_jaccard**rows) ** bands >= candidate_recall:
            return tuple((band * rows, (band + 1) * rows) for band in range(bands))
    raise ValueError(f"no banding of {num_perm} permutations reaches recall {candidate_recall}")


@dataclass(frozen=True, slots=True)
class Sketch:
    """What the index holds of an article: its shingle set (sorted, distinct) and its LSH band fingerprints."""

    article_id: str
    shingles: np.ndarray
    fingerprints: tuple[int, ...]


def document_body(article: Article) -> str:
    """What the document level compares: the cleaned body (``cleaned_body`` when not cleaned yet)."""
    return article.body if article.body_spans else cleaned_body(article)


def _distinct(values: np.ndarray) -> np.ndarray:
    # Sorting and masking: numpy's hash-based ``unique`` took 90 µs for a 300-word article, a third of sketching.
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def _jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Jaccard similarity of two sets held as sorted distinct arrays. numpy, not a compiled merge: the
    indexing process then never loads a compiled function (numba's compiler is 57 MB resident)."""
    shared = len(np.intersect1d(first, second, assume_unique=True))
    union = len(first) + len(second) - shared
    return shared / union if union else 1.0


class Sketcher:
    """Sketches of cleaned articles (small and picklable: worker processes sketch while the index adds).

    The compiled tokenizer and hashes are imported where a sketch is made, not with this module: the
    process that only indexes sketches made by its workers then never loads numba (0.45 s and 65 MB, paid
    before the workers were forked, where each worker now loads it while the first records are read)."""

    def __init__(
        self, config: NearDuplicateConfig = NearDuplicateConfig(), minhash: MinHashConfig = MinHashConfig()
    ) -> None:
        self.minhash_config = minhash
        self.shingle_words = minhash.shingle_words
        self.bands = candidate_bands(config.min_jaccard, config.candidate_recall, minhash.num_perm)
        self._hasher: MinHasher | None = None

    @property
    def hasher(self) -> MinHasher:
        if self._hasher is None:
            from clustering.reuse.minhash import MinHasher

            self._hasher = MinHasher(self.minhash_config)
        return self._hasher

    def of_shingles(self, article_id: str, shingles: np.ndarray) -> Sketch:
        from clustering.reuse.bands import band_fingerprints

        signature = self.hasher.signature(shingles)[None, :]
        return Sketch(article_id, shingles, tuple(band_fingerprints(signature, self.bands)[0].tolist()))

    def of_body(self, article_id: str, body: str) -> Sketch:
        """The sketch of a cleaned body (its words folded as everywhere in reuse)."""
        from clustering.reuse.minhash import shingle_hashes, tokenize

        return self.of_shingles(article_id, _distinct(shingle_hashes(tokenize(body).hashes, self.shingle_words)))

    def __call__(self, article: Article) -> Sketch:
        """The sketch of the article's ``document_body``."""
        return self.of_body(article.id, document_body(article))


class NearDuplicateIndex:
    """Articles added one at a time; ``add`` tells whether each is a near-copy of one added before.

    With ``path``, the index is a SQLite file (``SQLiteShingleSets``): reopening it restores it, so
    today's feed is checked against last week's; what ``add`` indexed is committed by ``commit``.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        config: NearDuplicateConfig = NearDuplicateConfig(),
        minhash: MinHashConfig = MinHashConfig(),
    ) -> None:
        self.config = config
        self.sketcher = Sketcher(config, minhash)
        # Per band, fingerprint → the position holding it, or a list of positions when several do
        # (most fingerprints have one holder: an int is a fifth of a list's memory).
        self._buckets: list[dict[int, int | list[int]]] = [{} for _ in self.sketcher.bands]
        self._shingles: list[np.ndarray] = []
        self._ids: list[str] = []
        self._duplicate_of: list[str | None] = []
        self._position: dict[str, int] = {}
        settings = {"shingle_words": minhash.shingle_words, "seed": minhash.seed}
        self._store = SQLiteShingleSets(path, settings) if path is not None else None
        for article_id, shingles, duplicate_of in self._store.sets() if self._store else ():
            self._insert(self.sketcher.of_shingles(article_id, shingles), duplicate_of)

    def _insert(self, sketch: Sketch, duplicate_of: str | None) -> None:
        position = len(self._ids)
        for bucket, fingerprint in zip(self._buckets, sketch.fingerprints, strict=True):
            held = bucket.get(fingerprint)
            if held is None:
                bucket[fingerprint] = position
            elif isinstance(held, int):
                bucket[fingerprint] = [held, position]
            else:
                held.append(position)
        self._ids.append(sketch.article_id)
        self._shingles.append(sketch.shingles)
        self._duplicate_of.append(duplicate_of)
        self._position[sketch.article_id] = position

    def _match(self, sketch: Sketch) -> str | None:
        """The first article of the near-copies the earliest matching indexed article belongs to."""
        candidates: set[int] = set()
        for bucket, fingerprint in zip(self._buckets, sketch.fingerprints, strict=True):
            held = bucket.get(fingerprint)
            if held is not None:
                candidates.update((held,) if isinstance(held, int) else held)
        for position in sorted(candidates):
            if _jaccard(sketch.shingles, self._shingles[position]) >= self.config.min_jaccard:
                return self._duplicate_of[position] or self._ids[position]
        return None

    def query(self, article: Article | Sketch) -> str | None:
        """The id of the article ``article`` is a near-copy of, if any, without indexing it."""
        return self._match(article if isinstance(article, Sketch) else self.sketcher(article))

    def add(self, article: Article | Sketch) -> str | None:
        """Index ``article`` (or its sketch, made by ``sketcher`` in a worker); the id of the
        first of the near-copies it belongs to (that of the earliest indexed match), or ``None`` when it
        is a near-copy of nothing indexed before it. An id added again with the same words is answered as
        it was first (a run killed midway and run again answers as one run); with other words it raises
        ``IndexConflictError``."""
        sketch = article if isinstance(article, Sketch) else self.sketcher(article)
        known = self._position.get(sketch.article_id)
        if known is not None:
            if not np.array_equal(self._shingles[known], sketch.shingles):
                raise IndexConflictError(f"id {sketch.article_id!r} is already indexed with a different text")
            return self._duplicate_of[known]
        duplicate_of = self._match(sketch)
        self._insert(sketch, duplicate_of)
        if self._store is not None:
            self._store.put(sketch.article_id, sketch.shingles, duplicate_of)
        return duplicate_of

    def commit(self) -> None:
        """Make what was added since the last commit last (a batch at a time: one fsync per record would
        cost more than the indexing)."""
        if self._store is not None:
            self._store.commit()

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._position

    def __len__(self) -> int:
        return len(self._ids)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
