"""What a line of a scraped page is, by its shape: furniture (share bars, bylines, stamps, widgets), a
caption or photo credit, the start of the reader comments, a closing credit, or a header that restates the
title. No site's own wording: these are the shapes many sites share."""

from __future__ import annotations

import re

from clustering.agencies import PHOTO_CREDITS, alternation
from clustering.scripts import SENTENCE_STOPS

# Where the article ends and the comments begin.
_COMMENTS_START = re.compile(
    r"^(?:comments?|\d+\s+(?:responses?|comments?|replies|thoughts)\s+(?:to|on)\b.*"
    r"|leave a (?:reply|comment).*|add a comment.*|join the (?:discussion|conversation).*"
    r"|(?:view|show|read) (?:all )?comments.*)$",
    re.IGNORECASE,
)
# A heading is one phrase: a line that goes on into another sentence ("Join the conversation See the
# world's … Mallory. Artino checked …") is a paragraph that opens with those words, not the comments.
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")
# Reuters-style closing credit: the article's last line; anything after it is not the article.
_CLOSING_CREDIT = re.compile(
    r"^\((?:additional )?(?:reporting|writing|compiled) by [^)]*(?:editing by [^)]*)?\)$", re.IGNORECASE
)

_FURNITURE = [
    re.compile(r"^(?:share|share this(?: article| story)?|tweet|print|email|save)\s*:?$", re.IGNORECASE),
    re.compile(r"^\d+\s+min(?:ute)?s?\s+read$", re.IGNORECASE),
    re.compile(
        r"^(?:leave a (?:reply|comment)|advertisement|related(?: articles| stories)?|read more)\b.*$", re.IGNORECASE
    ),
    # Bylines: "By Laila Bassam and Angus McDowall".
    re.compile(r"^[Bb]y\s+[A-Z][\w.'’,-]*(?:\s+(?:[A-Z][\w.'’,-]*|and|&|,))*$"),
]
# Captions and photo credits, by shape (no site's own wording): what opens the line ("Image copyright",
# "Enlarge this image", "FILE -", a gallery's "7/30"), what ends it (a credit, "Dado Ruvic/Reuters"), or
# what it holds anywhere ("Photograph:").
_CAPTION_OPENING = re.compile(
    r"^(?:image copyright|image caption|enlarge this image|toggle caption|hide caption|photo(?:graph)?s?\s*:|"
    r"photo credit|file\s*[-–—]\s|facebook twitter)",
    re.IGNORECASE,
)
# The credit's last word has no full stop: "… Addington Village/Harrington Road." is prose.
_CREDIT_ENDING = re.compile(r"[A-Z][\w'’.-]+(?:\s[A-Z][\w'’.-]+){0,3}/[A-Z][\w'’&-]*(?:\s[A-Z][\w'’&-]*){0,3}\)?\s*$")
# Each "anywhere" cue with the words a line must hold, in lower case, for it to match: a search of every
# paragraph for each cue is a fifth of the cleaning's time, a substring test of the lowered line is not.
_CAPTION_ANYWHERE = [
    ("photograph:", re.compile(r"\bphotograph:\s", re.IGNORECASE)),
    ("image caption", re.compile(r"\bimage caption\b", re.IGNORECASE)),
]
# Widgets, notices and calls to act: "Play Video 0:53", "3 / 5 stars", "© 2018 …", "Copyright 2018 …",
# "… All rights reserved", "… Read more", "Read or Share this story:", a video player's label run into its
# caption ("CLOSE A group of …").
_FURNITURE_OPENING = re.compile(
    r"^(?:play video\b|read or share this story|©|copyright (?:©|\(c\)|\d{4}))", re.IGNORECASE
)
_FURNITURE_ANYWHERE = [
    ("all rights reserved", re.compile(r"\ball rights reserved\b", re.IGNORECASE)),
    ("stars", re.compile(r"\b\d ?/ ?5 stars\b", re.IGNORECASE)),
    ("play video", re.compile(r"\bplay video\s+\d{1,2}:\d{2}", re.IGNORECASE)),
    ("read more", re.compile(r"\bread more\s*$", re.IGNORECASE)),
]
_WIDGET_LABEL = re.compile(r"^CLOSE\s(?=[A-Z])")
# A timestamp line: "Updated: 2016-07-15 06:50 (Xinhua)", "PUBLISHED: 02:31 GMT, 12 March 2013 | UPDATED: …".
_STAMP = re.compile(r"^(?:first |last )?(?:published|updated|posted|modified)(?: on)?\s*:", re.IGNORECASE)
_STAMP_MAX_WORDS = 20
# Captions and credit lines are short; a longer paragraph holding a cue is the article's own.
_FURNITURE_MAX_WORDS = 120
# Photo credits as written or in capitals: "Reuters", "REUTERS".
_PHOTO_CREDITS = {*PHOTO_CREDITS, *(credit.upper() for credit in PHOTO_CREDITS)}
# Credit lines made of outlet and agency names only: "FOX NEWS/AP/REUTERS".
_CREDIT_LINE = re.compile(rf"^[A-Z][A-Z .&]*(?:\s*/\s*[A-Z][A-Z .&]*)+$|^(?:{alternation(_PHOTO_CREDITS)})$")
# Photo captions end in a photo credit: "[Anadolu]", "(…, via AP)", "REUTERS/Stringer", "(AP Photo/…)";
# each pattern with what a line must hold for it to match, tested first (a search of a long paragraph is not).
_CAPTION: list[tuple[str, re.Pattern[str]]] = [
    ("]", re.compile(r"\[[^\]]{2,40}\]\s*$")),
    (
        ")",
        re.compile(
            rf"\((?:[^()]*[,;]\s*)?(?:via\s+)?(?:{alternation(PHOTO_CREDITS)})(?:\s+Photo)?(?:/[^()]*)?\)\s*$",
            re.IGNORECASE,
        ),
    ),
    ("/", re.compile(rf"\b(?:{alternation(_PHOTO_CREDITS)})(?:\s+Photo)?/[\w .'-]+$")),
    ("", re.compile(r"^\w*(?:this )?(?:frame grab|file photo)", re.IGNORECASE)),
]
_MAX_SHORT_LABEL_WORDS = 3
# A sentence's stop in any script (a Chinese paragraph is one "word" to split()), a closing quote or a
# colon. Not "»" or "…", which end widget labels ("Next »", "Loading…").
_SENTENCE_CLOSERS = tuple(f'{SENTENCE_STOPS}"”:」』')


