"""Generated news sites with known page furniture, built from real news text (ECB+), for furniture benchmarks.

Each site has its own furniture, fixed for the site: a newsletter box, a house ad written as prose (three
sentences of real news text from events no article of the benchmark is about, so that no shape rule can
know it), a tip-line plea and a copyright footer, each put into some of its articles at the top, between
paragraphs or at the end. Some ECB+ articles are agency copy that two or three sites reprint whole: that
shared text is reuse and must stay. Every record remembers the character spans of the furniture put into
it, so precision and recall of furniture removal are exact, by character.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field

from common import DATA

_SITE_NAMES = ["Harbor Gazette", "Plains Courier", "Metro Ledger", "Summit Daily", "Lakeside Post", "Border Times"]


@dataclass
class Sites:
    """Generated articles (JSON-ready, with ``event``) and the furniture spans put into each one's text."""

    articles: list[dict] = field(default_factory=list)
    furniture: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # Pairs of article ids that reprint the same agency article.
    reprints: set[tuple[str, str]] = field(default_factory=set)


def _furniture_of(site: str, house_ad: list[str], rng: random.Random) -> list[str]:
    domain = site.lower().replace(" ", "") + ".com"
    return [
        f"Get the {site} morning briefing. Enter your email address to sign up. You can opt out at any time. "
        f"Thanks for signing up to the {site} newsletter!",
        " ".join(house_ad),
        f"Got a story? The {site} news desk pays for tips. Email tips@{domain} or call 0{rng.randrange(10**9)}.",
        f"© {site} Media {rng.randrange(1990, 2018)}. Reproduction of this material without written consent is "
        "prohibited.",
    ]


def generate(events: int = 24, seed: int = 11) -> Sites:
    rng = random.Random(seed)
    by_event: dict[str, list[dict]] = defaultdict(list)
    for line in (DATA / "ecbplus-dev.jsonl").read_text().splitlines():
        row = json.loads(line)
        by_event[row["event"]].append(row)
    names = sorted(by_event)
    rng.shuffle(names)
    chosen, spare = names[:events], names[events:]
    spare_sentences = [s for name in spare for row in by_event[name] for s in row["text"].splitlines()[1:]]
    spare_sentences = [s for s in spare_sentences if 12 <= len(s.split()) <= 30]
    furniture = {site: _furniture_of(site, rng.sample(spare_sentences, 3), rng) for site in _SITE_NAMES}
    sites = Sites()
    for day, event in enumerate(chosen):
        # Articles of a title and two sentences or more: a page of furniture alone is rejected, rightly.
        written = [row for row in by_event[event] if row["text"].count("\n") >= 2]
        for number, row in enumerate(written[:8]):
            # About one article in four (of those long enough) is agency copy that two or three sites reprint.
            # Reuse is reported from 40 shared words: reprinted copy is longer than that.
            reprinted = rng.random() < 0.25 and len(row["text"].split()) >= 60
            reprinted_by = rng.sample(_SITE_NAMES, rng.choice([2, 3])) if reprinted else [rng.choice(_SITE_NAMES)]
            copies = []
            for site in reprinted_by:
                record, spans = _page(row, site, furniture[site], rng)
                record["id"] = f"{row['doc_id']}@{site}"
                record["event"] = event
                record["published"] = f"2016-{1 + day // 28:02d}-{1 + day % 28:02d}T{8 + number:02d}:00:00"
                sites.articles.append(record)
                sites.furniture[record["id"]] = spans
                copies.append(record["id"])
            sites.reprints |= {(a, b) if a < b else (b, a) for a in copies for b in copies if a != b}
    return sites


def _page(row: dict, site: str, furniture: list[str], rng: random.Random) -> tuple[dict, list[tuple[int, int]]]:
    """The article as the site's page shows it: title, body paragraphs and some of the site's furniture."""
    title, *sentences = row["text"].splitlines()
    paragraphs = [" ".join(sentences[start : start + 3]) for start in range(0, len(sentences), 3)]
    pieces: list[tuple[str, bool]] = [(paragraph, False) for paragraph in paragraphs if paragraph]
    for block in rng.sample(furniture, rng.randint(2, len(furniture))):
        pieces.insert(rng.randint(0, len(pieces)), (block, True))
    text, spans = title, []
    for piece, is_furniture in pieces:
        text += "\n"
        if is_furniture:
            spans.append((len(text), len(text) + len(piece)))
        text += piece
    return {"title": title, "text": text, "source": site}, spans
