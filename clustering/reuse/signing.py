"""Tokenising and signing an article for reuse search, the one way every part of ``reuse`` does it.

One record, ``ReuseArticle``: the body's words and shingles (what alignment reads) and, once signed, the
MinHash signature of each passage window (what the LSH bands are made of)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.compiled import njit
from clustering.config import MinHashConfig, ReuseConfig
from clustering.ingest.clean import CLEANING_VERSION, ensure_cleaned
from clustering.records import Article
from clustering.reuse.align import span_ends_and_order
from clustering.reuse.bands import lsh_bands
from clustering.reuse.minhash import MinHasher, code_points, shingle_hashes, tokenize_code_points

_PAST_ANY_TEXT = np.iinfo(np.int64).max
_INT32_POSITIONS = np.iinfo(np.int32).max
_DATELINE_CREDIT = re.compile(r"^[^\n]{0,80}?\((?P<agency>[A-Za-z][\w .&-]{0,40})\)\s*[-–—]")
# A dateline credit opens the first line: its first 300 characters hold it, whatever the paragraph's length.
_OPENING_CHARS = 300


def opening(article: Article) -> str:
    """The start of the body's first paragraph as cleaning writes it (single spaces), read from the text and
    spans (the dedup index holds articles without their body)."""
    if not article.body_spans:
        return article.body[:_OPENING_CHARS].split("\n", 1)[0]
    start, end = article.body_spans[0]
    return " ".join(article.text[start : min(end, start + _OPENING_CHARS)].split())


def dateline_credit(article: Article) -> str | None:
    """The name a dateline credit opening the body gives ("BEIRUT (Reuters) -": "reuters"), lowercased."""
    found = _DATELINE_CREDIT.match(opening(article))
    return found["agency"].strip().lower() if found else None


@dataclass(frozen=True, slots=True)
class ReuseArticle:
    """An article as reuse search reads it: the article (for its id, dates, outlet and agencies; a candidate
    the dedup index holds comes without its text, which alignment does not read), where each of its body's
    words starts in its text and where a span ending with it ends (``align.span_ends``), the hash of the
    shingle starting at each word and their ``shingle_order`` (sorted once, for every alignment the article
    takes part in), where each of its body's paragraphs starts and ends; and when ``signed``, the MinHash
    signature of each passage window (rows of ``signatures``) with the word where each starts. Signing needs
    no index, so it runs in parallel shards (``sign_articles``); an article met only as a candidate to align
    against is never signed. Plain arrays, of 32-bit positions where the text allows (the dedup step keeps the
    last candidates it aligned: 16 bytes a word, where the words' 64-bit hashes and positions took 36); and
    datasketch objects are made only for what meets the index."""

    article: Article
    starts: np.ndarray
    span_ends: np.ndarray
    shingles: np.ndarray
    order: np.ndarray
    paragraph_starts: np.ndarray  # where each body paragraph starts (the text when none), then a stop
    paragraph_ends: np.ndarray
    credit: str | None  # dateline_credit: read once, for every pair whose original only the dateline tells
    window_starts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    signatures: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=np.uint64))

    @classmethod
    def of(cls, article: Article, shingle_words: int) -> ReuseArticle:
        """``article`` (cleaned) tokenised at its body spans, unsigned."""
        spans = np.array(article.body_spans, dtype=np.int64).reshape(-1, 2)
        return cls.read(article, article.text, spans, dateline_credit(article), shingle_words)

    @classmethod
    def read(
        cls,
        article: Article,
        text: str,
        body_spans: np.ndarray,
        credit: str | None,
        shingle_words: int,
    ) -> ReuseArticle:
        """An article's ``text`` tokenised at its ``body_spans`` (rows of start and end), unsigned
        (``article`` may be held without them; ``credit``: its ``dateline_credit``)."""
        codes = code_points(text)
        tokens = tokenize_code_points(codes, body_spans if len(body_spans) else None)
        shingles = shingle_hashes(tokens.hashes, shingle_words)
        ends, order = span_ends_and_order(codes, tokens.ends, shingles)
        position = _position_type(len(text))
        starts, ends, order = tokens.starts.astype(position), ends.astype(position), order.astype(position)
        paragraphs = body_spans if len(body_spans) else np.array([[0, len(text)]], dtype=np.int64)
        paragraph_starts = np.append(paragraphs[:, 0], _PAST_ANY_TEXT)
        return cls(article, starts, ends, shingles, order, paragraph_starts, paragraphs[:, 1].copy(), credit)

    @property
    def words(self) -> int:
        """How many words its body holds."""
        return len(self.starts)

    def same_words(self, other: ReuseArticle) -> bool:
        """Whether the two bodies hold the same words, in order: as many words, the same shingle at each
        (for bodies of ``min_shared_words`` or more, 32-bit hashes colliding at every position)."""
        return self.words == other.words and np.array_equal(self.shingles, other.shingles)

    def signed(self, hasher: MinHasher, reuse: ReuseConfig) -> ReuseArticle:
        """This article with the MinHash signature of each of its passage windows."""
        signatures, starts = hasher.window_signatures(self.shingles, reuse.window_words, reuse.window_stride)
        return dataclasses.replace(self, window_starts=starts, signatures=signatures)


def windows_within(signed: ReuseArticle, spans: Sequence[tuple[int, int]], window_words: int) -> np.ndarray:
    """Which of ``signed``'s passage windows have at least half their words inside ``spans`` (character
    spans of its text, sorted and apart, as a ``ReusePair`` gives them)."""
    edges = np.array(spans, dtype=np.int64).reshape(-1)
    return _windows_within(signed.starts, edges, signed.window_starts, window_words)


@njit(cache=True, nogil=True)
def _windows_within(starts, edges, window_starts, window_words):  # pragma: no cover
    # A word starting inside a span has an odd number of span edges at or before its start (spans apart).
    counted = np.zeros(len(starts) + 1, dtype=np.int64)
    edge = 0
    for word in range(len(starts)):
        while edge < len(edges) and edges[edge] <= starts[word]:
            edge += 1
        counted[word + 1] = counted[word] + edge % 2
    within = np.empty(len(window_starts), dtype=np.bool_)
    for window in range(len(window_starts)):
        first = min(window_starts[window], len(starts))
        last = min(first + window_words, len(starts))
        within[window] = (counted[last] - counted[first]) * 2 >= max(last - first, 1)
    return within


def _position_type(characters: int) -> type[np.signedinteger]:
    """The narrowest type that holds a position in a text of ``characters`` characters (the dedup step's
    texts are far below 2**31 characters: ``read.max_text_chars``)."""
    return np.int32 if characters < _INT32_POSITIONS else np.int64


def sign_article(article: Article, hasher: MinHasher, minhash: MinHashConfig, reuse: ReuseConfig) -> ReuseArticle:
    """``article`` cleaned (when not yet cleaned), tokenised and signed."""
    return ReuseArticle.of(ensure_cleaned(article), minhash.shingle_words).signed(hasher, reuse)


def sign_articles(
    articles: Sequence[Article], minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()
) -> list[ReuseArticle]:
    """Tokenise and sign each article's passage windows: pure, so shards of a corpus can run in parallel."""
    hasher = MinHasher(minhash)
    return [sign_article(article, hasher, minhash, reuse) for article in articles]


def index_settings(minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()) -> str:
    """What a ``BandIndex`` depends on: stored fingerprints made under other settings are not reused."""
    bands = lsh_bands(reuse.lsh_threshold, minhash.num_perm)
    return f"{minhash!r};{reuse!r};bands {bands};cleaning {CLEANING_VERSION}"
