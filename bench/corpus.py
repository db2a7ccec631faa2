"""Large benchmark corpora built from the shared data, with the variation a real feed has.

A feed is many stories, each told by many outlets. From the ECB+ dev events and the UCI dev headlines this
builds, in a seeded mix:
- new write-ups of an ECB+ event (45 %): 8–20 sentences drawn from that event's articles in a new order and
  reworded (words dropped, swapped or added, so that two write-ups share the event's words and names but
  not runs of its text, as two outlets' own reports do), one of its headlines, a date near the event's own,
  one of a dozen outlets. Each event recurs as several stories months apart (an "incarnation" each), so
  that stories average about 40 write-ups whatever the corpus size;
- reprints of an earlier write-up (20 %): the same copy with an outlet's furniture around it, light
  copy-edits and a reader comment after it, a day or two later;
- headline-only items from the UCI sample (35 %), with their outlet and time.
Every record is a JSON-ready dict with a unique id.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from common import DATA
from reprints import _COMMENTS, _OUTLETS, _copy_edit

_MORE_OUTLETS = [*_OUTLETS, "Coastal Times", "Northern Ledger", "Metro Daily", "The Observer", "River Gazette"]
_FURNITURE_HEAD = ["Share this article", "Follow us on Twitter", "Advertisement"]
_FURNITURE_TAIL = ["Related stories", "Copyright 2014. All rights reserved.", "Comments"]


def _events() -> dict[str, list[dict]]:
    events: dict[str, list[dict]] = defaultdict(list)
    for line in (DATA / "ecbplus-dev.jsonl").read_text().splitlines():
        row = json.loads(line)
        events[row["event"]].append(row)
    return dict(events)


def _headlines() -> list[dict]:
    with (DATA / "uci-headlines-dev.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


_WRITE_UPS_PER_STORY = 40
_FILLERS = ["also", "then", "reportedly", "meanwhile", "still", "now", "again"]


def _reword(sentence: str, rng: random.Random) -> str:
    """The sentence with about a third of its words dropped, swapped with the next, or given a filler."""
    words = sentence.split()
    result: list[str] = []
    index = 0
    while index < len(words):
        draw = rng.random()
        if draw < 0.12:  # dropped
            index += 1
            continue
        if draw < 0.24 and index + 1 < len(words):  # swapped with the next
            result += [words[index + 1], words[index]]
            index += 2
            continue
        if draw < 0.36:
            result.append(rng.choice(_FILLERS))
        result.append(words[index])
        index += 1
    return " ".join(result)


def build(count: int, seed: int = 11) -> list[dict]:
    """``count`` records mixing new write-ups, reprints and headlines (see the module's docstring)."""
    rng = random.Random(seed)
    events = _events()
    incarnations = max(1, round(count * 0.45 / (_WRITE_UPS_PER_STORY * len(events))))
    names = [(event, copy) for event in sorted(events) for copy in range(incarnations)]
    # Each incarnation of an event happens on a day of its own, within ten years; coverage follows it.
    event_day = {name: datetime(2010, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(3650)) for name in names}
    sentences = {
        name: [line for row in rows for line in row["text"].splitlines()[1:] if len(line.split()) >= 5]
        for name, rows in events.items()
    }
    headlines = _headlines()
    records: list[dict] = []
    write_ups: list[dict] = []
    while len(records) < count:
        number = len(records)
        draw = rng.random()
        if draw < 0.35:
            row = rng.choice(headlines)
            records.append(
                {
                    "id": f"h{number}",
                    "title": row["title"],
                    "text": row["title"],
                    "source": row["publisher"],
                    "published": int(row["timestamp"]) + rng.randrange(0, 3_600_000),
                }
            )
        elif draw < 0.55 and write_ups:
            original = rng.choice(write_ups)
            body = "\n\n".join(_copy_edit(paragraph, rng) for paragraph in original["text"].split("\n\n")[1:])
            head = rng.sample(_FURNITURE_HEAD, 2)
            tail = [*rng.sample(_FURNITURE_TAIL, 2), rng.choice(_COMMENTS)]
            published = datetime.fromisoformat(original["published"]) + timedelta(hours=rng.randrange(1, 48))
            records.append(
                {
                    "id": f"r{number}",
                    "title": original["title"],
                    "text": "\n\n".join([original["title"], *head, body, *tail]),
                    "source": rng.choice(_MORE_OUTLETS),
                    "published": published.isoformat(),
                }
            )
        else:
            name = rng.choice(names)
            event = name[0]
            picked = rng.sample(sentences[event], min(len(sentences[event]), rng.randint(8, 20)))
            picked = [_reword(sentence, rng) for sentence in picked]
            paragraphs = [" ".join(picked[index : index + 2]) for index in range(0, len(picked), 2)]
            title = rng.choice(events[event])["title"]
            published = event_day[name] + timedelta(hours=rng.randrange(0, 96))
            record = {
                "id": f"w{number}",
                "title": title,
                "text": "\n\n".join([title, *paragraphs]),
                "source": rng.choice(_MORE_OUTLETS),
                "published": published.isoformat(),
            }
            write_ups.append(record)
            records.append(record)
    return records
