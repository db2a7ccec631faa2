"""Word shingles and MinHash signatures (datasketch) of article bodies."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from datasketch import LeanMinHash, MinHash

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    num_perm: int = 128
    shingle_words: int = 5
    seed: int = 1


def normalised_words(text: str) -> list[str]:
    """Lower-cased words with accents and typographic variants folded, punctuation dropped."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return _WORD.findall("".join(char for char in folded if not unicodedata.combining(char)))


def shingles(text: str, size: int) -> set[bytes]:
    """Overlapping ``size``-word shingles; a text shorter than ``size`` words is one shingle."""
    words = normalised_words(text)
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[start : start + size]).encode() for start in range(len(words) - size + 1)}


def signatures(shingle_sets: Sequence[set[bytes]], config: MinHashConfig) -> list[LeanMinHash]:
    """One MinHash signature per shingle set, as compact ``LeanMinHash`` objects ``MinHashLSH`` accepts."""
    minhashes = MinHash.bulk(shingle_sets, num_perm=config.num_perm, seed=config.seed)
    return [LeanMinHash(minhash) for minhash in minhashes]


def jaccard(first: set[bytes], second: set[bytes]) -> float:
    """Exact Jaccard similarity of two shingle sets (0 when both are empty)."""
    if not first and not second:
        return 0.0
    overlap = len(first & second)
    return overlap / (len(first) + len(second) - overlap)
