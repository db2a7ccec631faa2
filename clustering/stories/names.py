"""Proper-name keys: the words that tell one event from another, folded so spelling variants meet.

News spells names many ways: "Albukamal", "Albu Kamal", "Al-Bukamal"; "Soleimani", "Sulimani";
"Hezbollah", "Hizballah". Each run of capitalised words gives its words, the run joined into one word,
and a consonant skeleton of each (vowels, h, w and y dropped; a leading "al" dropped), which is the
same for most transliterations. A skeleton is read in Latin letters (``anyascii``, which romanises every
script by a table): "Путин" and "Putin" both give "ptn", and a Cyrillic name no longer gives the empty
skeleton that every Cyrillic name shared.

A name's weight is its rarity in general English (wordfreq's Zipf scale): "Albukamal" outweighs
"Syria" even in a corpus of five articles, where document frequencies say nothing. Read in the language of
the texts holding it instead, it weighed German's capitalised nouns ("Regierung") as the common words they
are in German, and SemEval's dev pairs correlated less (0.682 against 0.692; German pairs 0.599 against
0.627): a German noun two reports share tells their story as a name does.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from anyascii import anyascii
from scipy import sparse

from clustering.stories.term_matrix import smooth_idf, sublinear_tfidf, term_matrix
from clustering.words import zipf

# Words (a letter, then word characters, apostrophes, hyphens), sentence ends and line breaks: what closes
# a run of capitalised words. A stretch of words that start in a-z matches whole: it only closes a run,
# and a third as many matches make the loop in ``name_keys`` that much shorter.
_WORD_OR_SENTENCE_END = re.compile(r"[a-z][\w'’-]*(?:[^\w\n]+[a-z][\w'’-]*)*|[^\W\d_][\w'’-]*|(?<=[.!?])\s|\n")
_SKELETON_DROP = re.compile(r"[aeiouyhw]")
_FUNCTION_WORDS = frozenset(
    """a an and as at but by for from he her his i if in is it its of on or our she so that the their there these
    they this those to was we were what when where which who why with you mr mrs ms dr""".split()
)


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """Consonant skeleton of a name, in Latin letters: "Soleimani" and "Sulimani" both give "slmn", "Путин"
    and "Putin" "ptn"; "" for a word with no letter to romanise."""
    letters = re.sub(r"[^a-z]", "", anyascii(word).lower())
    if letters.startswith("al") and len(letters) > 5:
        letters = letters[2:]
    return letters[:1] + _SKELETON_DROP.sub("", letters[1:])


@lru_cache(maxsize=200_000)  # names recur across a corpus
def _keys_of_run(run: tuple[str, ...]) -> list[str]:
    words = [word.lower().strip("'’-") for word in run]
    if len(words) > 1:
        words.append("".join(re.sub(r"[^\w]", "", word) for word in words))
    return [*words, *("~" + key for key in map(skeleton, words) if key)]


def name_keys(text: str) -> list[str]:
    """Keys of every run of capitalised words in ``text`` (sentence-initial function words excluded)."""
    keys: list[str] = []
    run: list[str] = []
    # One pass over words and sentence ends: a sentence end (or any word not capitalised) closes a run.
    for token in _WORD_OR_SENTENCE_END.findall(text):
        if token[0].isupper() and token.lower() not in _FUNCTION_WORDS:
            run.append(token)
        elif run:
            keys += _keys_of_run(tuple(run))
            run = []
    if run:
        keys += _keys_of_run(tuple(run))
    return keys


# Zipf frequency of a very common word ("the" is about 7.7); rarer names weigh more.
_COMMON_ZIPF = 7.0


@lru_cache(maxsize=200_000)
def rarity(word: str) -> float:
    """0 for the commonest English words, 1 for words wordfreq has never seen."""
    return max(0.0, _COMMON_ZIPF - zipf(word)) / _COMMON_ZIPF


def _key_weights(vocabulary: np.ndarray) -> np.ndarray:
    word_rarity = {key: rarity(key) for key in vocabulary if not key.startswith("~")}
    skeleton_rarity: dict[str, float] = {}
    for key, value in word_rarity.items():
        skeleton_key = "~" + skeleton(key)
        skeleton_rarity[skeleton_key] = max(skeleton_rarity.get(skeleton_key, 0.0), value)
    return np.array([word_rarity.get(key, skeleton_rarity.get(key, 0.5)) for key in vocabulary])


def name_vectors(texts: list[str], rarity_power: float = 2.0) -> sparse.csr_matrix:
    """L2-normalised vectors of name keys: sublinear counts times rarity times corpus IDF."""
    counts, keys = term_matrix(map(name_keys, texts))
    if not len(keys):  # no names at all
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)
    weights = _key_weights(keys) ** rarity_power * smooth_idf(counts)
    return sublinear_tfidf(counts, weights.astype(np.float32))
