"""Story threads: how linking stories into threads moves pairwise F1 against the dev sets' event labels.

    .venv/bin/python bench/bench_threads.py

A thread may hold several events (an arrival, then the sea trials), but no dev set here is labelled by
thread: each is labelled by event. So the measure is what threads do to the event labelling: a link
between two stories of one event (a story cut in two, a follow-up weeks later) raises pairwise F1, a link
between two events lowers it. ECB+ has no dates, and undated stories are never threaded, so its row is the
stories' own. "ECB+ threads, dates ignored" threads its stories as if all were of one day and scores them
against threads labelled by hand (``bench/data/ecbplus-threads.json``): each ECB+ topic pairs two events
of one kind, one thread when they share their protagonist (two title defences of one boxer), two when they
only share a kind or a place (two Paris jewel heists, two climbers in New Zealand): the topical neighbours
a thread must not join on resemblance alone.

Each dev set is run once through the pipeline (``Pipeline.run``, threads by the defaults), then its stories
are threaded again under every setting of a grid (``thread_stories``, what a run calls). Every setting is
chosen leave-one-dataset-out: for each set, the setting with the best worst F1 over the other sets (to
0.005: smaller differences are a few pairs), then the best mean, then the stricter setting (fewer links),
scored on the set held out.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ECBPLUS_DEV, EMBEDDING_CACHE, GIVEME_DEV, UCI_DEV, print_table, save

from clustering.config import Config, ReadConfig, ThreadConfig
from clustering.evaluate import score
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline
from clustering.records import Article, Story
from clustering.storage.workspace import Workspace
from clustering.stories.threads import thread_stories

DATASETS = {"ECB+ dev": ECBPLUS_DEV, "UCI dev": UCI_DEV, "giveme dev": GIVEME_DEV}
UNDATED_AS_ONE_DAY = "ECB+ threads, dates ignored"
ECBPLUS_THREADS = Path(__file__).resolve().parent / "data" / "ecbplus-threads.json"
SIMILARITIES = (0.6, 0.7, 0.8, 0.9)
RARITIES = (0.3, 0.4, 0.5)
SHARED_NAMES = (1, 2)
GAPS = (7.0, 14.0, 30.0, 60.0, 90.0)
NOISE = 0.005


@dataclasses.dataclass
class Threaded:
    """One dev set run once: what ``thread_stories`` needs, and the gold event of each scored article."""

    stories: list[Story]
    articles: list[Article]
    embeddings: np.ndarray
    gold: dict[str, str]

    def f1(self, config: ThreadConfig | None) -> float:
        """Pairwise F1 of threads (of stories when ``config`` is None) against the events."""
        stories = (
            self.stories if config is None else thread_stories(self.stories, self.articles, self.embeddings, {}, config)
        )
        group = {a: (s.story_id if config is None else s.thread_id) for s in stories for a in s.article_ids}
        scored = [article_id for article_id in self.gold if article_id in group]
        return score([self.gold[a] for a in scored], [group[a] for a in scored]).pairwise_f1


def _gold(path: Path, label_field: str, field_names: dict[str, str]) -> dict[str, str]:
    return {
        outcome.id: str(fields[label_field])
        for fields, outcome in iter_inputs([path], ReadConfig(field_names=field_names))
        if isinstance(outcome, Article) and fields.get(label_field) not in (None, "")
    }


def _run(path: Path, label_field: str, field_names: dict[str, str]) -> Threaded:
    config = Config(read=ReadConfig(field_names=field_names))
    with tempfile.TemporaryDirectory() as folder:
        pipeline = Pipeline(Workspace(Path(folder), EMBEDDING_CACHE), config)
        stories = pipeline.run([str(path)]).stories
        prepared = pipeline.prepare([])
    return Threaded(stories, prepared.articles, prepared.embeddings, _gold(path, label_field, field_names))


def _one_day_threads(threaded: Threaded) -> Threaded:
    """ECB+ with every story dated one day, scored against the hand-labelled threads."""
    day = datetime(2000, 1, 1, tzinfo=UTC)
    stories = [dataclasses.replace(story, first_published=day, last_published=day) for story in threaded.stories]
    same = set(json.loads(ECBPLUS_THREADS.read_text())["same_thread_topics"])
    gold = {
        article_id: topic if topic in same else event
        for article_id, event in threaded.gold.items()
        for topic in [event.split("_")[0]]
    }
    return dataclasses.replace(threaded, stories=stories, gold=gold)


def _noise_floor(f1: float) -> float:
    """F1 down to a multiple of 0.005: worst-set differences smaller than that (a few pairs; the tolerance
    the issues use for "unchanged") do not choose a setting."""
    return math.floor(f1 / NOISE + 1e-9) * NOISE


def _strictness(config: ThreadConfig) -> tuple[float, ...]:
    return (config.min_similarity, config.min_name_rarity, config.min_shared_names, -config.max_gap_days)


def main() -> None:
    sets = {name: _run(*spec) for name, spec in DATASETS.items()}
    sets[UNDATED_AS_ONE_DAY] = _one_day_threads(sets["ECB+ dev"])
    default = ThreadConfig()
    grid = [
        ThreadConfig(default.max_gap_days, similarity, rarity, names)
        for similarity, rarity, names in itertools.product(SIMILARITIES, RARITIES, SHARED_NAMES)
    ]
    f1 = {name: {config: threaded.f1(config) for config in grid} for name, threaded in sets.items()}
    stories_f1 = {name: threaded.f1(None) for name, threaded in sets.items()}

    rows = [["stories (no threads)", *(stories_f1[name] for name in sets), min(stories_f1.values())]]
    for config in grid:
        scores = [f1[name][config] for name in sets]
        label = f"similarity {config.min_similarity}, rarity {config.min_name_rarity}, names {config.min_shared_names}"
        rows.append([label + (" (default)" if config == default else ""), *scores, min(scores)])
    print_table(
        f"Threads, {default.max_gap_days:g}-day gap: pairwise F1 against events", ["threads", *sets, "worst"], rows
    )

    lodo = []
    for held_out in sets:
        others = [name for name in sets if name != held_out]
        chosen = max(
            grid,
            key=lambda c: (
                _noise_floor(min(f1[name][c] for name in others)),
                round(sum(f1[name][c] for name in others) / len(others), 3),
                _strictness(c),
            ),
        )
        lodo.append(
            [
                held_out,
                f"{chosen.min_similarity} / {chosen.min_name_rarity} / {chosen.min_shared_names}",
                stories_f1[held_out],
                f1[held_out][chosen],
                f1[held_out].get(default, sets[held_out].f1(default)),
            ]
        )
    print_table(
        "Leave one dataset out: setting chosen on the other sets (similarity / rarity / names), F1 on the held-out set",
        ["held out", "chosen", "stories", "threads, chosen", "threads, default"],
        lodo,
    )

    gaps = []
    for gap in GAPS:
        config = dataclasses.replace(default, max_gap_days=gap)
        gaps.append(
            [
                f"{gap:g} days" + (" (default)" if gap == default.max_gap_days else ""),
                *(sets[name].f1(config) for name in sets),
            ]
        )
    print_table("Thread gap (other settings default): pairwise F1 against events", ["gap", *sets], gaps)

    threaded = {name: thread_stories(t.stories, t.articles, t.embeddings, {}, default) for name, t in sets.items()}
    linked = []
    for name, stories in threaded.items():
        by_thread: dict[str, list[Story]] = {}
        for story in stories:
            by_thread.setdefault(story.thread_id, []).append(story)
        for members in by_thread.values():
            if len(members) > 1:
                linked.append([name, " || ".join(story.headline[:50] for story in members)])
    print_table("Threads of more than one story, defaults", ["set", "stories"], linked)
    save(
        "threads",
        {
            "stories": stories_f1,
            "default": {name: f1[name].get(default, sets[name].f1(default)) for name in sets},
            "lodo": {
                row[0]: {"chosen": row[1], "stories": row[2], "chosen_f1": row[3], "default_f1": row[4]} for row in lodo
            },
            "gaps": {row[0]: dict(zip(sets, row[1:], strict=True)) for row in gaps},
            "linked": linked,
        },
    )


if __name__ == "__main__":
    main()
