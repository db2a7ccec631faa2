"""Writing systems: which scripts separate words with spaces, how many words a text holds, and the marks
that end a sentence in the scripts news is written in.

Like ``records`` and ``config``, this module imports nothing of Storyline's.
"""

from __future__ import annotations

import re

# Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar), by code point.
UNSPACED_SCRIPTS = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)
UNSPACED_CLASS = "[" + "".join(f"{chr(first)}-{chr(last)}" for first, last in UNSPACED_SCRIPTS) + "]"
# What ends a sentence: Latin and Cyrillic stops, CJK's full-width ones, Arabic's question mark, Urdu's full
# stop, the Devanagari danda; and the question marks among them.
SENTENCE_STOPS = ".!?。！？؟۔।"
QUESTION_MARKS = "?？؟"
_UNSPACED = re.compile(UNSPACED_CLASS)
# A word of those scripts is about two characters long (Chinese news: 1.5 to 2).
_CHARACTERS_PER_UNSPACED_WORD = 2


def is_unspaced(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces between words."""
    code = ord(char)
    return any(first <= code <= last for first, last in UNSPACED_SCRIPTS)


def word_count(text: str) -> int:
    """How many words ``text`` holds: its whitespace-separated words, and in scripts written without spaces
    one word for every two characters."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    return len(_UNSPACED.sub(" ", text).split()) + -(-unspaced // _CHARACTERS_PER_UNSPACED_WORD)
