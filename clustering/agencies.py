"""The news agencies whose copy outlets reprint, and the other names a page credits: every rule that
recognises an agency (attribution, credits in text, datelines, captions, headline tails, keywords) reads
it from here.

Like ``records`` and ``config``, this module imports nothing of Storyline's but ``scripts`` (which writing
systems space their words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from clustering.scripts import is_unspaced

# Agency → how a source field, a domain or a text names it (lower case), in Latin script and in the others
# its copy is filed in (Arabic, Chinese, Cyrillic). The agency's own articles are the originals of their
# copies; ``reuse.agencies`` starts from this list.
NEWS_AGENCIES: dict[str, list[str]] = {
    "AFP": ["afp", "agence france-presse", "agence france presse", "afp.com", "أ ف ب", "فرانس برس", "法新社"],
    "Reuters": ["reuters", "thomson reuters", "reuters.com", "رويترز", "路透社", "рейтер"],
    "AP": ["ap", "associated press", "the associated press", "apnews.com", "ap.org", "أسوشيتد برس", "美联社"],
    "dpa": ["dpa", "deutsche presse-agentur", "dpa.com", "د ب أ"],
    "Xinhua": ["xinhua", "xinhua news agency", "xinhuanet.com", "news.cn", "新华社", "شينخوا", "синьхуа"],
    "Anadolu": ["anadolu", "anadolu agency", "aa.com.tr", "الأناضول"],
    "EFE": ["efe", "agencia efe", "efe.com"],
    "ANSA": ["ansa", "ansa.it"],
    "Kyodo": ["kyodo", "kyodo news", "kyodonews.net", "共同社"],
    "PA Media": ["pa", "pa media", "press association", "pamediagroup.com"],
    "UPI": ["upi", "united press international", "upi.com"],
    "TASS": ["tass", "tass.com", "tass.ru", "тасс"],
    "SANA": ["sana", "syrian arab news agency", "sana.sy", "سانا"],
    "PTI": ["pti", "press trust of india", "ptinews.com"],
    "IANS": ["ians", "indo-asian news service", "ians.in"],
    "Sputnik": ["sputnik", "sputnik news", "sputniknews.com"],
}
# How an agency signs its datelines where that is not its name: "LONDON (PA) -".
_DATELINE_TAGS = {"PA Media": "PA"}
# Broadcasters whose copy others carry under their name: "(CNN) -", "… - BBC News".
BROADCASTERS: dict[str, list[str]] = {
    "CNN": ["cnn", "cnn.com"],
    "RT": ["rt", "rt.com"],
    "BBC News": ["bbc news", "bbc.com", "bbc.co.uk"],
}
# Who credits news photos in captions: "(AP Photo/…)", "REUTERS/Stringer", "AFP/Getty", "(EPA)".
PHOTO_CREDITS = ("AP", "AFP", "Reuters", "Getty Images", "EPA")


def script_tags(registries: Sequence[Mapping[str, list[str]]] = (NEWS_AGENCIES, BROADCASTERS)) -> list[str]:
    """The names that sign a wire dateline in other scripts: "بيروت (أ ف ب) -", "(رويترز)"."""
    return [name for registry in registries for aliases in registry.values() for name in aliases if not name.isascii()]


def _long_names(agency: str, aliases: Sequence[str]) -> list[str]:
    """The names of ``agency`` a text credits it by in any case: not domains; in Latin script, longer than a
    tag ("AP" and "PA" are words too); in any other script, all of them."""
    return [n for n in (agency.lower(), *aliases) if "." not in n and (len(n) > 4 or not n.isascii())]


def dateline_tags(registries: Sequence[Mapping[str, list[str]]] = (NEWS_AGENCIES, BROADCASTERS)) -> list[str]:
    """The tags that sign a wire dateline: "Reuters", "AFP", "PA", "CNN"."""
    return [_DATELINE_TAGS.get(name, name) for registry in registries for name in registry]


def names(registries: Iterable[Mapping[str, list[str]]] = (NEWS_AGENCIES, BROADCASTERS)) -> set[str]:
    """Every name of the agencies (and broadcasters), lower case, domains left out: "associated press", "ap"."""
    return {
        name
        for registry in registries
        for agency, aliases in registry.items()
        for name in (agency.lower(), *aliases)
        if "." not in name
    }


def alternation(values: Iterable[str]) -> str:
    """A regular expression matching any of ``values`` literally, the longest first."""
    return "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))


def credit_pattern(agency: str, aliases: Sequence[str]) -> re.Pattern[str]:
    """Where a text credits ``agency``: a long name in any case ("Agence France-Presse", "REUTERS", "رويترز",
    "新华社" inside a Chinese sentence); its tag of three or more letters as written ("AFP", "dpa"); a
    two-letter tag only as a credit is shaped, "(AP)", "/AP", "AP/" ("AP" and "PA" are words and initials
    too)."""
    tag = _DATELINE_TAGS.get(agency, agency)
    # A name in a script written without spaces has no word boundary to set it off from the words around it.
    long_names = _long_names(agency, aliases)
    spaced = [name for name in long_names if not any(map(is_unspaced, name))]
    forms = [rf"(?i:\b(?:{alternation(spaced)})\b)"] if spaced else []
    if unspaced := [name for name in long_names if any(map(is_unspaced, name))]:
        forms.append(alternation(unspaced))
    if len(tag) > 2:
        forms.append(rf"\b{re.escape(tag)}\b")
    else:
        forms.append(rf"\({re.escape(tag)}\)|/\s*{re.escape(tag)}\b|\b{re.escape(tag)}\s*/")
    return re.compile("|".join(forms))


def credit_literals(agency: str, aliases: Sequence[str]) -> tuple[str, ...]:
    """Substrings a text holds wherever ``credit_pattern`` matches (the long names lower case, to be looked
    for in the case-folded text): a substring test is far cheaper than the pattern, and most texts hold none."""
    tag = _DATELINE_TAGS.get(agency, agency)
    long_names = set(_long_names(agency, aliases))
    return (tag, *sorted(long_names)) if tag.lower() not in long_names else tuple(sorted(long_names))
