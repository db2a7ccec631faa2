"""How common an English word is (wordfreq's Zipf scale): what cleaning, story names and keywords weigh words by.

Like ``records`` and ``config``, this module imports nothing of Storyline's.
"""

from __future__ import annotations

import math
from functools import lru_cache

import wordfreq

# wordfreq's floor: a word it has not seen occurs once per billion words (Zipf 0).
_UNSEEN_FREQUENCY = 1e-9


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """``wordfreq.zipf_frequency(word, "en")``; a plain ASCII word is looked up in wordfreq's table with
    its rounding, without its tokenizer (a quarter of the time over a corpus's names)."""
    if not (word.isascii() and word.isalpha()):
        return wordfreq.zipf_frequency(word, "en")
    frequency = max(wordfreq.get_frequency_dict("en").get(word.lower(), 0.0), _UNSEEN_FREQUENCY)
    frequency = round(frequency, math.floor(-math.log(frequency, 10)) + 3)
    return round(math.log(frequency, 10) + 9, 2)
