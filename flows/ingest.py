"""Ingestion as a Prefect flow: fetch URLs (pages, RSS/Atom feeds), read files and folders, clean, and add
the articles not seen before to the store as pending, for the next clustering run.

    python -m flows.ingest INPUT [INPUT ...]        # files, folders or http(s) URLs; store under artifacts/
    python -m flows.ingest INPUT --store postgresql://…   # one of several workers filling one store

Ingestion holds no lock: the store takes each article id once, whoever adds it, and a clustering run makes
its own only the pending articles it read. Workers on several machines fill one PostgreSQL store at once.
"""

from __future__ import annotations

import argparse
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from flows.tasks import artifact_key, pipeline_for, rejects_markdown


@flow(name="storyline-ingest")
def ingest_flow(
    inputs: list[str],
    out: str = "artifacts",
    settings: dict[str, Any] | None = None,
    config_file: str | None = None,
    store: str | None = None,
) -> dict[str, Any]:
    """Add the new articles of ``inputs`` to the store (``out``'s, or the PostgreSQL ``store``);
    ``cluster_flow`` groups them later. Fetched pages land in ``out``'s inbox."""
    result = pipeline_for(out, settings, config_file, show_progress=False, store=store).ingest(inputs)
    counts = {"read": result.read, "added": result.added, "already_stored": len(result.already_stored_ids)}
    counts["rejected"] = len(result.rejects)
    counts["warnings"] = len(result.warnings)
    rows = "\n".join(f"| {name} | {value} |" for name, value in counts.items())
    counts["skipped"] = [{"path": path, "reason": reason} for path, reason in result.skipped]
    create_markdown_artifact(
        key=artifact_key("ingest", out),
        markdown=f"# Storyline ingestion\n\n| count | value |\n|---|---|\n{rows}\n\n{rejects_markdown(result.rejects)}",
        description=f"Articles added to the store in {out} (pending until the next clustering run), and rejects",
    )
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m flows.ingest", description="Add new articles to a store.")
    parser.add_argument("inputs", nargs="*", default=["seeds"], help="files, folders or http(s) URLs (default: seeds)")
    parser.add_argument("--out", default="artifacts", help="output folder (default: artifacts)")
    parser.add_argument("--config", help="a TOML file of settings")
    parser.add_argument("--store", help="a postgresql:// URL holding the store (default: a SQLite file in --out)")
    arguments = parser.parse_args()
    ingest_flow(arguments.inputs, arguments.out, config_file=arguments.config, store=arguments.store)
