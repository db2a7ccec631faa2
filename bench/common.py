"""Shared helpers of the benchmark scripts: timing, a plain table, and bench/results.json."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from clustering.config import ReadConfig
from clustering.ingest.clean import clean_or_reject
from clustering.ingest.read import iter_inputs
from clustering.records import Article

RESULTS = Path(__file__).resolve().parent / "results.json"
# The embeddings of the dev sets, kept between benchmark runs.
EMBEDDING_CACHE = Path(tempfile.gettempdir()) / "storyline-bench-embeddings.sqlite"
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ECBPLUS_DEV = (DATA / "ecbplus-dev.jsonl", "event", {"id": "doc_id"})
UCI_DEV = (
    DATA / "uci-headlines-dev.csv",
    "story",
    {"text": "title", "published": "timestamp", "source": "publisher"},
)
GIVEME_DEV = (DATA / "giveme-dev.jsonl", "event", {})
T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def peak_gb() -> float:
    """This process's peak resident memory, in GB: Linux's VmHWM, which starts again at ``exec``
    (``ru_maxrss`` does not: a child started by a big process reports the parent's peak as its own)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1e6


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [header] + [[f"{value:.3f}" if isinstance(value, float) else str(value) for value in row] for row in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    print(f"\n{title}")
    for number, row in enumerate(cells):
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def save(section: str, payload: object) -> None:
    """Store one benchmark's results under ``section`` of bench/results.json, keeping the others."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[section] = payload
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def labelled_articles(path: Path, label_field: str, field_names: dict[str, str]) -> tuple[list[Article], list[str]]:
    """The cleaned articles of a labelled corpus and the gold story label of each."""
    pairs = [(fields, article) for fields, article in iter_inputs([path], ReadConfig(field_names=field_names))]
    gold_of = {article.id: str(fields[label_field]) for fields, article in pairs if article is not None}
    articles, _ = clean_or_reject([article for _, article in pairs if isinstance(article, Article)])
    return articles, [gold_of[article.id] for article in articles]
