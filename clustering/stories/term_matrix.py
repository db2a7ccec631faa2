"""The terms of a text, a texts x terms count matrix from each text's terms, as scikit-learn's
``CountVectorizer`` builds it, and TF-IDF rows from it. Clustering and summaries cut terms the same way.

A text's stop words are its language's and English's: scikit-learn's English list, and the ``stop-words``
package's list for 32 other languages. With English stop words only, a German text kept
"der", "und" and "nicht" as terms, and in a corpus of many languages such words are rare enough overall to
weigh: two unrelated German articles shared them.

``CountVectorizer`` counts in a Python loop over every term of every text. Counting each text's terms with
``collections.Counter`` and numbering them through a ``defaultdict`` runs both loops in C: the same
matrix (columns in term order, as the vectorizer sorts its vocabulary, and sorted within each row), in
a fifth less time for the word and word-pair counts of 8,000 articles.
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib.metadata import version

import numpy as np
import regex
import sklearn
import stop_words
import wordfreq
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

from clustering.scripts import UNSPACED_CLASS

# Words start with a letter and end with a letter or digit: numbers alone are left out.
_TOKEN_PATTERN = r"(?u)\b[^\W\d_][\w'-]*[^\W_]\b"
# The regex package's \w holds combining marks, as Unicode defines a word's characters; re's does not and
# cut Hindi, Bengali or Thai words at every vowel sign ("बड़ी" was "बड"). The same on English text (tested).
_TOKEN = regex.compile(_TOKEN_PATTERN)
_UNSPACED = re.compile(UNSPACED_CLASS)
_UNSPACED_RUN = re.compile(f"({UNSPACED_CLASS}+)")
_UNSPACED_WORD = re.compile(f"{UNSPACED_CLASS}+")
# How terms are cut: the text's language's stop words dropped (the lists may change between the packages'
# versions), then words and pairs of adjacent words; an English text as CountVectorizer(stop_words="english",
# ngram_range=(1, 2), token_pattern=_TOKEN_PATTERN) counts it (tested equal). Counts kept under another
# scheme are redone.
TERM_SCHEME = (
    f"scikit-learn {sklearn.__version__} english stop words, stop-words {version('stop-words')} others;"
    f"1-2-grams;regex {_TOKEN_PATTERN}"
)


@lru_cache(maxsize=64)
def stop_words_of(language: str) -> frozenset[str]:
    """The stop words of ``language`` (an ISO 639-1 code): scikit-learn's English ones, and the ``stop-words``
    package's list of the language where it has one. English's stay out in every language: English words
    stand in any text (a quote, a brand), and an English headline detected as Italian kept "the" and "of"
    as terms (one UCI story's event headline changed until they were left out again)."""
    if language == "en" or language not in stop_words.LANGUAGE_MAPPING:
        return ENGLISH_STOP_WORDS
    return ENGLISH_STOP_WORDS | {word.lower() for word in stop_words.get_stop_words(language)}


# The longest word the segmenter looks up, in characters: most Chinese words are one to four characters
# long, names written out in sounds longer ("阿姆斯特丹", Amsterdam).
_MAX_UNSPACED_WORD = 6
# The cost of a character the language's word list does not hold: wordfreq's floor, once per billion words.
_UNSEEN_COST = -math.log(1e-9)


@lru_cache(maxsize=16)
def _word_costs(language: str) -> dict[str, float] | None:
    """-log frequency of each word of ``language``'s wordfreq list written in an unspaced script; None when
    the language is not written so (most of its 1,000 commonest words are not: English's list holds 130
    Chinese words) or wordfreq has no list of it (Thai)."""
    if language not in wordfreq.available_languages():
        return None
    table = wordfreq.get_frequency_dict(language)
    commonest = list(itertools.islice(table, 1000))
    if 2 * sum(_UNSPACED_WORD.fullmatch(word) is not None for word in commonest) <= len(commonest):
        return None
    return {
        word: -math.log(frequency)
        for word, frequency in table.items()
        if len(word) <= _MAX_UNSPACED_WORD and _UNSPACED_WORD.fullmatch(word)
    }


def _segment(run: str, costs: dict[str, float]) -> list[int]:
    """Where the words of ``run`` end: the most probable split into words of ``costs`` (the path of least
    total cost, unknown characters as words of their own), as jieba cuts Chinese with its dictionary."""
    best = [0.0] + [math.inf] * len(run)
    start_of = [0] * (len(run) + 1)
    for end in range(1, len(run) + 1):
        for start in range(max(0, end - _MAX_UNSPACED_WORD), end):
            cost = costs.get(run[start:end], _UNSEEN_COST if end - start == 1 else None)
            if cost is not None and best[start] + cost < best[end]:
                best[end], start_of[end] = best[start] + cost, start
    ends = [len(run)]
    while start_of[ends[-1]] > 0:
        ends.append(start_of[ends[-1]])
    return ends[::-1]


def unspaced_spans(token: str, language: str) -> list[tuple[int, int]]:
    """Where the words of ``token`` stand in it: a run of a script written without spaces cut into the words
    of ``language``'s wordfreq list (``_segment``), or where the language has none, into its overlapping
    pairs of characters (a lone character as itself), as search engines index such text; the rest of the
    token as it stands."""
    costs = _word_costs(language)
    spans: list[tuple[int, int]] = []
    position = 0
    for index, part in enumerate(_UNSPACED_RUN.split(token)):
        if index % 2 and costs is not None:  # split puts the runs at odd positions
            ends = _segment(part, costs)
            spans += [(position + start, position + end) for start, end in itertools.pairwise([0, *ends])]
        elif index % 2:
            spans += [
                (position + start, position + min(start + 2, len(part))) for start in range(max(1, len(part) - 1))
            ]
        elif part:
            spans.append((position, position + len(part)))
        position += len(part)
    return spans


def has_unspaced(text: str) -> bool:
    """Whether ``text`` holds a character of a script written without spaces."""
    return _UNSPACED.search(text) is not None


def words_of(text: str, language: str = "en") -> list[str]:
    """The words of ``text``, lower case, the stop words of its ``language`` left out."""
    stops = stop_words_of(language)
    tokens = _TOKEN.findall(text.lower())
    if has_unspaced(text):
        tokens = [token[start:end] for token in tokens for start, end in unspaced_spans(token, language)]
    return [word for word in tokens if word not in stops]


def terms_of(text: str, language: str = "en") -> Iterator[str]:
    """The terms of ``text`` in ``language`` (``TERM_SCHEME``): its words and its pairs of adjacent words."""
    words = words_of(text, language)
    return itertools.chain(words, map(" ".join, itertools.pairwise(words)))


def term_matrix(terms_of_texts: Iterable[Iterable[str]]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Counts (texts x terms, int32, column indices sorted within each row) and the terms, sorted."""
    column_of: defaultdict[str, int] = defaultdict()
    column_of.default_factory = column_of.__len__  # a new term takes the next column
    # Typed arrays, not lists: a list of ten million ints holds 360 MB, an int32 array 40 MB.
    columns = array("i")
    values = array("i")
    indptr = [0]
    for terms in terms_of_texts:
        counted = Counter(terms)
        columns.extend(map(column_of.__getitem__, counted))
        values.extend(counted.values())
        indptr.append(len(columns))
    terms = np.array(sorted(column_of), dtype=object)
    # Columns renumbered in term order.
    sorted_column = np.empty(len(terms), dtype=np.int32)
    sorted_column[[column_of[term] for term in terms.tolist()]] = np.arange(len(terms), dtype=np.int32)
    counts = sparse.csr_matrix(
        (np.frombuffer(values, dtype=np.int32), sorted_column[np.frombuffer(columns, dtype=np.int32)], indptr),
        shape=(len(indptr) - 1, len(terms)),
    )
    counts.sort_indices()
    return counts, terms


def without_rare_terms(counts: sparse.csr_matrix, min_texts: int) -> sparse.csr_matrix:
    """The columns of ``counts`` that at least ``min_texts`` texts hold, as ``CountVectorizer(min_df=...)``
    keeps them."""
    holding = np.bincount(counts.indices, minlength=counts.shape[1])
    return counts[:, np.flatnonzero(holding >= min_texts)]


def sublinear_tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """L2-normalised rows of (1 + log count) x ``idf``, in ``idf``'s dtype: what scikit-learn's
    ``TfidfTransformer(sublinear_tf=True)`` gives with that IDF."""
    rows = sparse.csr_matrix(counts, dtype=idf.dtype, copy=True)
    rows.data = (np.log(rows.data) + 1) * idf[rows.indices]
    return normalize(rows).tocsr()


def smooth_idf(counts: sparse.csr_matrix, dtype: type = np.float64) -> np.ndarray:
    """``TfidfTransformer``'s smooth IDF of each column: log((1 + texts) / (1 + texts holding it)) + 1."""
    holding = np.bincount(counts.indices, minlength=counts.shape[1]).astype(dtype)
    return np.log(dtype(counts.shape[0] + 1) / (holding + 1)) + 1
