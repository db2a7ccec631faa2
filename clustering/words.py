"""How common a word is (wordfreq's Zipf scale, English by default): what cleaning, story names and keywords
weigh words by.

Like ``records`` and ``config``, this module imports nothing of Storyline's.
"""

from __future__ import annotations

import math
from functools import lru_cache

import wordfreq

# wordfreq's floor: a word it has not seen occurs once per billion words (Zipf 0).
_UNSEEN_FREQUENCY = 1e-9


@lru_cache(maxsize=200_000)
def zipf(word: str, language: str = "en") -> float:
    """``wordfreq.zipf_frequency(word, language)`` (English's for a language wordfreq has no list of; without
    its tokenizer where that is an extra not installed); a plain ASCII English word is looked up in
    wordfreq's table with its rounding, without its tokenizer (a quarter of the time over a corpus's names)."""
    if language != "en" and language in _wordfreq_languages():
        try:
            return wordfreq.zipf_frequency(word, language)
        except ImportError:
            # Chinese, Japanese and Korean are tokenized by jieba or MeCab, wordfreq's optional extras;
            # a single word is looked up in the language's table as it stands.
            return _zipf_of(wordfreq.get_frequency_dict(language).get(word.lower(), 0.0))
    if not (word.isascii() and word.isalpha()):
        return wordfreq.zipf_frequency(word, "en")
    return _zipf_of(wordfreq.get_frequency_dict("en").get(word.lower(), 0.0))


@lru_cache(maxsize=1)
def _wordfreq_languages() -> frozenset[str]:
    return frozenset(wordfreq.available_languages())


def _zipf_of(frequency: float) -> float:
    """wordfreq's Zipf value of a frequency from its table, rounded as it rounds it."""
    frequency = max(frequency, _UNSEEN_FREQUENCY)
    frequency = round(frequency, math.floor(-math.log(frequency, 10)) + 3)
    return round(math.log(frequency, 10) + 9, 2)


@lru_cache(maxsize=8)
def frequent_words(min_zipf: float) -> frozenset[str]:
    """The plain ASCII words of wordfreq's English table with a ``zipf`` of at least ``min_zipf``: any other
    plain ASCII word is below it (an unseen word is at 0), so a set difference sorts a text's words."""
    table = wordfreq.get_frequency_dict("en")
    # Below this no rounding lifts a frequency to min_zipf: most of the table is passed over unrounded.
    floor = 10 ** (min_zipf - 9.01) / 1.01
    return frozenset(
        word
        for word, frequency in table.items()
        if frequency >= floor and word.isascii() and word.isalpha() and _zipf_of(frequency) >= min_zipf
    )
