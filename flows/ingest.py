"""Ingestion as a Prefect flow: fetch URLs (pages, RSS/Atom feeds), read files and folders, clean, and add
the articles not seen before to the store as pending, for the next clustering run.

    python -m flows.ingest INPUT [INPUT ...]        # files, folders or http(s) URLs; store under artifacts/
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from clustering.ingest.clean import clean_articles
from clustering.ingest.fetch import is_url, land
from clustering.ingest.read import read_inputs
from clustering.records import ReadResult, Reject
from clustering.storage.lock import DEFAULT_WAIT_SECONDS, exclusive
from clustering.storage.store import StoryStore, split_new

STORE_NAME = "store.sqlite"
INBOX_NAME = "inbox"


@dataclass
class Ingested:
    """What one ingestion saw: records in, articles added to the store, known ones skipped, rejects."""

    read: int = 0
    added: int = 0
    known: int = 0
    rejects: list[Reject] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)


def rejects_markdown(rejects: list[Reject], shown: int = 50) -> str:
    """A markdown section listing the first ``shown`` rejects, for a run's Prefect artifact."""
    lines = "\n".join(f"- `{reject.id or reject.origin}`: {reject.reason}" for reject in rejects[:shown])
    more = f"\n- … and {len(rejects) - shown} more (see rejects.jsonl)" if len(rejects) > shown else ""
    return f"## Rejects\n{lines or 'none'}{more}\n"


# Never cached: a feed or a folder says something new on every run. Retried: the network fails.
@task(cache_policy=NO_CACHE, persist_result=False, retries=3, retry_delay_seconds=10)
def fetch_task(urls: list[str], inbox: str, page_cache: str) -> list[Reject]:
    return land(urls, inbox, page_cache)


@task(cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=2)
def read_task(inputs: list[str]) -> ReadResult:
    return read_inputs(inputs)


def ingest(inputs: list[str], out: str) -> Ingested:
    """Fetch, read and clean ``inputs``; add the new articles to the store in ``out``."""
    urls = [value for value in inputs if is_url(value)]
    paths = [value for value in inputs if not is_url(value)]
    fetch_rejects: list[Reject] = []
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    if urls:
        inbox = Path(out) / INBOX_NAME
        fetch_rejects = fetch_task(urls, str(inbox), str(Path(out) / "cache" / "pages"))
        paths.append(str(inbox))
        seconds["fetch"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
    read = read_task(paths)
    store = StoryStore(Path(out) / STORE_NAME)
    try:
        new, conflicts, known = split_new(store.texts(), read.articles)
        # Cleaned once, here: the store keeps each article as read and what cleaning found in it.
        cleaned, empty = clean_articles(new)
        added = store.add_articles(cleaned)
    finally:
        store.close()
    seconds["read"] = round(time.perf_counter() - start, 3)
    rejects = [*fetch_rejects, *read.rejects, *conflicts, *empty]
    records = len(read.articles) + len(read.rejects)
    get_run_logger().info(
        "Read %d records: %d new, %d already stored, %d rejected", records, added, known, len(rejects)
    )
    return Ingested(read=records, added=added, known=known, rejects=rejects, stage_seconds=seconds)


@flow(name="storyline-ingest")
def ingest_flow(
    inputs: list[str], out: str = "artifacts", wait_seconds: float = DEFAULT_WAIT_SECONDS
) -> dict[str, int]:
    """Add the new articles of ``inputs`` to the store in ``out``; ``cluster_flow`` groups them later.
    Waits up to ``wait_seconds`` for another run on the same store to finish."""
    with exclusive(Path(out) / STORE_NAME, wait_seconds, get_run_logger().warning):
        result = ingest(inputs, out)
    counts = {"read": result.read, "added": result.added, "already_stored": result.known}
    counts["rejected"] = len(result.rejects)
    rows = "\n".join(f"| {name} | {value} |" for name, value in counts.items())
    create_markdown_artifact(
        key="storyline-ingest",
        markdown=f"# Storyline ingestion\n\n| count | value |\n|---|---|\n{rows}\n\n{rejects_markdown(result.rejects)}",
        description="Articles added to the store (pending until the next clustering run), and rejects",
    )
    return counts


if __name__ == "__main__":
    ingest_flow(inputs=sys.argv[1:] or ["seeds"])
