"""What Prefect adds to a library run (``clustering.pipeline.Pipeline``): each step a task, with retries on
I/O; embedding shards as cached, persisted tasks on the flow's task runner; a progress display; artifacts.
The flows build their ``Pipeline`` with ``pipeline_for``."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from clustering.config import Config, EmbedConfig
from clustering.config_files import load_config
from clustering.embed.embedding import embed_texts, vector_kind
from clustering.pipeline import Pipeline, RunResult
from clustering.records import Reject
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.workspace import STORE_VARIABLE, Workspace
from flows.results import NumpySerializer, content_key

T = TypeVar("T")
# (retries, seconds between them) per step: the network and the disk fail; computing steps are not retried.
# Fetching and reading are never cached either: a feed or a folder says something new on every run.
STAGE_RETRIES = {"fetch": (3, 10), "read": (2, 2), "publish": (2, 1)}


# Steps whose work is already tasks: embedding submits its shards to the flow's task runner, which a task
# cannot do from a Dask worker (the shards would be pickled into it).
UNWRAPPED_STAGES = {"embed"}


def prefect_stage(name: str, step: Callable[[], T]) -> T:
    """A step of the run as a Prefect task. Its results are large in-memory objects: not cached or
    persisted. The step takes no arguments, so Prefect never walks the articles looking for futures."""
    if name in UNWRAPPED_STAGES:
        return step()
    retries, delay = STAGE_RETRIES.get(name, (0, 0))
    as_task = task(name=name, cache_policy=NO_CACHE, persist_result=False, retries=retries, retry_delay_seconds=delay)
    return as_task(step)()


def _shard_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    config: EmbedConfig = parameters["config"]
    return content_key("embed", *vector_kind(config), *parameters["texts"])


# Keyed on the texts and the model setting, never on a model object; persisted as .npy, so a run started
# again after a crash takes the shards it already embedded from Prefect's result store.
@task(
    cache_key_fn=_shard_key, persist_result=True, result_serializer=NumpySerializer(), retries=2, retry_delay_seconds=2
)
def embed_shard(texts: list[str], config: EmbedConfig, cache_path: str) -> np.ndarray:
    """Embed one shard of texts; shards run in parallel on the flow's task runner (threads, or Dask)."""
    cache = EmbeddingCache(cache_path)
    try:
        return embed_texts(texts, config, cache)
    finally:
        cache.close()


def prefect_shards(shards: list[list[str]], config: EmbedConfig, cache_path: str) -> Iterator[np.ndarray]:
    """Every shard submitted at once to the task runner; their vectors given back in order."""
    futures = [embed_shard.submit(shard, config, cache_path) for shard in shards]
    for future in futures:
        yield future.result()


@contextmanager
def _bar(description: str, total: int) -> Iterator[Callable[[int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as progress:
        bar = progress.add_task(description, total=total)
        yield lambda done: progress.advance(bar, done)


def progress_bars(show: bool) -> Callable[[str, int], AbstractContextManager[Callable[[int], None] | None]]:
    return _bar if show else (lambda description, total: nullcontext(None))


def pipeline_for(
    out: str, settings: dict[str, Any] | None, config_file: str | None, show_progress: bool, store: str | None = None
) -> Pipeline:
    """The library's run object over ``out`` (and the PostgreSQL ``store``: by default the environment's
    ``STORYLINE_STORE``, so that a deployment's workers reach the store without its URL among the flow
    parameters Prefect records), its steps run as Prefect tasks. ``settings`` update the configuration
    (nested by part, as in a settings file: ``{"embed": {"model": "..."}}``) over ``config_file`` and the
    ``STORYLINE_*`` environment."""
    config: Config = load_config(config_file, settings)
    return Pipeline(
        Workspace(Path(out), database=store or os.environ.get(STORE_VARIABLE) or None),
        config,
        stage_runner=prefect_stage,
        embed_shards=prefect_shards,
        progress=progress_bars(show_progress),
        log=get_run_logger().info,
    )


def rejects_markdown(rejects: list[Reject], shown: int = 50) -> str:
    """A markdown section listing the first ``shown`` rejects, for a run's Prefect artifact."""
    lines = "\n".join(f"- `{reject.id or reject.origin}`: {reject.reason}" for reject in rejects[:shown])
    more = f"\n- … and {len(rejects) - shown} more (see rejects.jsonl)" if len(rejects) > shown else ""
    return f"## Rejects\n{lines or 'none'}{more}\n"


def artifact_key(kind: str, out: str) -> str:
    """A Prefect artifact key of its own for each store: runs of different stores never share one."""
    digest = hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:10]
    return f"storyline-{kind}-{digest}"


def publish_run_artifacts(result: RunResult, out: str, dashboard_url: str | None) -> None:
    """The stories that appeared or changed, the counts, timings and rejects, and the dashboard's link:
    ``dashboard_url`` (the served dashboard, setting ``publish.dashboard_url``), else the file."""
    report = result.report
    create_table_artifact(
        key=artifact_key("stories", out),
        table=[
            {
                "story": story.story_id,
                "headline": story.headline,
                "articles": len(story.article_ids),
                "first": story.first_published.date().isoformat() if story.first_published else "",
                "last": story.last_published.date().isoformat() if story.last_published else "",
                "keywords": ", ".join(story.keywords),
            }
            for story in result.changed
        ],
        description=f"Stories that appeared or changed in this run of {out}",
    )
    counts = "\n".join(f"| {name} | {value} |" for name, value in report.counts.items())
    timings = "\n".join(f"| {name} | {seconds:.2f} |" for name, seconds in report.stage_seconds.items())
    dashboard = dashboard_url or (Path(out).resolve() / "dashboard.html").as_uri()
    create_markdown_artifact(
        key=artifact_key("run", out),
        markdown=(
            f"# Storyline run of `{out}`\n\n| count | value |\n|---|---|\n{counts}\n\n"
            f"| stage | seconds |\n|---|---|\n{timings}\n\n{rejects_markdown(result.rejects)}\n"
            f"Dashboard: {dashboard}\n"
        ),
        description="Counts, timings and rejects",
    )
    create_link_artifact(
        key=artifact_key("dashboard", out),
        link=dashboard,
        link_text="Storyline dashboard",
        description="The static dashboard of this run (or serve the store with `storyline serve`)",
    )
