"""The word and word-pair counts of each article, kept between runs: clustering weighs its TF-IDF with them
and summaries their keywords and sentences.

Clustering needs every article's terms, keywords (class-based TF-IDF) and summary sentences (TF-IDF
centrality) every story's term counts and each term's frequency over the corpus; tokenising ten thousand
articles into words and word pairs costs seconds. This cache holds each article's counts with the digest
of the text counted: a run counts only the texts that are new or changed, and the statistics over any
articles are sums of their rows. It is saved as one ``.npz`` file beside the store (no pickles); a file
made under another term scheme, or one that cannot be read, is ignored and everything is counted again.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from clustering.storage.atomic import save_npz_atomic
from clustering.stories.term_matrix import TERM_SCHEME, term_matrix, terms_of


@dataclass(frozen=True)
class TermCounts:
    """``counts[i, t]``: how often term ``terms[t]`` occurs in the text of article ``article_ids[i]``,
    whose digest is ``digests[i]``. ``terms`` are sorted, as scikit-learn's ``CountVectorizer`` sorts
    its vocabulary, so a selection of rows reads as that vectorizer's output on their texts. ``scheme``
    names how the terms were cut from the text."""

    scheme: str
    article_ids: tuple[str, ...]
    digests: tuple[str, ...]
    terms: np.ndarray  # str objects, sorted
    counts: sparse.csr_matrix  # articles x terms

    def positions(self, article_ids: Sequence[str]) -> np.ndarray:
        """The rows of ``article_ids``."""
        row_of = {article_id: row for row, article_id in enumerate(self.article_ids)}
        return np.array([row_of[article_id] for article_id in article_ids], dtype=np.int64)

    def select(self, article_ids: Sequence[str]) -> TermCounts:
        """The rows of ``article_ids``, in that order, and only the terms they hold."""
        rows = self.positions(article_ids)
        counts = self.counts[rows]
        used = np.bincount(counts.indices, minlength=len(self.terms)) > 0
        # Dropping unused columns keeps the others in order: the rows' column indices stay sorted.
        counts = _with_columns(counts, np.cumsum(used) - 1, int(used.sum()))
        digests = tuple(self.digests[row] for row in rows)
        return TermCounts(self.scheme, tuple(article_ids), digests, self.terms[used], counts)

    def joined(self, other: TermCounts) -> TermCounts:
        """These rows and ``other``'s (other articles, same scheme) over the union of their terms."""
        if other.scheme != self.scheme:
            raise ValueError("term counts made under different schemes cannot be joined")
        position = np.searchsorted(self.terms, other.terms)
        inside = position < len(self.terms)
        same_term = np.zeros(len(other.terms), dtype=bool)
        same_term[inside] = self.terms[position[inside]] == other.terms[inside]
        missing = other.terms[~same_term]
        insert_at = np.searchsorted(self.terms, missing)
        terms = np.insert(self.terms, insert_at, missing)
        # A term of ours moves right by the number of new terms inserted before it: still in order.
        own_column = np.arange(len(self.terms)) + np.searchsorted(insert_at, np.arange(len(self.terms)), side="right")
        other_column = np.searchsorted(terms, other.terms)
        counts = sparse.vstack(
            [_with_columns(self.counts, own_column, len(terms)), _with_columns(other.counts, other_column, len(terms))],
            format="csr",
        )
        return TermCounts(
            self.scheme, self.article_ids + other.article_ids, self.digests + other.digests, terms, counts
        )

    def save(self, path: Path | str) -> None:
        """Write to ``path`` atomically: a reader sees the old counts or the new."""
        save_npz_atomic(
            path,
            scheme=np.array(self.scheme),
            article_ids=np.array(self.article_ids, dtype=str),
            digests=np.array(self.digests, dtype=str),
            # One UTF-8 string, a term per line (terms hold no line breaks): a tenth of a fixed-width array.
            terms=np.frombuffer("\n".join(self.terms.tolist()).encode(), dtype=np.uint8),
            indptr=self.counts.indptr,
            indices=self.counts.indices,
            data=self.counts.data,
        )

    @classmethod
    def load(cls, path: Path | str, scheme: str) -> TermCounts | None:
        """The counts saved at ``path`` if they were made under ``scheme``; None if there are none, they
        were made otherwise, or they cannot be read."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                if str(saved["scheme"]) != scheme:
                    return None
                article_ids = tuple(saved["article_ids"].tolist())
                text = saved["terms"].tobytes().decode()
                terms = np.array(text.split("\n") if text else [], dtype=object)
                counts = sparse.csr_matrix(
                    (saved["data"], saved["indices"], saved["indptr"]), shape=(len(article_ids), len(terms))
                )
                counts.check_format(full_check=True)
                return cls(scheme, article_ids, tuple(saved["digests"].tolist()), terms, counts)
        except (OSError, ValueError, KeyError, EOFError, UnicodeDecodeError, zipfile.BadZipFile):
            return None


def _with_columns(counts: sparse.csr_matrix, column: np.ndarray, width: int) -> sparse.csr_matrix:
    """``counts`` with column ``c`` moved to ``column[c]`` (increasing), in a matrix ``width`` wide."""
    return sparse.csr_matrix(
        (counts.data, column[counts.indices].astype(np.int32), counts.indptr), (counts.shape[0], width)
    )


def _digest(text: str, language: str) -> str:
    """The digest of ``text`` as counted in ``language`` (whose stop words it leaves out)."""
    return hashlib.blake2b(f"{language}\n{text}".encode(), digest_size=12).hexdigest()


def _count(article_ids: Sequence[str], texts: Sequence[str], languages: Sequence[str]) -> TermCounts:
    """Term counts of ``texts``, those of ``article_ids``, each in its language."""
    counts, terms = term_matrix(map(terms_of, texts, languages))
    return TermCounts(TERM_SCHEME, tuple(article_ids), tuple(map(_digest, texts, languages)), terms, counts)


def count_terms(
    texts: Mapping[str, str], previous: TermCounts | None = None, languages: Mapping[str, str] | None = None
) -> TermCounts:
    """Term counts of ``texts`` (article id to text), each in its article's language (``languages``, article
    id to ISO 639 code; English for an article it does not name): an article whose text ``previous``
    counted already, in the same language, is taken from it, the others are counted."""
    languages = languages or {}
    reused: list[str] = []
    if previous is not None and previous.scheme == TERM_SCHEME:
        previous_digests = dict(zip(previous.article_ids, previous.digests, strict=True))
        reused = [
            article_id
            for article_id, text in texts.items()
            if previous_digests.get(article_id) == _digest(text, languages.get(article_id, "en"))
        ]
    counted = set(reused)
    fresh = [article_id for article_id in texts if article_id not in counted]
    if reused and not fresh:  # the summaries of a run, after its clustering stage counted the same texts
        return previous.select(reused)
    fresh_counts = _count(
        fresh, [texts[article_id] for article_id in fresh], [languages.get(article_id, "en") for article_id in fresh]
    )
    return previous.select(reused).joined(fresh_counts) if reused else fresh_counts
