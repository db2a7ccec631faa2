"""Clustering as a Prefect flow: the stored articles → reuse → embed → cluster → summarise → publish.

``cluster_flow`` runs over the store that ``ingest_flow`` fills; ``pipeline_flow`` runs both. The library
(``clustering.pipeline.Pipeline``) does the work; ``flows.tasks`` adds retries, cached embedding shards,
the progress display and Prefect artifacts.

    python -m flows.cluster [OUT]
"""

from __future__ import annotations

import sys
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
) -> RunReport:
    """Group the articles in the store in ``out`` (filled by ``ingest_flow``) into stories; publish them.
    ``recluster``: cluster every article again instead of assigning the new ones to the stored stories.
    Waits for another run on the same store to finish (``run.lock_wait_seconds``)."""
    pipeline = pipeline_for(out, settings, config_file, show_progress=False)
    with pipeline.holding_store():
        result = pipeline.cluster(recluster=recluster)
    publish_run_artifacts(result, out)
    return result.report


if __name__ == "__main__":
    cluster_flow(out=sys.argv[1] if len(sys.argv) > 1 else "artifacts")
