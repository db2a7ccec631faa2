"""Word tokens with their offsets, word-shingle hashes, and MinHash signatures in datasketch's format.

Signatures are datasketch's default ``affine32`` scheme: bit for bit what ``MinHash(num_perm, seed,
hashfunc=identity).update_batch(hashes)`` gives, so ``LeanMinHash`` objects built from them go straight into
datasketch's ``MinHashLSH``. The per-character, per-word and per-permutation loops are compiled with numba
(cached on disk after the first run, and free of the GIL, so threads can sign in parallel): tokenizing,
shingling and permuting in Python or numpy array operations cost 5-10x more (``bench/bench_minhash.py``).
Shingle hashes come from a rolling hash over word hashes instead of a SHA-1 per shingle.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from clustering.compiled import njit
from clustering.config import MinHashConfig
from clustering.scripts import UNSPACED_CLASS, is_unspaced

if TYPE_CHECKING:
    from datasketch import LeanMinHash

_SCHEME = "affine32"
_ROLLING_MULTIPLIER = np.uint64(0x100000001B3)
# A word: a run of word characters outside the scripts written without spaces, or one word character of
# theirs, so that their shingles are runs of characters, not of whole clauses.
_WORD = re.compile(rf"(?:(?!{UNSPACED_CLASS})\w)+|(?=\w){UNSPACED_CLASS}")


class Tokens:
    """The normalised words of a text as 64-bit hashes, with each word's character span in the text."""

    __slots__ = ("ends", "hashes", "starts")

    def __init__(self, hashes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self.hashes, self.starts, self.ends = hashes, starts, ends

    def __len__(self) -> int:
        return len(self.hashes)


@cache
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.lower())
    # Two halfwidth sound marks decompose to combining marks only: they stay as they are, not vanish.
    return "".join(part for part in decomposed if not unicodedata.combining(part)) or char


def fold(word: str) -> str:
    """Lower case, accents and compatibility forms folded, character by character: "Café" is "cafe"."""
    return "".join(map(_fold_char, word))


def normalised_words(text: str) -> list[str]:
    return [fold(word) for word in _WORD.findall(text)]


_UNKNOWN_FOLD = np.iinfo(np.int8).min  # the fold length of a code point not met yet


class _CharTable:
    """Per code point: how many code points it folds to (0: not a word character; negative: a word alone,
    ``is_unspaced``) and where they lie in ``units``. Filled as code points are met: the scanner reads each
    code point's entry as it goes, and a text holding one the process has not met yet is folded then and
    scanned again (tabling the whole multilingual plane up front took 0.25 s and 14 MB in every process
    that signs a text)."""

    _CODE_POINTS = 0x110000

    def __init__(self) -> None:
        self.fold_start = np.zeros(self._CODE_POINTS, dtype=np.int32)
        self.fold_length = np.full(self._CODE_POINTS, _UNKNOWN_FOLD, dtype=np.int8)
        self._units: list[int] = []
        self.units = np.empty(0, dtype=np.uint64)
        self._lock = threading.Lock()

    def cover(self, codes: np.ndarray) -> None:
        """Fold every code point of ``codes`` not met before. Thread-safe: a code point is marked known only
        once the units it folds to are published."""
        if not (self.fold_length[codes] == _UNKNOWN_FOLD).any():
            return
        with self._lock:
            unknown = np.unique(codes[self.fold_length[codes] == _UNKNOWN_FOLD]).tolist()
            lengths = []
            for code in unknown:
                char = chr(code)
                folded = [ord(part) for part in _fold_char(char)] if _WORD.match(char) else []
                self.fold_start[code] = len(self._units)
                lengths.append(-len(folded) if folded and is_unspaced(char) else len(folded))
                self._units += folded
            self.units = np.array(self._units, dtype=np.uint64) + np.uint64(1)
            self.fold_length[unknown] = lengths


_CHAR_TABLE = _CharTable()


@njit(cache=True, nogil=True)
def _mix64(value: np.uint64) -> np.uint64:
    # MurmurHash3's 64-bit finalizer: every input bit reaches every output bit.
    value ^= value >> np.uint64(33)
    value *= np.uint64(0xFF51AFD7ED558CCD)
    value ^= value >> np.uint64(33)
    value *= np.uint64(0xC4CEB9FE1A85EC53)
    return value ^ (value >> np.uint64(33))


@njit(cache=True, nogil=True)
def _scan_words(codes, bounds, fold_start, fold_length, units, unknown):
    """Hash, start and end of every word in the spans, and whether the table held every code point met
    (``unknown``: the fold length of one not met yet; one whose units lie past ``units``, tabled by another
    thread since, counts as not met). A character of negative fold length is a word by itself."""
    hashes = np.empty(len(codes) + len(bounds), dtype=np.uint64)
    starts = np.empty(len(hashes), dtype=np.int64)
    ends = np.empty(len(hashes), dtype=np.int64)
    count = 0
    for span in range(len(bounds)):
        first = max(0, min(bounds[span, 0], len(codes)))
        last = max(first, min(bounds[span, 1], len(codes)))
        in_word, value = False, np.uint64(0)
        for position in range(first, last + 1):
            length = fold_length[codes[position]] if position < last else 0
            if position < last and (length == unknown or fold_start[codes[position]] + abs(length) > len(units)):
                return hashes[:0].copy(), starts[:0].copy(), ends[:0].copy(), False
            if length > 0:
                if not in_word:
                    in_word, value, starts[count] = True, np.uint64(0), position
                for unit in range(fold_start[codes[position]], fold_start[codes[position]] + length):
                    value = value * _ROLLING_MULTIPLIER + units[unit]
                continue
            if in_word:
                in_word, hashes[count], ends[count] = False, _mix64(value), position
                count += 1
            if length < 0:  # a word alone: its own hash, start and end
                value, starts[count] = np.uint64(0), position
                for unit in range(fold_start[codes[position]], fold_start[codes[position]] - length):
                    value = value * _ROLLING_MULTIPLIER + units[unit]
                hashes[count], ends[count] = _mix64(value), position + 1
                count += 1
    # Copies: a slice would keep the buffers, sized by characters, alive (24 bytes a character, not a word).
    return hashes[:count].copy(), starts[:count].copy(), ends[:count].copy(), True


