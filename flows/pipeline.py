"""The Storyline pipeline as a Prefect flow: ingest (fetch, read, clean, store the new articles), then
cluster (reuse → embed → cluster → summarise → publish). ``flows.ingest`` and ``flows.cluster`` hold the
two halves as flows of their own.

Run it with ``storyline run`` or ``python -m flows.pipeline [INPUT ...]``. With no Prefect server
configured, Prefect runs it in its embedded local mode (SQLite under ~/.prefect).
"""

from __future__ import annotations

import argparse
from typing import Any

from prefect import Flow, flow

from clustering.records import RunReport
from flows.tasks import pipeline_for, publish_run_artifacts


@flow(name="storyline-pipeline", log_prints=False)
def pipeline_flow(
    inputs: list[str],
    out: str = "artifacts",
    recluster: bool = False,
    settings: dict[str, Any] | None = None,
    config_file: str | None = None,
    show_progress: bool = False,
    store: str | None = None,
) -> RunReport:
    """Read articles from ``inputs`` (files, folders, http(s) URLs of pages or feeds), group them into
    stories and write the artifacts into ``out``. ``recluster``: cluster every article again instead of
    assigning the new ones to the stored stories. ``settings`` update the configuration read from
    ``config_file`` and the environment, e.g. ``{"embed": {"model": "/models/minilm"}}``. ``store``: a
    PostgreSQL URL holding the store instead of ``out``'s SQLite file. The store is held for the whole
    run: another run on it waits for this one."""
    pipeline = pipeline_for(out, settings, config_file, show_progress, store)
    result = pipeline.run(inputs, recluster)
    publish_run_artifacts(result, out, pipeline.config.publish.dashboard_url)
    return result.report


def pipeline_on_dask(address: str) -> Flow:
    """The pipeline with its parallel tasks sent to the dask.distributed cluster at ``address``."""
    from prefect_dask import DaskTaskRunner

    return pipeline_flow.with_options(task_runner=DaskTaskRunner(address=address))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m flows.pipeline", description="Run the Storyline pipeline flow.")
    parser.add_argument("inputs", nargs="*", default=["seeds"], help="files, folders or http(s) URLs (default: seeds)")
    parser.add_argument("--out", default="artifacts", help="output folder (default: artifacts)")
    parser.add_argument("--config", help="a TOML file of settings")
    parser.add_argument("--recluster", action="store_true", help="cluster every stored article again")
    parser.add_argument("--store", help="a postgresql:// URL holding the store (default: a SQLite file in --out)")
    arguments = parser.parse_args()
    pipeline_flow(
        arguments.inputs, arguments.out, arguments.recluster, config_file=arguments.config, store=arguments.store
    )
