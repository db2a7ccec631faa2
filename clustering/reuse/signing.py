"""Tokenising and signing an article for reuse search, the one way every part of ``reuse`` does it: its
body words and shingles (``IndexedArticle``, what alignment reads), then the MinHash signature of each
passage window (``SignedArticle``, what the LSH bands are made of)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clustering.config import MinHashConfig, ReuseConfig
from clustering.ingest.clean import CLEANING_VERSION, ensure_cleaned
from clustering.records import Article
from clustering.reuse.align import shingle_order
from clustering.reuse.bands import lsh_bands
from clustering.reuse.minhash import MinHasher, Tokens, shingle_hashes, tokenize


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


@dataclass(frozen=True, slots=True)
class SignedArticle:
    """An article tokenised, with the MinHash signature of each passage window (rows of ``signatures``)
    and the word where each starts: the part of indexing that needs no index, so it can run in parallel
    shards (``sign_articles``). Plain arrays: datasketch objects are made only for what meets the index."""

    entry: IndexedArticle
    window_starts: np.ndarray
    signatures: np.ndarray


def sign_entry(entry: IndexedArticle, hasher: MinHasher, config: ReuseConfig) -> SignedArticle:
    """``entry`` with the MinHash signature of each of its passage windows."""
    signatures, starts = hasher.window_signatures(entry.shingles, config.window_words, config.window_stride)
    return SignedArticle(entry, starts, signatures)


def sign_article(article: Article, hasher: MinHasher, minhash: MinHashConfig, reuse: ReuseConfig) -> SignedArticle:
    """``article`` cleaned (when not yet cleaned), tokenised and signed."""
    return sign_entry(index_article(ensure_cleaned(article), minhash.shingle_words), hasher, reuse)


def sign_articles(
    articles: Sequence[Article], minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()
) -> list[SignedArticle]:
    """Tokenise and sign each article's passage windows: pure, so shards of a corpus can run in parallel."""
    hasher = MinHasher(minhash)
    return [sign_article(article, hasher, minhash, reuse) for article in articles]


def index_settings(minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()) -> str:
    """What a ``BandIndex`` depends on: stored fingerprints made under other settings are not reused."""
    bands = lsh_bands(reuse.lsh_threshold, minhash.num_perm)
    return f"{minhash!r};{reuse!r};bands {bands};cleaning {CLEANING_VERSION}"