def code_points(text: str) -> np.ndarray:
    """The text's code points, one 32-bit value per character (positions in it are positions in ``text``)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def tokenize(text: str, spans: Sequence[tuple[int, int]] | None = None) -> Tokens:
    """Words of ``text`` (``\\w+`` runs inside the given character spans of it, each character of a script
    written without spaces a word of its own), folded and hashed, with offsets.

    One compiled pass over the text's code points instead of a regex match, a fold and a hash per word in
    Python. A word's hash depends only on its folded form: the same in every text and process.
    """
    return tokenize_code_points(code_points(text), spans)


def tokenize_code_points(codes: np.ndarray, spans: Sequence[tuple[int, int]] | np.ndarray | None = None) -> Tokens:
    """``tokenize`` of a text given as its ``code_points`` (``spans``: pairs, or rows of start and end)."""
    bounds = np.array(spans if spans is not None else ((0, len(codes)),), dtype=np.int64).reshape(-1, 2)
    # Scanned first and tabled only when a code point is new: checking every code point against the table
    # before each scan was a third of tokenising a text whose characters were all met before.
    while True:
        table = _CHAR_TABLE
        *found, complete = _scan_words(codes, bounds, table.fold_start, table.fold_length, table.units, _UNKNOWN_FOLD)
        if complete:
            return Tokens(*found)
        table.cover(codes)


@njit(cache=True, nogil=True)
def shingle_hashes(word_hashes: np.ndarray, size: int) -> np.ndarray:  # pragma: no cover
    """32-bit hash of every run of ``size`` words, by position; a shorter text is one shingle."""
    if len(word_hashes) == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(size, len(word_hashes))
    shingles = np.empty(len(word_hashes) - width + 1, dtype=np.uint32)
    for first in range(len(shingles)):
        value = np.uint64(0)
        for word in range(first, first + width):
            value = value * _ROLLING_MULTIPLIER + word_hashes[word]
        shingles[first] = np.uint32((value >> np.uint64(32)) ^ (value & np.uint64(0xFFFFFFFF)))
    return shingles


@njit(cache=True, nogil=True)
def _block_minima(hashes, a, b, stride):
    """Minimum of each run of ``stride`` shingles under each permutation: shape (blocks, num_perm)."""
    minima = np.full(((len(hashes) + stride - 1) // stride, len(a)), 0xFFFFFFFF, dtype=np.uint32)
    for index in range(len(hashes)):
        # MurmurHash3's 32-bit finalizer, as datasketch applies it before its affine permutations.
        mixed = np.uint32(hashes[index])
        mixed = np.uint32((mixed ^ (mixed >> np.uint32(16))) * np.uint32(0x85EBCA6B))
        mixed = np.uint32((mixed ^ (mixed >> np.uint32(13))) * np.uint32(0xC2B2AE35))
        mixed = np.uint32(mixed ^ (mixed >> np.uint32(16)))
        block = index // stride
        for permutation in range(len(a)):
            # Written as a plain min (no branch) so that the loop compiles to vector instructions.
            permuted = np.uint32(a[permutation] * mixed + b[permutation])
            minima[block, permutation] = min(minima[block, permutation], permuted)
    return minima


def affine32_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``a`` (odd) and ``b`` of the ``affine32`` permutations datasketch's ``MinHash(num_perm, seed)``
    draws, drawn as it draws them (``tests/test_reuse.py`` holds them equal) without importing datasketch,
    whose import brings scipy: 0.4 s and 50 MB for every ``storyline dedup``."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


class MinHasher:
    """MinHash signatures of arrays of 32-bit shingle hashes, with datasketch's permutations."""

    def __init__(self, config: MinHashConfig = MinHashConfig()) -> None:
        self.config = config
        self.a, self.b = affine32_permutations(config.num_perm, config.seed)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The MinHash values of one set; an empty set gives datasketch's empty signature."""
        if len(hashes) == 0:
            return np.full(self.config.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        return _block_minima(hashes, self.a, self.b, len(hashes))[0]

    def window_signatures(self, hashes: np.ndarray, window: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
        """Signatures of overlapping windows of ``window`` shingles every ``stride``, and where they start.

        Windows are unions of ``window // stride`` consecutive blocks, so each shingle is permuted once.
        """
        if len(hashes) <= window:
            return self.signature(hashes)[None, :], np.zeros(1, dtype=np.int64)
        blocks_per_window = max(1, window // stride)
        block_minima = _block_minima(hashes, self.a, self.b, stride)
        count = max(1, len(block_minima) - blocks_per_window + 1)
        signatures = block_minima[:count].copy()
        for offset in range(1, blocks_per_window):
            np.minimum(signatures, block_minima[offset : offset + count], out=signatures)
        return signatures, np.arange(count, dtype=np.int64) * stride

    def lean(self, hashvalues: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` of the given values, for ``MinHashLSH``."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.config.seed, hashvalues=hashvalues, scheme=_SCHEME)
