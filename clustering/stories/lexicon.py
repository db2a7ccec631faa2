"""The words of the stories being described: term counts of their originals, each term's frequency over
every story and each word's IDF. Both the keywords (class-based TF-IDF terms of each story) and the TF-IDF
vectors that rank summary sentences read it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from clustering.stories.term_counts import TermCounts
from clustering.stories.term_matrix import smooth_idf, sublinear_tfidf, words_of


def single_words(terms: np.ndarray) -> np.ndarray:
    """Positions of the single words among ``terms`` (the others are word pairs)."""
    return np.flatnonzero([" " not in term for term in terms])


def class_tfidf_terms(
    story_counts: sparse.csr_matrix, terms: np.ndarray, frequency: np.ndarray, average_words: float, count: int
) -> list[list[str]]:
    """Top class-based TF-IDF terms of each story (BERTopic's c-TF-IDF weighting), heaviest first;
    ``story_counts`` holds each story's term counts (stories x terms), ``frequency`` each term's over all
    stories and ``average_words`` the terms per story. ``count`` of them: what ``keywords.describe_keywords`` ranks."""
    counts = story_counts.astype(np.float64)
    weights = sparse.csr_matrix(normalize(counts, norm="l1") @ sparse.diags(np.log1p(average_words / frequency)))
    result: list[list[str]] = []
    for row in range(weights.shape[0]):
        start, end = weights.indptr[row], weights.indptr[row + 1]
        row_terms = terms[weights.indices[start:end]]
        # Heaviest first; on a tie the longer term ("albu kamal" before "albu"), then alphabetical.
        order = np.lexsort((row_terms, -np.char.str_len(row_terms.astype(str)), -np.round(weights.data[start:end], 9)))
        result.append([str(terms[weights.indices[start + index]]) for index in order[:count]])
    return result


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Term counts of the original articles of the stories to summarise (title and body) and, from the
    counts of every story's originals, each term's corpus frequency and each word's IDF: the source of
    both the keywords and the TF-IDF vectors that rank summary sentences."""

    counts: sparse.csr_matrix  # articles x terms
    terms: np.ndarray
    frequency: np.ndarray  # per term, occurrences over every story's originals
    average_words: float  # words (terms) per story, over every story
    word_column: dict[str, int]  # each single word's position among the words
    idf: np.ndarray  # per single word
    article_vectors: sparse.csr_matrix

    @classmethod
    def of(cls, term_counts: TermCounts, rows: np.ndarray, stories: int) -> Lexicon | None:
        """The lexicon of rows ``rows`` of ``term_counts`` (the counts of every story's originals); None
        when those rows hold no term."""
        everything = term_counts.counts
        counts = everything[rows]
        if counts.nnz == 0:
            return None
        frequency = np.asarray(everything.sum(axis=0), dtype=np.float64).ravel()
        words = single_words(term_counts.terms)
        idf = smooth_idf(everything)[words]  # over every story's originals
        word_column = {word: column for column, word in enumerate(term_counts.terms[words].tolist())}
        return cls(
            counts,
            term_counts.terms,
            frequency,
            float(frequency.sum()) / max(stories, 1),
            word_column,
            idf,
            sublinear_tfidf(counts[:, words], idf),
        )

    def sentence_vectors(self, sentences: Sequence[str], languages: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows of the lexicon's words in each sentence, read in its language of ``languages`` (a word
        the lexicon does not hold is left out)."""
        words = list(map(words_of, sentences, languages))
        columns = np.fromiter(
            map(self.word_column.get, itertools.chain.from_iterable(words), itertools.repeat(-1)), dtype=np.int64
        )
        rows = np.repeat(np.arange(len(sentences)), [len(found) for found in words])
        in_lexicon = columns >= 0
        # Repeated (row, column) entries add up: the counts of each word in each sentence.
        counts = sparse.csr_matrix(
            (np.ones(int(in_lexicon.sum()), dtype=np.int32), (rows[in_lexicon], columns[in_lexicon])),
            shape=(len(sentences), len(self.idf)),
        )
        counts.sum_duplicates()
        return sublinear_tfidf(counts, self.idf)

    def story_terms(self, rows_of: Sequence[Sequence[int]], count: int) -> list[list[str]]:
        """The top ``count`` c-TF-IDF terms of each story whose originals are the rows ``rows_of[story]``."""
        texts = sum(map(len, rows_of))
        membership = sparse.csr_matrix(
            (
                np.ones(texts),
                ([story for story, rows in enumerate(rows_of) for _ in rows], [r for rows in rows_of for r in rows]),
            ),
            shape=(len(rows_of), texts),
        )
        return class_tfidf_terms(membership @ self.counts, self.terms, self.frequency, self.average_words, count)
