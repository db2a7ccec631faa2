"""Dedup benchmark corpora with known answers, made of new sentences or of recurring real ones.

``news_like``: originals of about 300 words written by a word chain (order 2) trained on the ECB+ and
giveme dev articles, so that no sentence of theirs is in the data; near-duplicates of earlier originals
with a site's furniture around them and a few words edited; reports with a pasted 60-word block of an
earlier original (reuse, not a near-duplicate). ``recurring``: collages of real dev sentences drawn with a
skew, so that many sentences recur across documents (what makes passage search expensive), with
near-duplicates of earlier collages. Every record is a JSON-ready dict; ``Truth`` says which are which.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from common import DATA

_FURNITURE_HEAD = [
    "Share this article",
    "Sign up for our morning newsletter and get the day's top stories in your inbox",
    "Follow us on Twitter and Facebook",
    "Advertisement",
]
_FURNITURE_TAIL = [
    "Read more: the latest from our newsroom",
    "Copyright 2026 {site}. All rights reserved.",
    "Comments are closed for this article",
    "Photo credit: staff photographer",
]
_SITES = ["Harbor Gazette", "Plains Courier", "Metro Ledger", "Summit Daily", "Lakeside Post", "Border Times"]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Truth:
    """Which records are near-duplicates (of which original) and which carry a pasted block (of which)."""

    near_duplicates: dict[str, str] = field(default_factory=dict)
    pasted: dict[str, str] = field(default_factory=dict)


def _dev_sentences() -> list[str]:
    sentences = []
    for name in ("ecbplus-dev.jsonl", "giveme-dev.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            for paragraph in json.loads(line)["text"].splitlines():
                sentences += [s for s in _SENTENCE_END.split(paragraph) if len(s.split()) >= 6]
    return sentences


def _chain(sentences: list[str]) -> dict[tuple[str, str], list[str]]:
    chain: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sentence in sentences:
        words = ["", "", *sentence.split(), ""]
        for first, second, following in zip(words, words[1:], words[2:], strict=False):
            chain[first, second].append(following)
    return chain


def _written_sentence(chain: dict[tuple[str, str], list[str]], rng: random.Random) -> str:
    words: list[str] = []
    state = ("", "")
    while len(words) < 60:
        following = rng.choice(chain[state])
        if not following:
            break
        words.append(following)
        state = (state[1], following)
    return " ".join(words)


def _paragraphs(sentences: list[str]) -> str:
    return "\n\n".join(" ".join(sentences[start : start + 3]) for start in range(0, len(sentences), 3))


def _document(next_sentence: Callable[[], str], words: int = 300) -> str:
    sentences: list[str] = []
    while sum(len(sentence.split()) for sentence in sentences) < words:
        sentences.append(next_sentence())
    return _paragraphs(sentences)


def _edited(text: str, vocabulary: list[str], rng: random.Random, edits: int) -> str:
    words = text.split(" ")
    for position in rng.sample(range(len(words)), min(edits, len(words))):
        words[position] = rng.choice(vocabulary)
    return " ".join(words)


def _with_furniture(text: str, rng: random.Random) -> str:
    site = rng.choice(_SITES)
    head = rng.sample(_FURNITURE_HEAD, 2)
    tail = [line.format(site=site) for line in rng.sample(_FURNITURE_TAIL, 2)]
    return "\n".join([*head, text, *tail])


def _with_pasted_block(text: str, source: str, rng: random.Random, words: int = 60) -> str:
    source_words = source.split()
    start = rng.randrange(max(1, len(source_words) - words))
    block = " ".join(source_words[start : start + words])
    paragraphs = text.split("\n\n")
    paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), block)
    return "\n\n".join(paragraphs)


def _corpus(
    originals: list[str], rng: random.Random, vocabulary: list[str], duplicates: int, pasted: int, prefix: str
) -> tuple[list[dict], Truth]:
    """Originals in order, each near-duplicate and pasted report placed after the original it copies. A
    title is eight words of the vocabulary (not the lead's first words, which a page header would repeat)."""
    titles = [" ".join(rng.choices(vocabulary, k=8)) for _ in originals]
    records = [
        {"id": f"{prefix}-{number}", "title": title, "text": text}
        for number, (title, text) in enumerate(zip(titles, originals, strict=True))
    ]
    truth = Truth()
    placed: list[tuple[int, dict]] = [(number, record) for number, record in enumerate(records)]
    for number in range(duplicates + pasted):
        source = rng.randrange(len(originals) - 1)
        record_id = f"{prefix}-{'dup' if number < duplicates else 'paste'}-{number}"
        if number < duplicates:
            text = _with_furniture(_edited(originals[source], vocabulary, rng, rng.randint(2, 5)), rng)
            truth.near_duplicates[record_id] = f"{prefix}-{source}"
        else:
            own = originals[rng.randrange(len(originals))]
            text = _with_pasted_block(_edited(own, vocabulary, rng, 40), originals[source], rng)
            truth.pasted[record_id] = f"{prefix}-{source}"
        title = titles[source] if number < duplicates else " ".join(rng.choices(vocabulary, k=8))
        placed.append((rng.randint(source + 1, len(originals)), {"id": record_id, "title": title, "text": text}))
    placed.sort(key=lambda item: item[0])
    return [record for _, record in placed], truth


def news_like(
    originals: int = 5_000, duplicates: int = 1_000, pasted: int = 500, seed: int = 7
) -> tuple[list[dict], Truth]:
    """Generated news: sentences written by a word chain, so none recurs by chance."""
    rng = random.Random(seed)
    sentences = _dev_sentences()
    chain = _chain(sentences)
    vocabulary = [word for sentence in sentences[:2_000] for word in sentence.split()]
    texts = [_document(lambda: _written_sentence(chain, rng)) for _ in range(originals)]
    return _corpus(texts, rng, vocabulary, duplicates, pasted, "news")


def recurring(originals: int = 5_000, duplicates: int = 1_000, seed: int = 7) -> tuple[list[dict], Truth]:
    """Collages of real sentences drawn with a skew (a few hundred recur in hundreds of documents)."""
    rng = random.Random(seed)
    sentences = sorted(set(_dev_sentences()))
    rng.shuffle(sentences)
    cumulative = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(sentences))))
    vocabulary = [word for sentence in sentences[:2_000] for word in sentence.split()]
    texts = [_document(lambda: rng.choices(sentences, cum_weights=cumulative)[0]) for _ in range(originals)]
    return _corpus(texts, rng, vocabulary, duplicates, 0, "collage")
