"""The embeddings story distances compare, across languages.

The main model (all-MiniLM-L6-v2) reads English; a German report of the Las Vegas shooting is, to it, a
text of names and numbers. A multilingual model places the same event together in any language but
tells English stories apart less well (SemEval-2022 dev pairs, Pearson of the cosine with the annotators:
MiniLM 0.86 on English pairs and 0.39 across languages, the multilingual Universal Sentence Encoder 0.83
and 0.73). So a pair of two articles in the main model's languages is compared by the main model, and a
pair with an article in any other language by the multilingual one: 0.87 on English pairs and 0.73 across
(README, "Languages"). An English-only corpus has no multilingual vectors and is compared as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clustering.ingest.language import is_known
from clustering.stories.neighbours import nearest_neighbours, neighbour_pairs
from clustering.stories.similarity import pair_cosines


@dataclass(frozen=True, slots=True)
class ArticleVectors:
    """One row per article: ``primary``, the main model's embedding; ``languages``, each article's code ("" not
    known) when known, which the articles' words are also read in (``term_languages``); where some article is
    in a language the main model does not read, ``multilingual`` (another model's embedding of every
    article) and ``foreign`` (whether each article is in such a language)."""

    primary: np.ndarray
    multilingual: np.ndarray | None = None
    foreign: np.ndarray | None = None
    languages: np.ndarray | None = None

    @classmethod
    def of(cls, embeddings: Embeddings) -> ArticleVectors:
        return embeddings if isinstance(embeddings, ArticleVectors) else cls(embeddings)

    @property
    def routed(self) -> bool:
        """Whether some pair is compared by the multilingual model."""
        return self.multilingual is not None and self.foreign is not None and bool(self.foreign.any())

    def __len__(self) -> int:
        return len(self.primary)

    def __getitem__(self, rows: Sequence[int] | np.ndarray | slice) -> ArticleVectors:
        languages = None if self.languages is None else self.languages[rows]
        if not self.routed:
            return ArticleVectors(self.primary[rows], languages=languages)
        assert self.multilingual is not None and self.foreign is not None
        return ArticleVectors(self.primary[rows], self.multilingual[rows], self.foreign[rows], languages)

    def term_languages(self) -> list[str]:
        """The language each article's words are read in (its stop words): its own, "" where not known."""
        return [""] * len(self) if self.languages is None else self.languages.tolist()

    def cosines(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The cosine of each pair ``(rows[k], cols[k])``: by the multilingual model where either article is
        foreign, else by the main model."""
        values = pair_cosines(self.primary, rows, cols)
        if self.routed:
            assert self.multilingual is not None and self.foreign is not None
            either = self.foreign[rows] | self.foreign[cols]
            values[either] = pair_cosines(self.multilingual, rows[either], cols[either])
        return values

    def across_languages(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Whether the two articles of each pair are in different languages (known for both)."""
        if not self.routed:
            return np.zeros(len(rows), dtype=bool)
        assert self.languages is not None
        known = (self.languages[rows] != "") & (self.languages[cols] != "")
        return known & (self.languages[rows] != self.languages[cols])

    def neighbour_pairs(self, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        """``neighbours.neighbour_pairs`` by the main model, and where pairs are routed, those by the
        multilingual model too: a foreign article's nearest are found in a space where it has them."""
        rows, cols = neighbour_pairs(self.primary, n_neighbors)
        if not self.routed:
            return rows, cols
        assert self.multilingual is not None
        more_rows, more_cols = neighbour_pairs(self.multilingual, n_neighbors)
        count = len(self)
        keys = np.unique(np.concatenate([rows * count + cols, more_rows * count + more_cols]))
        return np.divmod(keys, count)

    def nearest(self, sources: Sequence[int], count: int) -> np.ndarray:
        """The rows nearest each of ``sources`` (``neighbours.nearest_neighbours``), by both models when
        pairs are routed (so up to twice ``count`` a source)."""
        found = nearest_neighbours(self.primary, sources, count)
        if not self.routed:
            return found
        assert self.multilingual is not None
        return np.hstack([found, nearest_neighbours(self.multilingual, sources, count)])


Embeddings = np.ndarray | ArticleVectors


def _codes(languages: Sequence[str]) -> np.ndarray:
    return np.array([language if is_known(language) else "" for language in languages], dtype=object)


def foreign_rows(languages: Sequence[str], primary_languages: Sequence[str]) -> np.ndarray:
    """Whether each article, in ``languages`` (ISO 639 codes; "" or "und" unknown, taken as the main
    model's), is in a language the main model does not read."""
    return np.array([code != "" and code not in primary_languages for code in _codes(languages)], dtype=bool)


def article_vectors(
    primary: np.ndarray,
    multilingual: np.ndarray | None,
    languages: Sequence[str],
    primary_languages: Sequence[str],
) -> ArticleVectors:
    """The vectors of articles in ``languages`` (as ``foreign_rows`` reads them), given the languages the
    main model reads."""
    foreign = foreign_rows(languages, primary_languages)
    if multilingual is None or not foreign.any():
        return ArticleVectors(primary, languages=_codes(languages))
    return ArticleVectors(primary, multilingual, foreign, _codes(languages))