def _words(line: str) -> int:
    """How many words a line holds, as cleaning reads lines (white space folded to single spaces): a count
    of spaces, where a split of every line was a sixth of the time spent telling what lines are."""
    return line.count(" ") + 1 if line else 0


def _holds_cue(line: str, cues: list[tuple[str, re.Pattern[str]]]) -> bool:
    lowered = line.lower()
    return any(words in lowered and pattern.search(line) for words, pattern in cues)


def opens_comments(line: str) -> bool:
    """The line where the article ends and the reader comments begin."""
    return bool(_COMMENTS_START.match(line)) and not _SENTENCE_BREAK.search(line)


def closes_article(line: str) -> bool:
    """A closing credit ("(Reporting by …; Editing by …)"): the article's last line."""
    return bool(_CLOSING_CREDIT.match(line))


def is_caption(line: str) -> bool:
    """A photo caption or credit. ``line``: white space folded, as cleaning reads lines."""
    if any(needed in line and pattern.search(line) for needed, pattern in _CAPTION):
        return True
    return _words(line) <= _FURNITURE_MAX_WORDS and bool(
        _CAPTION_OPENING.match(line)
        or ("/" in line and _CREDIT_ENDING.search(line))
        or _holds_cue(line, _CAPTION_ANYWHERE)
    )


def is_furniture(line: str) -> bool:
    """Page furniture by shape: a share bar, byline, stamp, widget or label. ``line``: white space folded."""
    if any(pattern.match(line) for pattern in _FURNITURE) or _CREDIT_LINE.match(line):
        return True
    words = _words(line)
    if words <= _STAMP_MAX_WORDS and _STAMP.match(line):
        return True
    if words <= _FURNITURE_MAX_WORDS and (
        _FURNITURE_OPENING.match(line) or _holds_cue(line, _FURNITURE_ANYWHERE) or _WIDGET_LABEL.match(line)
    ):
        return True
    # Section labels and widgets ("World Today", "Comments"): a few words with no sentence punctuation.
    return words <= _MAX_SHORT_LABEL_WORDS and not line.endswith(_SENTENCE_CLOSERS)


_WORD = re.compile(r"\w+")


# ``normalised`` without the regex where it can: an ASCII line's non-word characters are a translation table
# away, and most lines are ASCII but for typographic punctuation (half the scraped paragraphs hold a curly
# quote or a dash). A third of cleaning's time went to the regex.
_ASCII_NON_WORD = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")}
_TYPOGRAPHIC_PUNCTUATION = "’‘“”—–…«»\u00a0"


def normalised(line: str) -> str:
    """The line's words, in lower case, separated by single spaces."""
    lowered = line.lower()
    if not lowered.isascii():
        for mark in _TYPOGRAPHIC_PUNCTUATION:
            if mark in lowered:
                lowered = lowered.replace(mark, " ")
        if not lowered.isascii():
            return " ".join(_WORD.findall(lowered))
    return " ".join(lowered.translate(_ASCII_NON_WORD).split())


# A title this short may be words of a sentence; a longer one inside a paragraph is the page's header.
_MIN_RESTATED_TITLE_WORDS = 5
_MAX_LABEL_WORDS = 4
_MIN_STANDFIRST_WORDS = 3


def restates_title(line: str, key: str, title_key: str) -> bool:
    """A page header: a short section label, the title, then a standfirst or a caption opening a new
    sentence, run into one paragraph ("Technology Former Facebook and Google workers launch campaign to
    fight tech addiction Campaign to highlight …"). A lead that opens with the title's words and goes on
    ("… split after four years", or "Title. Next sentence") is not one. ``key`` and ``title_key`` are the
    line's and the title's words (``normalised``): most lines do not hold the title, and are passed over."""
    title_words = title_key.split()
    if len(title_words) < _MIN_RESTATED_TITLE_WORDS or title_key not in key:
        return False
    found = list(_WORD.finditer(line))
    words = [match.group().lower() for match in found]
    for first in range(min(_MAX_LABEL_WORDS, len(words) - len(title_words)) + 1):
        if words[first : first + len(title_words)] == title_words:
            rest = line[found[first + len(title_words) - 1].end() :]
            # Run on without a stop: a header; "Title. Next sentence" is the lead, which may open with it.
            return bool(re.match(r"\s+[A-Z]", rest)) and len(rest.split()) >= _MIN_STANDFIRST_WORDS
    return False
