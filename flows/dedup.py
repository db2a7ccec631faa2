"""The dedup filter as a Prefect flow, for other teams' flows to call as a subflow.

from flows.dedup import dedup_flow
counts = dedup_flow(inputs=["feed.jsonl"], output="deduped.jsonl", level="document", drop=True)
"""

from __future__ import annotations

import argparse
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from clustering.config import DEDUP_LEVELS, DEFAULT_DEDUP_LEVEL, Config, DedupLevel
from clustering.config_files import load_config
from flows.dedup_files import DedupCounts, dedup_files


@task(cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=2)
def dedup_task(
    inputs: list[str],
    output: str,
    level: DedupLevel,
    index_path: str | None,
    drop: bool,
    lsh_storage: dict | None,
    config: Config,
) -> DedupCounts:
    # A retried run starts again from its inputs: the output is replaced atomically and the index answers
    # the records it already holds as it did, so nothing is written twice.
    return dedup_files(
        inputs, output, level=level, index_path=index_path, drop=drop, lsh_storage=lsh_storage, config=config
    )


@flow(name="storyline-dedup")
def dedup_flow(
    inputs: list[str],
    output: str,
    level: DedupLevel = DEFAULT_DEDUP_LEVEL,
    index_path: str | None = None,
    drop: bool = False,
    lsh_storage: dict | None = None,
    settings: dict[str, Any] | None = None,
    config_file: str | None = None,
) -> DedupCounts:
    """Mark near-copies (``level="document"``) or reprints and reused passages (``"passage"``) in ``inputs``;
    write the records to ``output``, as ``storyline dedup`` does.
    ``settings`` update the configuration read from ``config_file`` and the environment, as for
    ``pipeline_flow``: ``{"reuse": {"min_shared_words": 60}}``."""
    config = load_config(config_file, settings)
    counts = dedup_task(inputs, output, level, index_path, drop, lsh_storage, config)
    get_run_logger().info("%s", counts)
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m flows.dedup", description="Mark reprints in records.")
    parser.add_argument("inputs", nargs="+", help="folders of .txt, or .jsonl/.csv files")
    parser.add_argument("--output", "-o", required=True, help="JSONL file for the records")
    parser.add_argument("--level", choices=DEDUP_LEVELS, default=DEFAULT_DEDUP_LEVEL, help="what to find")
    parser.add_argument("--index", help="SQLite file keeping the index between runs")
    parser.add_argument("--drop", action="store_true", help="write only the first record of each duplicate group")
    parser.add_argument("--config", help="a TOML file of settings")
    arguments = parser.parse_args()
    dedup_flow(
        arguments.inputs,
        arguments.output,
        arguments.level,
        arguments.index,
        arguments.drop,
        config_file=arguments.config,
    )
