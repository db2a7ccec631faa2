"""The ``storyline`` command line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from clustering.config import PACKAGED_MODEL, EmbedConfig
from clustering.evaluate import evaluate_files
from clustering.ingest.fetch import is_url
from clustering.ingest.read import ARTICLE_FIELDS, InputError, check_inputs
from clustering.reuse.dedup import dedup_files
from clustering.storage.lock import DEFAULT_WAIT_SECONDS, StoreBusyError

app = typer.Typer(
    help="Find wire-copy reuse across news outlets and group articles into stories.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)

# Exit code of a run that completed but rejected some input records (see rejects.jsonl).
EXIT_REJECTS = 3


@app.callback()
def main() -> None:
    """Storyline."""


def _checked_inputs(values: list[str], resolve: bool = False) -> list[str]:
    """URLs as given; paths checked (a clear error and exit 1 for a missing or unsupported one)."""
    try:
        check_inputs([value for value in values if not is_url(value)])
    except InputError as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    return [value if is_url(value) or not resolve else str(Path(value).resolve()) for value in values]


@app.command()
def run(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Folders; .txt, .jsonl, .csv, .html, RSS/Atom files; http(s) URLs of pages or feeds."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the artifacts.")] = Path("artifacts"),
    model: Annotated[str, typer.Option(help="Embedding model: a folder or a locally cached name.")] = PACKAGED_MODEL,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
    dask: Annotated[
        str | None, typer.Option(help="Address of a dask.distributed scheduler to run the parallel tasks on.")
    ] = None,
    recluster: Annotated[
        bool,
        typer.Option(help="Cluster every stored article again, instead of assigning a few new ones to the stories."),
    ] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for another run on the same --out to finish before giving up.")
    ] = DEFAULT_WAIT_SECONDS,
) -> None:
    """Run the pipeline over INPUTS (default: seeds/) and write the artifacts into --out.

    Exit code 0: done, nothing rejected; 3: done, some records rejected (see rejects.jsonl); 1: failed.
    """
    paths = _checked_inputs(inputs or ["seeds"])
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.pipeline import pipeline_flow, pipeline_on_dask  # imports Prefect: only when a run needs it

    runner = pipeline_on_dask(dask) if dask else pipeline_flow
    try:
        report = runner(
            inputs=paths, out=str(out), model=model, show_progress=not quiet, recluster=recluster, wait_seconds=wait
        )
    except StoreBusyError as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    if not quiet:
        table = Table("count", "value", title=f"Storyline run → {out}")
        for name, value in report.counts.items():
            table.add_row(name, str(value))
        console.print(table)
    if report.counts.get("rejected"):
        raise typer.Exit(EXIT_REJECTS)


@app.command()
def dedup(
    inputs: Annotated[list[Path], typer.Argument(help="Folders of .txt, or .jsonl/.csv files.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file for the records.")],
    drop: Annotated[bool, typer.Option(help="Write only the first record of each duplicate group.")] = False,
    index: Annotated[Path | None, typer.Option(help="SQLite file keeping the index between runs.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
) -> None:
    """Stream records through the dedup index, adding `duplicate_of` and `reuse` to each.

    Bad records go to OUTPUT with `.rejects.jsonl` in place of its suffix. Exit code 0: done; 3: done with
    rejects; 1: failed.
    """
    try:
        check_inputs(inputs)
    except InputError as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    rejects = output.with_name(f"{output.stem}.rejects.jsonl")
    try:
        counts = dedup_files(inputs, output, rejects, index_path=index, drop=drop)
    except StoreBusyError as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    if not quiet:
        console.print(
            f"{counts.read} records: {counts.written} written to {output}, {counts.duplicates} duplicates, "
            f"{counts.rejected} rejected" + (f" (see {rejects})" if counts.rejected else ""),
            soft_wrap=True,
        )
    if counts.rejected:
        raise typer.Exit(EXIT_REJECTS)


def _field_names(mappings: list[str]) -> dict[str, str]:
    names = {}
    for mapping in mappings:
        ours, _, theirs = mapping.partition("=")
        if ours not in ARTICLE_FIELDS or not theirs:
            raise typer.BadParameter(
                f"{mapping!r}: expected FIELD=COLUMN with FIELD one of {', '.join(ARTICLE_FIELDS)}"
            )
        names[ours] = theirs
    return names


@app.command()
def evaluate(
    inputs: Annotated[list[Path], typer.Argument(help="Labelled .jsonl/.csv files.")],
    label: Annotated[str, typer.Option(help="The field holding the gold story label.")],
    field: Annotated[
        list[str] | None, typer.Option("--field", help="Read an article field from another column: text=title.")
    ] = None,
    model: Annotated[str, typer.Option(help="Embedding model: a folder or a locally cached name.")] = PACKAGED_MODEL,
    cache: Annotated[Path, typer.Option(help="Embedding cache (SQLite).")] = Path("artifacts/cache/embeddings.sqlite"),
) -> None:
    """Cluster labelled records as a run would and print pairwise and B-cubed F1 and the adjusted Rand index."""
    try:
        check_inputs(inputs)
    except InputError as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    result = evaluate_files(inputs, label, _field_names(field or []), EmbedConfig(model=model), cache)
    scores = result.scores
    table = Table("score", "value", title=f"{scores.n_articles} articles, {scores.n_gold_stories} gold stories")
    rows = [
        ("pairwise precision", scores.pairwise_precision),
        ("pairwise recall", scores.pairwise_recall),
        ("pairwise F1", scores.pairwise_f1),
        ("B-cubed F1", scores.bcubed_f1),
        ("adjusted Rand index", scores.adjusted_rand),
    ]
    for name, value in rows:
        table.add_row(name, f"{value:.3f}")
    table.add_row("predicted stories", str(scores.n_predicted_stories))
    table.add_row("left out (no label or rejected)", str(result.rejected))
    Console().print(table)


@app.command()
def serve(
    store: Annotated[Path, typer.Option(help="An output folder of `storyline run`, or its store.sqlite.")] = Path(
        "artifacts"
    ),
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the dashboard of stories over a store, read-only."""
    import uvicorn

    from clustering.publish.dashboard import create_app

    try:
        application = create_app(store)
    except FileNotFoundError as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    console.print(f"Storyline dashboard on http://{host}:{port}/", soft_wrap=True)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
