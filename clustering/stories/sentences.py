"""Sentences a summary can be made of: whole, standing on their own, without datelines, tags or furniture.

Splitting is sentencex's (Wikimedia's rule-based segmenter: it knows the abbreviations of news text,
months, titles, initials, "U.S.", which a regex on full stops gets wrong: "…Costa Rica, Sunday, Dec." cut
before "31"). What a sentence opens with is checked by shape: a dateline or agency tag ("SAN JOSE, Dec 31
(Reuters) -", "SEOUL/WASHINGTON (Reuters) -", "West Palm Beach, Florida (CNN)", "WASHINGTON —") is moved
out of the text, also where one stands after a full stop inside what the segmenter gave as one sentence
(a lead run into the report's first line: "… over Hokkaido Friday. SEOUL (Reuters) - North Korea said…");
an opening that points at a sentence before it ("He added…", "But…") or a caption, credit, widget or
timestamp ("This Dec. 28, 2017 photo made available by SpaceX shows…") makes the sentence unfit to stand in
a summary.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache

from clustering.agencies import alternation, dateline_tags, script_tags
from clustering.scripts import SENTENCE_STOPS

# "SAN JOSE, Dec 31 (Reuters) -", "BEIRUT (Reuters) –", "LONDON, Jan. 3 (AFP) —", "(CNN)", "WASHINGTON —",
# "Jerusalem, Dec 12 (AP) --", "By Jane Smith, Reuters |": a place in capitals or a tag, then a dash.
_AGENCY_TAG = rf"\((?:{alternation(dateline_tags() + script_tags())})\)"
_PLACE = r"[A-Z][A-Z.'’/-]+(?:,?\s?[A-Z][A-Za-z.'’/-]+){0,4}"
# A place written as a name ("West Palm Beach, Florida"): a dateline only with an agency's tag after it.
_NAMED_PLACE = r"[A-Z][\w.'’-]+(?:,?\s[A-Z][\w.'’-]+){0,5}"
_DATE = r"(?:,?\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})(?:,\s*\d{4})?)?"
# In other scripts: a place in that script's letters, then the agency's name there, then a dash:
# "بيروت (أ ف ب) -".
_SCRIPT_DATELINE = rf"(?:[^\W\d_A-Za-z][\w'’-]*\s?){{1,4}}\((?:{alternation(script_tags())})\)\s*[-–—]+\s*"
_DATELINE_BODY = (
    rf"(?:{_SCRIPT_DATELINE}|"
    rf"{_PLACE}{_DATE}\s*(?:{_AGENCY_TAG}|\([A-Z][\w .&]{{1,40}}\))?\s*[-–—]+\s*|{_AGENCY_TAG}\s*(?:[-–—]+\s*)?|"
    rf"{_NAMED_PLACE}{_DATE}\s*{_AGENCY_TAG}\s*(?:[-–—]+\s*)?|"
    rf"\(CNN\)\s*|By [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){{0,3}}(?:,| \|)?\s+(?:{_AGENCY_TAG}\s*)?)"
)
_DATELINE = re.compile(rf"^\s*{_DATELINE_BODY}")
# Where a sentence the segmenter did not split holds a dateline after a full stop, the next one starts there.
# Only a dateline with an agency's tag counts: a capitalised name or "US -" after a stop is most sentences.
_INNER_DATELINE = re.compile(
    rf"(?:(?<=[.!?])|(?<=[.!?][\"”’)])) (?=(?:{_PLACE}|{_NAMED_PLACE}){_DATE}\s*{_AGENCY_TAG})"
)
# Openings that lean on a sentence before them.
_DEPENDENT = re.compile(
    r"^(?:[\"“‘(]\s*)?(?:this|that|these|those|it|its|he|she|they|his|her|their|them|him|but|and|or|so|also|"
    r"however|meanwhile|still|yet|then|there|here|such|both|another|other|others|the two|the latter|the former|"
    r"in addition|in a statement|it was|it is)\b",
    re.IGNORECASE,
)
# Page furniture by shape, in case cleaning left it: captions, credits, widgets, timestamps, calls to act.
_CONTROL = "(?:Full Screen|Fullscreen|Autoplay|Close|Skip Ad|View Photos|View Gallery|Replay|Mute|Unmute)"
_FURNITURE = re.compile(
    r"(?:^[\"“(]?(?:in )?(?:this|the|a|an)?\s*(?:[a-z]{3,9}\.?\s+\d{1,2},\s+\d{4},?\s+)?(?:handout |file |undated )?"
    r"(?:photo|image|picture|video|screenshot|still|footage)(?:graph)?\b.{0,80}\b(?:released by|provided by|"
    r"made available by|taken|courtesy|credit|shows|showing)\b|"
    r"\bcaption\b|\bcopyright\b|all rights reserved|getty images|\bAP Photo\b|/(?:AP|AFP|Reuters)\b|"
    r"\bsign up\b|newsletter|\bsubscribe\b|click here|\b(?:play|video|duration|watch)\b.{0,15}\b\d{1,2}:\d{2}\b|"
    r"\bupdated:|\bpublished:|\bread more\b|\bfollow us\b|\d ?/ ?5 stars|live coverage|^[•·▪►|]|"
    r"^(?:photos?|video|watch|gallery|related|more|see also|listen)\s*:|"
    # An agency photo caption: "…, Sunday, Dec. 31, 2017, in Seattle." "A photo issued by …"
    r",\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),\s+[a-z]{3,9}\.?\s+\d{1,2},\s+\d{4}"
    r"(?:,\s+in\s+[^.]{1,60})?\.[\"”’)]?$|\b(?:photo|image|picture)s?\s+(?:issued|released|provided|taken)\s+by\b|"
    r"\bfile photo\b|,\s+in\s+[A-Z][^.]{1,60},\s+on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:,\s+[a-z]{3,9}\.?\s+\d{1,2}(?:,\s+\d{4})?)?\.[\"”’)]?$|"
    r"\bshare (?:this|on)\b|\bcomments?\b \(\d+\)|\bemail\b.{0,20}\baddress\b|"
    # A gallery's or a player's controls run into the text: two of their labels side by side, as labels
    # are written ("1 of 26 Full Screen Autoplay Close Skip Ad ×").
    rf"(?-i:\b{_CONTROL}\s+{_CONTROL}\b))",
    re.IGNORECASE,
)
_CLOSED = re.compile(rf"[{re.escape(SENTENCE_STOPS)}][\"”’)\]」』]*$")
_ELLIPSIS = re.compile(r"(?:…|\.\.\.)[\"”’)\]]*$")


@cache
def _segmenter():
    from sentencex import segment

    return segment


def sentences_of(text: str) -> Iterator[str]:
    """The sentences of a body, paragraph by paragraph (a reader of the first few splits no further)."""
    segment = _segmenter()
    for paragraph in text.split("\n"):
        carried = ""  # an opening quote the segmenter left at the end of the sentence before its own
        for segmented in segment("en", paragraph.strip()) if paragraph.strip() else ():
            for sentence in _INNER_DATELINE.split(segmented.strip()):
                sentence = carried + sentence.strip()
                carried = sentence[-1] if sentence[-1:] in ("“", "‘") else ""
                sentence = sentence[: len(sentence) - len(carried)].rstrip()
                if sentence:
                    yield sentence


def without_dateline(sentence: str) -> tuple[str, str]:
    """``sentence`` without the dateline, agency tag or byline it opens with, and what was taken off."""
    found = _DATELINE.match(sentence)
    if found is None or found.end() >= len(sentence) - 1:
        return sentence, ""
    rest = sentence[found.end() :].lstrip()
    # The text after it must read as a sentence: a capital letter (or a letter of a script without case,
    # as Arabic and Chinese are), or a quote.
    first = rest[:1]
    caseless = first.isalpha() and first.lower() == first.upper()
    if not rest or not (first.isupper() or caseless or first in "\"“‘'0123456789"):
        return sentence, ""
    return rest, sentence[: found.end()].strip()


def is_whole(sentence: str) -> bool:
    """Ends as a sentence ends, not cut off ("…", no closing stop)."""
    return bool(_CLOSED.search(sentence)) and not _ELLIPSIS.search(sentence)


def stands_alone(sentence: str) -> bool:
    """Opens without pointing at a sentence before it ("This photo…", "He added…", "But…")."""
    return _DEPENDENT.match(sentence) is None


# Every furniture shape holds one of these (lower-cased); most sentences hold none, and a substring test is
# a tenth of the regular expression's cost.
_FURNITURE_CUES = (
    "photo",
    "image",
    "picture",
    "video",
    "screenshot",
    "still",
    "footage",
    "caption",
    "copyright",
    "reserved",
    "getty",
    "/ap",
    "/afp",
    "/reuters",
    "sign up",
    "newsletter",
    "subscribe",
    "click",
    "play",
    "watch",
    "duration",
    "updated:",
    "published:",
    "read more",
    "follow us",
    "stars",
    "live coverage",
    "•",
    "·",
    "▪",
    "►",
    "|",
    "day,",
    "day.",
    "gallery",
    "related",
    "more:",
    "see also",
    "listen",
    "share",
    "autoplay",
    "full screen",
    "fullscreen",
    "skip ad",
    "view photos",
    "view gallery",
    "replay",
    "mute",
    "comment",
    "email",
)


def is_furniture(sentence: str) -> bool:
    """Looks like a caption, a credit, a widget, a timestamp or a call to act, not news."""
    lowered = sentence.lower()
    if not any(cue in lowered for cue in _FURNITURE_CUES):
        return False
    return _FURNITURE.search(sentence) is not None


def first_sentences(body: str, count: int) -> list[tuple[str, bool]]:
    """The first ``count`` sentences of a body, each with whether it is furniture by shape: what both the
    summary and the keywords read, split once."""
    return [(sentence, is_furniture(sentence)) for sentence in itertools.islice(sentences_of(body), count)]
