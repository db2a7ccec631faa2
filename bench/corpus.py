"""Large benchmark corpora built from the shared data, with the variation a real feed has.

A feed is not 50,000 different stories: it is a few hundred stories told many times. From the ECB+ dev
events and the UCI dev headlines this builds, in a seeded mix:
- new write-ups of an ECB+ event (45 %): 8–20 sentences drawn from that event's articles in a new order,
  one of its headlines, a date near the event's own, one of a dozen outlets;
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


def build(count: int, seed: int = 11) -> list[dict]:
    """``count`` records mixing new write-ups, reprints and headlines (see the module's docstring)."""
    rng = random.Random(seed)
    events = _events()
    names = sorted(events)
    # Each event happens on a day of its own within a year; its coverage spreads over the next days.
    event_day = {name: datetime(2014, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(365)) for name in names}
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
            picked = rng.sample(sentences[name], min(len(sentences[name]), rng.randint(8, 20)))
            paragraphs = [" ".join(picked[index : index + 2]) for index in range(0, len(picked), 2)]
            title = rng.choice(events[name])["title"]
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
