"""A generator of realistic wire-copy reuse built from real news text (ECB+), with the true shared spans.

From articles of the ECB+ development set it makes: whole reprints (an outlet's furniture around the copy,
light copy-edits such as "said" → "told reporters", reader comments after it), top-of-story trims, and
blocks of two or three paragraphs pasted into an unrelated article. Every paragraph remembers where it came
from, so the truth is exact: two articles share text when they hold copies of the same source paragraphs,
at least ``min_words`` words of them, and the true spans are those paragraphs' character ranges.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import DATA

ECBPLUS = DATA / "ecbplus-dev.jsonl"
_COMMENTS = [
    "Great reporting, thanks for covering this.",
    "I can't believe nobody saw this coming!!",
    "Where is the government in all of this?",
    "Shared this with my family, stay safe everyone.",
]
_OUTLETS = ["Daily Courier", "Morning Post", "City Herald", "Evening Star", "The Chronicle", "Valley News"]
_AGENCIES = ["Reuters", "AFP", "AP"]

Piece = tuple[str, tuple[str, int] | None]  # paragraph text, (source article id, paragraph index) or None


@dataclass
class Corpus:
    """Generated articles (JSON-ready records) and the true pairs with their spans in each article's text."""

    articles: list[dict] = field(default_factory=list)
    # (a, b) with a < b → {article id: [[start, end], ...]}
    truth: dict[tuple[str, str], dict[str, list[list[int]]]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    # Each derived article's wire article (the original of every copy of it).
    wire_of: dict[str, str] = field(default_factory=dict)
    # A reprint of a reprint → the reprint it copied.
    copied_from: dict[str, str] = field(default_factory=dict)

    def true_original(self, first: str, second: str) -> str | None:
        """Who the other copied in a true pair: the wire when one side is it, the reprint a re-reprint
        copied; ``None`` for two copies of the same wire, neither of which copied the other."""
        for one, other in ((first, second), (second, first)):
            if self.wire_of.get(other) == one or self.copied_from.get(other) == one:
                return one
        return None


def _paragraphs(text: str) -> list[str]:
    sentences = [line.strip() for line in text.splitlines()[1:] if len(line.split()) >= 4]
    return [" ".join(sentences[index : index + 2]) for index in range(0, len(sentences), 2)]


def _distinct_sources(rows: list[dict], count: int, rng: random.Random) -> list[dict]:
    """Articles sharing no run of six words: ECB+ holds reprints and rewrites of wire copy of its own."""
    rng.shuffle(rows)
    seen: set[tuple[str, ...]] = set()
    chosen = []
    for row in rows:
        words = re.findall(r"\w+", " ".join(row["text"].splitlines()[1:]).lower())
        shingles = {tuple(words[index : index + 6]) for index in range(len(words) - 5)}
        paragraphs = _paragraphs(row["text"])
        if shingles & seen or len(paragraphs) < 4 or sum(len(p.split()) for p in paragraphs) < 150:
            continue
        seen |= shingles
        chosen.append(row)
        if len(chosen) == count:
            break
    return chosen


def _copy_edit(paragraph: str, rng: random.Random) -> str:
    edited = re.sub(r"\bsaid\b", lambda m: "told reporters" if rng.random() < 0.5 else m.group(), paragraph)
    words = edited.split()
    if len(words) > 12 and rng.random() < 0.5:
        del words[rng.randrange(3, len(words) - 3)]
    if len(words) > 12 and rng.random() < 0.3:
        words.insert(rng.randrange(3, len(words) - 3), rng.choice(["reportedly", "also", "on Monday"]))
    return " ".join(words)


def _render(title: str, pieces: list[Piece], head: list[str], tail: list[str]) -> tuple[str, dict]:
    parts = [title, *head]
    origins: dict[tuple[str, int], tuple[int, int, int]] = {}
    text = "\n\n".join(parts) + "\n\n"
    for paragraph, origin in pieces:
        if origin is not None:
            origins[origin] = (len(text), len(text) + len(paragraph), len(paragraph.split()))
        text += paragraph + "\n\n"
    text += "\n\n".join(tail)
    return text.rstrip() + "\n", origins


def generate(
    count: int = 120, seed: int = 7, min_words: int = 40, source: Path = ECBPLUS, own_pastes: bool = False
) -> Corpus:
    """``count`` source articles and about ``count * 2.5`` derived ones. ``own_pastes``: a block is pasted
    by the outlet that reprinted the wire whole, as it printed it (newsrooms reuse their own background
    paragraphs), into a report of its own on another event, wherever there is such a reprint."""
    rng = random.Random(seed)
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    sources = _distinct_sources(rows, count * 2, rng)
    count = min(count, len(sources) // 2)  # ECB+ dev holds about 300 articles distinct enough
    originals, hosts = sources[:count], sources[count:]
    corpus = Corpus()
    origins_of: dict[str, dict[tuple[str, int], tuple[int, int, int]]] = {}
    start = datetime(2020, 1, 1, tzinfo=UTC)

    def add(
        article_id: str,
        kind: str,
        title: str,
        pieces: list[Piece],
        day: int,
        outlet: str,
        head: list[str] = (),
        tail: list[str] = (),
    ) -> None:
        text, origins = _render(title, pieces, list(head), list(tail))
        published = (start + timedelta(days=day, hours=rng.randrange(24))).isoformat()
        corpus.articles.append(
            {"id": article_id, "title": title, "text": text, "source": outlet, "published": published}
        )
        corpus.kinds[article_id] = kind
        origins_of[article_id] = origins

    for number, row in enumerate(originals):
        day = number * 3
        paragraphs = _paragraphs(row["text"])
        title = row["text"].splitlines()[0]
        agency = _AGENCIES[number % len(_AGENCIES)]
        wire = [(f"LONDON ({agency}) - {paragraphs[0]}", (row["doc_id"], 0))]
        wire += [(paragraph, (row["doc_id"], index)) for index, paragraph in enumerate(paragraphs) if index]
        add(f"{row['doc_id']}-wire", "original", title, wire, day, agency)
        wire_id = f"{row['doc_id']}-wire"
        reprinted: tuple[str, list[Piece]] | None = None
        if number % 5 != 4:  # whole reprint with furniture, copy-edits and comments
            copy = [(_copy_edit(text, rng), origin) for text, origin in wire]
            furniture = ["Share:", f"{rng.randint(1, 6)} min read"]
            outlet = rng.choice(_OUTLETS)
            add(
                f"{row['doc_id']}-reprint",
                "reprint",
                title,
                copy,
                day + 1,
                outlet,
                furniture,
                ["Comments", f"{rng.randint(2, 40)} responses to “{title}”", rng.choice(_COMMENTS), "Leave a Reply"],
            )
            corpus.wire_of[f"{row['doc_id']}-reprint"] = wire_id
            reprinted = (outlet, copy)
            if number % 4 == 1:  # another outlet reprints the reprint, its copy-edits and all, a day later
                again = [(_copy_edit(text, rng), origin) for text, origin in copy]
                other = rng.choice([name for name in _OUTLETS if name != outlet])
                add(f"{row['doc_id']}-rereprint", "reprint of a reprint", title, again, day + 2, other)
                corpus.wire_of[f"{row['doc_id']}-rereprint"] = wire_id
                corpus.copied_from[f"{row['doc_id']}-rereprint"] = f"{row['doc_id']}-reprint"
        if number % 3 == 0:  # top-of-story trim: the first two or three paragraphs and an outlet's own line
            keep = wire[: rng.choice([2, 3])]
            own = [("Our correspondent adds that the story is developing and will be updated.", None)]
            add(f"{row['doc_id']}-trim", "trim", title, keep + own, day + 1, rng.choice(_OUTLETS))
            corpus.wire_of[f"{row['doc_id']}-trim"] = wire_id
        if number % 2 == 0:  # a block pasted into an unrelated report
            host = hosts[number % len(hosts)]
            host_paragraphs = [(p, (host["doc_id"], i)) for i, p in enumerate(_paragraphs(host["text"]))]
            first = rng.randrange(0, max(1, len(wire) - 2))
            size = rng.choice([2, 3])
            paster = None
            if own_pastes and reprinted is not None:
                paster, block = reprinted[0], reprinted[1][first : first + size]
            else:
                block = [(_copy_edit(text, rng), origin) for text, origin in wire[first : first + size]]
            at = rng.randrange(1, len(host_paragraphs))
            pieces = host_paragraphs[:at] + block + host_paragraphs[at:]
            add(
                f"{host['doc_id']}-paste{number}",
                "paste",
                host["text"].splitlines()[0],
                pieces,
                day + 2,
                paster or rng.choice(_OUTLETS),
            )
            corpus.wire_of[f"{host['doc_id']}-paste{number}"] = wire_id
    for host in hosts[: count // 2]:  # untouched reports: negatives, some about the same events as originals
        own = [(p, (host["doc_id"], i)) for i, p in enumerate(_paragraphs(host["text"]))]
        add(
            f"{host['doc_id']}-own",
            "own",
            host["text"].splitlines()[0],
            own,
            rng.randrange(count * 3),
            rng.choice(_OUTLETS),
        )

    ids = [article["id"] for article in corpus.articles]
    for index, first in enumerate(ids):
        for second in ids[index + 1 :]:
            common = origins_of[first].keys() & origins_of[second].keys()
            shared = sum(min(origins_of[first][key][2], origins_of[second][key][2]) for key in common)
            if shared >= min_words:
                corpus.truth[(first, second)] = {
                    article: sorted([list(origins_of[article][key][:2]) for key in common])
                    for article in (first, second)
                }
    return corpus
