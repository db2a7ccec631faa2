"""The story store on SQLite (the embedded default) and on PostgreSQL (``--store postgresql://…``): ingest
by one writer and by two at once, reading every article back, and a run's save.

    .venv/bin/python bench/bench_store.py [--articles 20000]

Articles: generated, about 150 words each, added in batches of 1,000 as ``storyline ingest`` adds them
(``StoryStore.add_articles``). Two writers are two processes started together on one store, each with
its own half of the articles plus a tenth of the other's (stored once, by whichever comes first). The
PostgreSQL server is a throwaway one on loopback (``bench/postgresql_server.py``) with fsync on, as SQLite
syncs its write-ahead log at each commit. Ratios are against SQLite for the same operation, in the same
run: this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, save
from postgresql_server import PostgreSQLUnavailable, throwaway_postgresql

from clustering.records import Article, FinishedRun
from clustering.storage.store import StoryStore

BATCH = 1000


def _articles(first: int, count: int) -> list[Article]:
    rng = random.Random(first)
    words = [f"word{n}" for n in range(5000)]
    return [
        Article(id=f"article-{n}", title=f"Headline {n}", text=" ".join(rng.choices(words, k=150)))
        for n in range(first, first + count)
    ]


def _ingest(location: str, articles: list[Article], ready=None) -> tuple[float, int]:
    store = StoryStore(location)
    if ready is not None:
        ready.wait()
    start = time.perf_counter()
    added = sum(len(store.add_articles(articles[i : i + BATCH])) for i in range(0, len(articles), BATCH))
    seconds = time.perf_counter() - start
    store.close()
    return seconds, added


def _two_writers(location: str, count: int) -> tuple[float, int]:
    half, overlap = count // 2, count // 10
    shares = [_articles(0, half + overlap), _articles(half - overlap, count - half + overlap)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        ready = manager.Barrier(2)
        results = [future.result() for future in [pool.submit(_ingest, location, share, ready) for share in shares]]
    return max(seconds for seconds, _ in results), sum(added for _, added in results)


def _measure(name: str, location: str, articles: list[Article]) -> list[list[object]]:
    one_seconds, one_added = _ingest(location, articles)
    store = StoryStore(location)
    start = time.perf_counter()
    read = store.articles()
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    store.save_run(FinishedRun([], read=store.pending()))
    save_seconds = time.perf_counter() - start
    store.close()
    assert one_added == len(read) == len(articles)
    return [
        [name, "ingest, 1 writer", one_seconds, len(articles) / one_seconds],
        [name, "read every article", read_seconds, len(articles) / read_seconds],
        [name, "save a run (all pending)", save_seconds, len(articles) / save_seconds],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20000)
    count = parser.parse_args().articles
    articles = _articles(0, count)
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as folder:
        rows += _measure("SQLite", str(Path(folder) / "one.sqlite"), articles)
        seconds, added = _two_writers(str(Path(folder) / "two.sqlite"), count)
        assert added == count
        rows.append(["SQLite", "ingest, 2 writers at once", seconds, count / seconds])
        try:
            with throwaway_postgresql(fsync=True) as new_database:
                rows += _measure("PostgreSQL", new_database(), articles)
                seconds, added = _two_writers(new_database(), count)
                assert added == count
                rows.append(["PostgreSQL", "ingest, 2 writers at once", seconds, count / seconds])
        except PostgreSQLUnavailable as reason:
            print(f"PostgreSQL rows left out: {reason}")
    baseline = {operation: rate for name, operation, _, rate in rows if name == "SQLite"}
    table = [[*row, row[3] / baseline[row[1]]] for row in rows]
    print_table(
        f"The story store, {count:,} articles (ratio: articles/s against SQLite's, same operation, same run)",
        ["store", "operation", "seconds", "articles/s", "ratio"],
        table,
    )
    save(
        "store",
        {
            "articles": count,
            "rows": [
                dict(zip(["store", "operation", "seconds", "per_second", "ratio"], row, strict=True)) for row in table
            ],
        },
    )


if __name__ == "__main__":
    main()
