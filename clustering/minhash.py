"""Word tokens with their offsets, word-shingle hashes, and MinHash signatures in datasketch's format.

Signatures are datasketch's default ``affine32`` scheme computed with numpy over whole arrays of shingle
hashes: bit for bit what ``MinHash(num_perm, seed, hashfunc=identity).update_batch(hashes)`` gives, so
``LeanMinHash`` objects built from them go straight into datasketch's ``MinHashLSH``. Shingle hashes
come from a rolling hash over cached word hashes instead of a SHA-1 per shingle, which is where
datasketch's own ``update`` spends its time.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

_WORD = re.compile(r"\w+")
_SCHEME = "affine32"
_ROLLING_MULTIPLIER = np.uint64(0x100000001B3)
# MurmurHash3's 32-bit finalizer, as datasketch applies it before its affine permutations.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    num_perm: int = 128
    shingle_words: int = 5
    seed: int = 1


class Tokens:
    """The normalised words of a text as 64-bit hashes; each word's character span in the text on demand.

    Hashes are all MinHash needs; spans are only needed to report shared passages, so they are found
    the first time they are asked for.
    """

    __slots__ = ("_ends", "_spans", "_starts", "_text", "hashes")

    def __init__(self, text: str, spans: Sequence[tuple[int, int]]) -> None:
        self._text, self._spans = text, spans
        words = [word for start, end in spans for word in _WORD.findall(text, start, end)]
        self.hashes = np.fromiter(map(word_hash, words), dtype=np.uint64, count=len(words))
        self._starts: np.ndarray | None = None
        self._ends: np.ndarray | None = None

    def _locate(self) -> None:
        matches = [match.span() for start, end in self._spans for match in _WORD.finditer(self._text, start, end)]
        located = np.array(matches, dtype=np.int64).reshape(-1, 2)
        self._starts, self._ends = located[:, 0], located[:, 1]

    @property
    def starts(self) -> np.ndarray:
        if self._starts is None:
            self._locate()
        return self._starts

    @property
    def ends(self) -> np.ndarray:
        if self._ends is None:
            self._locate()
        return self._ends

    def __len__(self) -> int:
        return len(self.hashes)


def fold(word: str) -> str:
    """Lower case, accents and compatibility forms folded: "Café" and "cafe" are one word."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=500_000)
def word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(fold(word).encode(), digest_size=8).digest(), "little")


def word_count(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


def normalised_words(text: str) -> list[str]:
    return [fold(word) for word in _WORD.findall(text)]


def tokenize(text: str, spans: Sequence[tuple[int, int]] | None = None) -> Tokens:
    """Words of ``text`` (or of the given character spans of it), hashed, with their offsets."""
    return Tokens(text, spans if spans is not None else [(0, len(text))])


def shingle_hashes(word_hashes: np.ndarray, size: int) -> np.ndarray:
    """32-bit hash of every run of ``size`` words, by position; a shorter text is one shingle."""
    count = len(word_hashes)
    if count == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(size, count)
    rolled = np.zeros(count - width + 1, dtype=np.uint64)
    for offset in range(width):
        rolled = rolled * _ROLLING_MULTIPLIER + word_hashes[offset : count - width + 1 + offset]
    return ((rolled >> np.uint64(32)) ^ rolled).astype(np.uint32)


def jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Exact Jaccard similarity of two sets of shingle hashes (0 when both are empty)."""
    first, second = np.unique(first), np.unique(second)
    union = len(first) + len(second)
    if union == 0:
        return 0.0
    overlap = len(np.intersect1d(first, second, assume_unique=True))
    return overlap / (union - overlap)


class MinHasher:
    """MinHash signatures of arrays of 32-bit shingle hashes, with datasketch's permutations."""

    def __init__(self, config: MinHashConfig = MinHashConfig()) -> None:
        self.config = config
        self.a, self.b = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=_SCHEME).permutations

    def permuted(self, hashes: np.ndarray) -> np.ndarray:
        """Every shingle under every permutation: shape (shingles, num_perm)."""
        shift1, multiply1, shift2, multiply2, shift3 = _FMIX32
        mixed = hashes.astype(np.uint32)
        mixed = (mixed ^ (mixed >> shift1)) * multiply1
        mixed = (mixed ^ (mixed >> shift2)) * multiply2
        mixed = mixed ^ (mixed >> shift3)
        return mixed[:, None] * self.a[None, :] + self.b[None, :]

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The MinHash values of one set; an empty set gives datasketch's empty signature."""
        if len(hashes) == 0:
            return np.full(self.config.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        return self.permuted(hashes).min(axis=0)  # a repeated shingle cannot change a minimum

    def window_signatures(self, hashes: np.ndarray, window: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
        """Signatures of overlapping windows of ``window`` shingles every ``stride``, and where they start.

        Windows are unions of ``window // stride`` consecutive blocks, so each shingle is permuted once.
        """
        if len(hashes) <= window:
            return self.signature(hashes)[None, :], np.zeros(1, dtype=np.int64)
        blocks_per_window = max(1, window // stride)
        block_starts = np.arange(0, len(hashes), stride)
        block_minima = np.minimum.reduceat(self.permuted(hashes), block_starts, axis=0)
        count = max(1, len(block_starts) - blocks_per_window + 1)
        signatures = block_minima[:count].copy()
        for offset in range(1, blocks_per_window):
            np.minimum(signatures, block_minima[offset : offset + count], out=signatures)
        return signatures, block_starts[:count]

    def lean(self, hashvalues: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` of the given values, for ``MinHashLSH``."""
        return LeanMinHash(seed=self.config.seed, hashvalues=hashvalues, scheme=_SCHEME)
