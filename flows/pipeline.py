"""The Storyline pipeline as a Prefect flow: ingest (fetch, read, clean, store the new articles), then
cluster (reuse → embed → cluster → summarise → publish). ``flows.ingest`` and ``flows.cluster`` hold the
two halves, each also a flow of its own.

Run it with ``storyline run`` or ``python -m flows.pipeline [INPUT ...]``. With no Prefect server
configured, Prefect runs it in its embedded local mode (SQLite under ~/.prefect).
"""

from __future__ import annotations

import sys
from pathlib import Path

from prefect import Flow, flow, get_run_logger

from clustering.config import PACKAGED_MODEL
from clustering.records import RunReport
from clustering.storage.lock import DEFAULT_WAIT_SECONDS, exclusive
from flows.cluster import cluster
from flows.ingest import STORE_NAME, ingest


@flow(name="storyline-pipeline", log_prints=False)
def pipeline_flow(
    inputs: list[str],
    out: str = "artifacts",
    model: str = PACKAGED_MODEL,
    show_progress: bool = False,
    recluster: bool = False,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
) -> RunReport:
    """Read articles from ``inputs`` (files, folders, http(s) URLs of pages or feeds), group them into
    stories and write the artifacts into ``out``. ``recluster``: cluster every article again instead of
    assigning the new ones to the stored stories. The store is held for the whole run (ingest and
    cluster): another run on it waits up to ``wait_seconds`` for this one."""
    with exclusive(Path(out) / STORE_NAME, wait_seconds, get_run_logger().warning):
        return cluster(out, model, ingest(inputs, out), show_progress, recluster)


def pipeline_on_dask(address: str) -> Flow:
    """The pipeline with its parallel tasks sent to the dask.distributed cluster at ``address``."""
    from prefect_dask import DaskTaskRunner

    return pipeline_flow.with_options(task_runner=DaskTaskRunner(address=address))


if __name__ == "__main__":
    pipeline_flow(inputs=sys.argv[1:] or ["seeds"])