def schedule(
    inputs: Annotated[
        list[str], typer.Argument(help="Folders, files or http(s) URLs of pages or feeds, read on every run.")
    ],
    cron: Annotated[str, typer.Option(help="When to run, as a cron expression.")] = "*/30 * * * *",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the store and artifacts.")] = Path("artifacts"),
    model: Annotated[str, typer.Option(help="Embedding model: a folder or a locally cached name.")] = PACKAGED_MODEL,
    name: Annotated[str, typer.Option(help="Name of the Prefect deployment.")] = "storyline-scheduled",
) -> None:
    """Serve the pipeline on a schedule (Prefect `flow.serve`); each run adds what is new in INPUTS.

    Runs until stopped. Every run is incremental: articles already in the store are not processed again.
    """
    # Resolved: the served runs may start in another working directory.
    paths = _checked_inputs(inputs, resolve=True)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.local_server import local_prefect_server
    from flows.pipeline import pipeline_flow

    parameters = {"inputs": paths, "out": str(out.resolve()), "model": model}
    if PREFECT_API_URL.value():
        pipeline_flow.serve(name=name, cron=cron, parameters=parameters)
        return
    # Prefect's embedded mode runs no scheduler: start a local server (SQLite, loopback) for as long as we serve.
    with local_prefect_server() as api_url, temporary_settings(updates={PREFECT_API_URL: api_url}):
        console.print(f"Prefect server for the schedule: {api_url.removesuffix('/api')}", soft_wrap=True)
        pipeline_flow.serve(name=name, cron=cron, parameters=parameters)
