"""Many small runs into one store, as a schedule feeds ``storyline run``: how far its stories end from
clustering everything at once.

    .venv/bin/python bench/bench_small_runs.py [--first 0.8] [--step 0.01] [--sets ECB+ UCI giveme mixed]

For each dev set (all of its stories) and the three mixed into one feed: a run over the oldest ``--first``
of it (in the order a feed brings them: ``resamples.arrival_order``), then runs of ``--step`` of it each,
into the same store, until all of it is in. Printed per set: pairwise F1 of one run over everything, of the
store after the last small run, the loss, how many of the small runs clustered everything again (a run
counts what the runs since the last re-clustering assigned against ``run.incremental_share``: README,
"Assignment, run after run"), and the small runs' seconds, in this process with embeddings cached.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_resamples import SETS
from common import EMBEDDING_CACHE, print_table, save
from resamples import GOLD, arrival_order, draws, load_set, mixed, write_records

from clustering.config import Config
from clustering.evaluate import evaluate_files, score
from clustering.pipeline import Pipeline
from clustering.records import article_stories
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.workspace import Workspace


def small_runs(records: list[dict], order: list[int], first: float, step: float, folder: Path) -> tuple[dict, int, int]:
    """The story of each article after a run over the first ``first`` of ``records`` (in ``order``) and
    runs of ``step`` each after it, into one store in ``folder``; how many runs there were after the first,
    and how many of them clustered everything again."""
    store = Workspace(folder / "store", EMBEDDING_CACHE)
    size = max(1, round(len(order) * step))
    batches = [order[: round(len(order) * first)]]
    batches += [order[start : start + size] for start in range(len(batches[0]), len(order), size)]
    reclustered = 0
    for number, batch in enumerate(batches):
        result = Pipeline(store, Config()).run(
            [str(write_records([records[row] for row in batch], folder / f"{number}.jsonl"))]
        )
        reclustered += int(number > 0 and result.report.reclustered)
    story_of = article_stories(result.stories)
    return story_of, len(batches) - 1, reclustered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=float, default=0.8, help="share of each set in the first run")
    parser.add_argument("--step", type=float, default=0.01, help="share of each set in every run after it")
    parser.add_argument("--sets", nargs="*", default=[*SETS, "mixed"])
    options = parser.parse_args()
    cache = EmbeddingCache(EMBEDDING_CACHE)
    loaded = {name: load_set(name, *fields, cache) for name, fields in SETS.items()}
    loaded["mixed"] = mixed(list(loaded.values()))
    rows = []
    for name in options.sets:
        whole = draws(loaded[name], 0)[-1]  # all of its stories
        gold_of = {record["id"]: record[GOLD] for record in whole.records}
        with tempfile.TemporaryDirectory(prefix="storyline-small-runs-") as folder:
            at_once = evaluate_files(
                [write_records(whole.records, Path(folder) / "all.jsonl")], GOLD, Config(), EMBEDDING_CACHE
            )
            ids = list(at_once.story_of)
            started = time.perf_counter()
            story_of, runs, reclustered = small_runs(
                whole.records, arrival_order(whole, loaded[name]), options.first, options.step, Path(folder)
            )
            seconds = time.perf_counter() - started
        everything = score([gold_of[i] for i in ids], [at_once.story_of[i] for i in ids]).pairwise_f1
        after = score([gold_of[i] for i in ids], [story_of[i] for i in ids]).pairwise_f1
        rows.append(
            [name, len(ids), everything, after, f"{everything - after:+.3f}", f"{reclustered} of {runs}", seconds]
        )
    header = ["set", "articles", "F1, all at once", "F1 after the small runs", "loss", "clustered again", "seconds"]
    print_table(f"A first run over {options.first:.0%} of each set, then runs of {options.step:.0%}", header, rows)
    save(
        "small_runs",
        {"first": options.first, "step": options.step, "rows": [dict(zip(header, row, strict=True)) for row in rows]},
    )


if __name__ == "__main__":
    main()
