"""Clustering as a Prefect flow: the stored articles → reuse → embed → cluster → summarise → publish.

``cluster_flow`` runs over the store that ``ingest_flow`` fills; ``pipeline_flow`` runs both. The library
(``clustering.pipeline.Pipeline``) does the work; ``flows.tasks`` adds retries, cached embedding shards,
the progress display and Prefect artifacts.

    python -m flows.cluster [OUT] [--recluster]
"""

from __future__ import annotations

import argparse
from typing import Any

from prefect import flow

from clustering.records import RunReport
from flows.tasks import pipeline_for, publish_run_artifacts


@flow(name="storyline-cluster")
def cluster_flow(
    out: str = "artifacts",
    recluster: bool = False,
    settings: dict[str, Any] | None = None,
    config_file: str | None = None,
    store: str | None = None,
) -> RunReport:
    """Group the articles in the store (``out``'s, or the PostgreSQL ``store``; filled by ``ingest_flow``)
    into stories; publish them into ``out``. ``recluster``: cluster every article again instead of
    assigning the new ones to the stored stories. Waits for another run on the same store to finish
    (``run.lock_wait_seconds``)."""
    pipeline = pipeline_for(out, settings, config_file, show_progress=False, store=store)
    with pipeline.holding_store():
        result = pipeline.cluster(recluster=recluster)
    publish_run_artifacts(result, out, pipeline.config.publish.dashboard_url)
    return result.report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m flows.cluster", description="Group a store's articles.")
    parser.add_argument("out", nargs="?", default="artifacts", help="output folder (default: artifacts)")
    parser.add_argument("--config", help="a TOML file of settings")
    parser.add_argument("--recluster", action="store_true", help="cluster every stored article again")
    parser.add_argument("--store", help="a postgresql:// URL holding the store (default: a SQLite file in OUT)")
    arguments = parser.parse_args()
    cluster_flow(arguments.out, arguments.recluster, config_file=arguments.config, store=arguments.store)
