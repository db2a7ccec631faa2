"""The ``storyline`` command line: above the library and the flows (``run`` and ``schedule`` go through
Prefect; ``dedup``, ``evaluate``, ``serve`` and ``config`` use the library alone)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from clustering.config import DEDUP_LEVELS, DEFAULT_DEDUP_LEVEL, Config
from clustering.config_files import ConfigError, config_toml, load_config
from clustering.ingest.fields import ARTICLE_FIELDS
from clustering.records import RunReport
from clustering.storage.outputs import OutputError
from clustering.storage.workspace import STORE_FILE, STORE_VARIABLE

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

    from clustering.evaluate import Evaluation, PairCorrelations

# The library's heavier parts (the pipeline and its models, SQLAlchemy, HTTP, Prefect) are imported by the
# commands that use them: `storyline --version` and `--help` start in a fraction of a second.

app = typer.Typer(
    help="Find wire-copy reuse across news outlets and group articles into stories.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    # Click's own help layout: the rich one shows "<bool>" after every flag.
    rich_markup_mode=None,
    # A traceback's local variables would print whole articles.
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)

# Exit code of a run that completed but rejected some input records (see rejects.jsonl).
EXIT_REJECTS = 3
# Exit code of a run or ingest that read no article from its inputs (nothing there, nothing readable, or
# every record rejected): not a success, though nothing failed.
EXIT_NOTHING_READ = 4

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="A TOML file of settings (see `storyline config`); STORYLINE_* variables win."),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help=f"A postgresql:// URL holding the store, for writers on several machines (default: {STORE_VARIABLE} "
        "from the environment, which Prefect does not record as a parameter; else a SQLite file in --out). Keep "
        "its password in PGPASSWORD or ~/.pgpass rather than in the URL.",
    ),
]
FieldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="Read an article field from another column, FIELD=COLUMN (repeatable): text=body, title=headline. "
        "Without one, common names are read too (headline, body, content, date, pubDate, outlet, publisher, link).",
    ),
]
ModelOption = Annotated[
    str | None, typer.Option(help="Embedding model: a folder or a locally cached name (the setting embed.model).")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"storyline {metadata.version('storyline')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Storyline."""


def _fail(message: object) -> typer.Exit:
    # Escaped: a message quotes paths and input ("[/x]" in a file name would be read as markup).
    console.print(f"[red]error:[/red] {escape(str(message))}", soft_wrap=True, highlight=False)
    return typer.Exit(1)


def _storage_failure(error: DBAPIError | OSError) -> typer.Exit:
    """One line for a store or a disk that failed: the driver's or the system's own words, never the
    statement or the records it carried."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError):
        reason = str(error.orig).splitlines()[0] if error.orig is not None else type(error).__name__
        return _fail(f"the store failed: {reason}")
    return _fail(f"{error.strerror or error}" + (f": {error.filename}" if error.filename else ""))


def _quiet_prefect(verbose: bool) -> None:
    """Prefect's log lines only when asked for: the summary says what a person needs, and a failure is
    one line (Prefect logs a failed flow's whole traceback)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    if not verbose:
        for logger in ("FLOW_RUNS", "TASK_RUNS"):
            os.environ.setdefault(f"PREFECT_LOGGING_LOGGERS_PREFECT_{logger}_LEVEL", "CRITICAL")


def _checked_inputs(values: list[str], resolve: bool = False) -> list[str]:
    """URLs as given; paths checked (a clear error and exit 1 for a missing or unsupported one)."""
    from clustering.ingest.read import InputError, check_inputs, is_url

    try:
        check_inputs([value for value in values if not is_url(value)])
    except InputError as error:
        raise _fail(error) from error
    return [value if is_url(value) or not resolve else str(Path(value).resolve()) for value in values]


def _checked_store(store: str | None) -> str | None:
    """The PostgreSQL store a command works on (``store``, else the environment's), checked before any flow
    starts: a clear error for one that is not a PostgreSQL URL or cannot be opened."""
    from sqlalchemy.exc import OperationalError

    from clustering.storage.database import is_database_url, shown
    from clustering.storage.store import StoryStore

    store = store or os.environ.get(STORE_VARIABLE) or None
    if store is None:
        return None
    if not is_database_url(store):
        raise _fail(f"--store takes a postgresql:// URL, not {store!r} (a SQLite store is the file in --out)")
    try:
        StoryStore(store).close()  # reachable, and its schema brought up to date
    except OperationalError as error:
        raise _fail(f"cannot open the store {shown(store)}: {error.orig}") from error
    return store


def _settings(model: str | None = None, wait: float | None = None, fields: list[str] | None = None) -> dict[str, Any]:
    """Command-line options as settings, nested by part as in a settings file."""
    settings: dict[str, Any] = {}
    if model is not None:
        settings["embed"] = {"model": model}
    if wait is not None:
        settings["run"] = {"lock_wait_seconds": wait}
    if fields:
        settings["read"] = {"field_names": _field_names(fields)}
    return settings


def _config(path: Path | None, settings: dict[str, Any]) -> Config:
    try:
        return load_config(path, settings)
    except ConfigError as error:
        raise _fail(error) from error


@app.command()
def run(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Folders; .txt, .jsonl, .csv, .html, RSS/Atom files; http(s) URLs of pages or feeds."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the artifacts.")] = Path("artifacts"),
    config: ConfigOption = None,
    model: ModelOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Prefect's INFO log lines too.")] = False,
    dask: Annotated[
        str | None, typer.Option(help="Address of a dask.distributed scheduler to run the parallel tasks on.")
    ] = None,
    recluster: Annotated[
        bool,
        typer.Option(help="Cluster every stored article again, instead of assigning a few new ones to the stories."),
    ] = False,
    wait: Annotated[
        float | None,
        typer.Option(help="Seconds to wait for another run on the same --out to finish (run.lock_wait_seconds)."),
    ] = None,
    store: StoreOption = None,
    field: FieldOption = None,
) -> None:
    """Run the pipeline over INPUTS (default: seeds/) and write the artifacts into --out.

    Exit code 0: done, nothing rejected; 3: done, some records rejected (see rejects.jsonl); 4: no article
    read from the inputs (the reason on standard error); 1: failed.
    """
    from sqlalchemy.exc import DBAPIError

    from clustering.storage.lock import StoreBusyError
    from clustering.stories.same_story import load_same_story_model

    paths = _checked_inputs(inputs or ["seeds"])
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out} is a file: give a folder (it will hold the store and the artifacts)")
    _checked_store(store)
    settings = _settings(model, wait, field)
    pair_model = _config(config, settings).cluster.pair_model  # a bad setting is a clear error here
    if pair_model:
        try:
            load_same_story_model(pair_model)
        except ValueError as error:
            raise _fail(error) from error
    _quiet_prefect(verbose)
    from flows.local_server import prefect_api

    try:
        with prefect_api() as api_ready:
            from flows.pipeline import pipeline_flow, pipeline_on_dask  # Prefect and the model, while it boots

            runner = pipeline_on_dask(dask) if dask else pipeline_flow
            api_ready()
            report = runner(
                inputs=paths,
                out=str(out),
                recluster=recluster,
                settings=settings,
                config_file=str(config) if config else None,
                show_progress=not quiet and console.is_terminal,
                store=store,
            )
    except StoreBusyError as error:
        raise _fail(error) from error
    except (DBAPIError, OSError) as error:
        raise _storage_failure(error) from error
    if not quiet:
        _print_summary(report, out)
    counts = report.counts
    _exit_if_nothing_read(paths, counts["in"], counts["accepted"] + counts["already_stored"], report.skipped)
    if counts.get("rejected"):
        raise typer.Exit(EXIT_REJECTS)


def _exit_if_nothing_read(paths: list[str], records: int, articles: int, skipped: list[dict[str, str]]) -> None:
    """Say on standard error why no article was read, and exit with ``EXIT_NOTHING_READ``; else nothing."""
    from clustering.ingest.read import SUPPORTED_SUFFIXES

    if articles:
        return
    where = ", ".join(paths)
    if records:
        why = f"none of the {records} records in {where} is an article: every one was rejected (see rejects.jsonl)"
    elif skipped:
        reasons = "; ".join(f"{row['path']}: {row['reason']}" for row in skipped[:3])
        more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
        why = f"no input records in {where}: {len(skipped)} files skipped, {reasons}{more}"
    else:
        why = f"no input records in {where}: no file of a supported kind ({', '.join(SUPPORTED_SUFFIXES)}) there"
    console.print(f"[yellow]nothing read:[/yellow] {escape(why)}", soft_wrap=True)
    raise typer.Exit(EXIT_NOTHING_READ)


def _print_summary(report: RunReport, out: Path) -> None:
    """What the run did and where to look next, on standard output."""
    counts = report.counts
    changes = ", ".join(f"{counts[f'{kind}_stories']} {kind}" for kind in ("new", "grown", "merged", "split"))
    # Which way the run went: a re-clustering can move stored articles, and takes longer.
    how = "every article clustered again" if report.reclustered else "new articles assigned to the stored stories"
    lines = [
        f"{counts['stories']} stories from {counts['articles']} articles in {out}/ "
        f"({counts['accepted']} new this run, {counts['already_stored']} already stored, "
        f"{counts['rejected']} rejected, {counts['reuse_pairs']} pairs sharing text)",
        f"  stories changed: {changes} ({how})",
        f"  dashboard: {out / 'dashboard.html'}  (or serve it: storyline serve --store {out})",
        f"  stories:   {out / 'stories.json'}",
    ]
    if counts["rejected"]:
        lines.append(f"  rejects:   {out / 'rejects.jsonl'} (each with its reason)")
    for row in report.skipped[:5]:
        lines.append(f"  skipped:   {row['path']}: {row['reason']}")
    if len(report.skipped) > 5:
        lines.append(f"  skipped:   … and {len(report.skipped) - 5} more files (run.json lists them)")
    for row in report.warnings[:5]:
        where = f"{row['origin']}:{row['line']}" if "line" in row else row["origin"]
        lines.append(f"  warning:   {where}: {row['reason']}")
    if len(report.warnings) > 5:
        lines.append(f"  warning:   … and {len(report.warnings) - 5} more records (run.json lists them)")
    typer.echo("\n".join(lines))


@app.command()
def ingest(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Folders; .txt, .jsonl, .csv, .html, RSS/Atom files; http(s) URLs of pages or feeds."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for fetched pages (and the store).")] = Path(
        "artifacts"
    ),
    config: ConfigOption = None,
    store: StoreOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    field: FieldOption = None,
) -> None:
    """Add the new articles of INPUTS to the store, pending until the next run clusters them.

    Takes no lock: several ingest workers, on several machines with --store postgresql://…, fill one
    store at once, each article id stored once. Exit code 0: done; 3: done with rejects; 1: failed.
    """
    from sqlalchemy.exc import DBAPIError

    from clustering.storage.database import shown

    paths = _checked_inputs(inputs)
    used_store = _checked_store(store)
    settings = _settings(fields=field)
    _config(config, settings)
    _quiet_prefect(verbose=False)
    from flows.local_server import prefect_api

    try:
        with prefect_api() as api_ready:
            from flows.ingest import ingest_flow  # imports Prefect while the server boots

            api_ready()
            counts = ingest_flow(
                inputs=paths, out=str(out), settings=settings, config_file=str(config) if config else None, store=store
            )
    except (DBAPIError, OSError) as error:
        raise _storage_failure(error) from error
    if not quiet:
        where = shown(used_store) if used_store else out / STORE_FILE
        typer.echo(
            f"{counts['read']} records: {counts['added']} added to {where}, {counts['already_stored']} already "
            f"stored, {counts['rejected']} rejected, {counts['warnings']} read without a value they gave (the log "
            "names each)"
        )
    _exit_if_nothing_read(paths, counts["read"], counts["added"] + counts["already_stored"], counts["skipped"])
    if counts["rejected"]:
        raise typer.Exit(EXIT_REJECTS)


@app.command()
def dedup(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="Folders of .txt, or .jsonl/.json/.csv files; - for standard input (see --stdin)."),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="File for the records: CSV when every input is CSV (unless named .jsonl), else JSONL; "
            "- for standard output (or a pipe, FIFO or device).",
        ),
    ],
    level: Annotated[
        str,
        typer.Option(
            help="document: mark near-copies of a record seen before (duplicate_of), to filter copies out "
            "in front of search, training or analytics. passage: also find the passages shared with "
            "earlier records, each against one source, and who copied whom (duplicate_of and reuse); "
            "several times slower."
        ),
    ] = DEFAULT_DEDUP_LEVEL,
    rejects: Annotated[
        str | None,
        typer.Option(
            help="JSONL file for the rejected records (default: OUTPUT's name with .rejects.jsonl; "
            "standard error when OUTPUT is not a file)."
        ),
    ] = None,
    drop: Annotated[bool, typer.Option(help="Write only the first record of each duplicate group.")] = False,
    index: Annotated[Path | None, typer.Option(help="SQLite file keeping the index between runs.")] = None,
    redis: Annotated[
        str | None,
        typer.Option(
            help="--level passage: keep the index in Redis (redis://HOST:PORT/DB), shared by every dedup "
            "process naming it, when it outgrows one machine's memory."
        ),
    ] = None,
    stdin: Annotated[str, typer.Option(help="The format of standard input (-): jsonl or csv.")] = "jsonl",
    config: ConfigOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    field: FieldOption = None,
) -> None:
    """Stream records through the dedup index, adding `duplicate_of` (and `reuse` at --level passage).

    Records go out in input order as they are decided, a batch of at most 2,000 at a time (200 at --level
    passage: what has arrived while the previous batch was decided). Bad records go to --rejects (default: OUTPUT with
    `.rejects.jsonl` in place of its suffix, or standard error when OUTPUT is `-`, a pipe or a device). An
    output that is an input, the index, a folder or a read-only file is refused before anything is read.
    Exit code 0: done; 3: done with rejects; 1: failed.
    """
    _checked_inputs([str(path) for path in inputs])
    if level not in DEDUP_LEVELS:
        raise typer.BadParameter(f"{level!r}: expected one of {', '.join(DEDUP_LEVELS)}", param_hint="--level")
    from clustering.ingest.read import RECORD_FORMATS

    if stdin not in RECORD_FORMATS:
        raise typer.BadParameter(f"{stdin!r}: expected {' or '.join(RECORD_FORMATS)}", param_hint="--stdin")
    if redis is not None and (level != "passage" or index is not None):
        raise typer.BadParameter("Redis holds the passage level's index, instead of --index", param_hint="--redis")
    settings = _config(config, _settings(fields=field))
    from clustering.storage.shingle_sets import ShingleSettingsError
    from flows.dedup_files import dedup_files, rejects_path

    failures: tuple[type[Exception], ...] = (OutputError, ShingleSettingsError)
    if index is not None:
        from clustering.storage.lock import StoreBusyError  # the lock reads the database layer: 0.2 s

        failures += (StoreBusyError,)

    rejects = rejects or rejects_path(output)
    try:
        counts = dedup_files(
            inputs,
            output,
            rejects,
            level=level,  # type: ignore[arg-type]  # checked above
            index_path=index,
            drop=drop,
            lsh_storage=_redis_storage(redis) if redis is not None else None,
            standard_input=stdin,  # type: ignore[arg-type]
            config=settings,
        )
    except failures as error:
        raise _fail(error) from error
    except BrokenPipeError:
        # The reader of the output stopped (`| head`): it took what it wanted; end quietly, as filters do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    if not quiet:
        console.print(
            f"{counts.read} records: {counts.written} written to {output}, {counts.duplicates} duplicates, "
            f"{counts.rejected} rejected" + (f" (see {rejects})" if counts.rejected else ""),
            soft_wrap=True,
        )
    if counts.rejected:
        raise typer.Exit(EXIT_REJECTS)


def _redis_storage(url: str) -> dict:
    """datasketch's Redis storage settings for ``redis://HOST:PORT/DB``; the tables and articles are keys
    named ``storyline``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "redis" or not parts.hostname:
        raise typer.BadParameter(f"{url!r}: expected redis://HOST:PORT/DB", param_hint="--redis")
    database = parts.path.strip("/") or "0"
    if not database.isdigit():
        raise typer.BadParameter(f"{url!r}: the database is a number", param_hint="--redis")
    connection = {"host": parts.hostname, "port": parts.port or 6379, "db": int(database)}
    return {"type": "redis", "redis": connection, "basename": b"storyline"}


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
    inputs: Annotated[list[Path], typer.Argument(help="Labelled .jsonl/.csv files, or the articles --pairs names.")],
    label: Annotated[str | None, typer.Option(help="The field holding the gold story label.")] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(help="A CSV of scored pairs (columns a,b,overall; lang_a,lang_b optional), as SemEval's."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as one JSON object.")] = False,
    field: FieldOption = None,
    config: ConfigOption = None,
    model: ModelOption = None,
    cache: Annotated[
        Path | None, typer.Option(help="Embedding cache (SQLite) to keep between evaluations; none by default.")
    ] = None,
) -> None:
    """Run the pipeline over labelled records, as `storyline run` would into a new folder, and print
    pairwise and B-cubed F1 and the adjusted Rand index of its stories and of their events against the
    labels (score each level against the labels that match it: events for event labels such as ECB+'s,
    stories for running stories). With --pairs, print the Pearson correlation of the run's same-story
    similarity with the pairs' -overall (1: the same story, 4: unrelated), overall, within one language
    and across two."""
    if (label is None) == (pairs is None):
        raise typer.BadParameter("give --label (stories against labels) or --pairs (scored pairs), one of them")
    _checked_inputs([str(path) for path in inputs] + ([str(pairs)] if pairs else []))
    settings = _settings(model, fields=field)
    run_config = _config(config, settings)
    with console.status(f"Running the pipeline over {', '.join(map(str, inputs))}"):
        from clustering.evaluate import evaluate_files, evaluate_pairs

        try:
            if pairs is not None:
                correlations = evaluate_pairs(inputs, pairs, run_config, cache)
            else:
                result = evaluate_files(inputs, str(label), run_config, cache)
        except ValueError as error:
            raise _fail(error) from error
    if pairs is not None:
        _print_correlations(correlations, as_json)
    else:
        _print_scores(result, as_json)


def _print_correlations(correlations: PairCorrelations, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(asdict(correlations)))
        return
    table = Table("pairs", "count", "Pearson with -overall", title="the run's same-story similarity")
    for name, count, value in (
        ("all", correlations.pairs, correlations.pearson),
        ("one language", correlations.same_language_pairs, correlations.pearson_same_language),
        ("across languages", correlations.cross_language_pairs, correlations.pearson_cross_language),
    ):
        table.add_row(name, str(count), "-" if value is None else f"{value:.3f}")
    table.add_row("left out (an article not read or rejected)", str(correlations.left_out), "")
    Console().print(table)


_SCORE_ROWS = (
    ("pairwise precision", "pairwise_precision"),
    ("pairwise recall", "pairwise_recall"),
    ("pairwise F1", "pairwise_f1"),
    ("B-cubed F1", "bcubed_f1"),
    ("adjusted Rand index", "adjusted_rand"),
)


def _print_scores(result: Evaluation, as_json: bool) -> None:
    scores, events = result.scores, result.event_scores
    if as_json:
        typer.echo(json.dumps({"stories": asdict(scores), "events": asdict(events), "left_out": result.rejected}))
        return
    title = f"{scores.n_articles} articles, {scores.n_gold_stories} gold labels"
    table = Table("score", "stories", "events (inside stories)", title=title)
    for name, value in _SCORE_ROWS:
        table.add_row(name, f"{getattr(scores, value):.3f}", f"{getattr(events, value):.3f}")
    table.add_row("predicted", str(scores.n_predicted_stories), str(events.n_predicted_stories))
    table.add_row("left out (no label or rejected)", str(result.rejected), "")
    Console().print(table)


@app.command()
def train(
    inputs: Annotated[list[Path], typer.Argument(help="Labelled .jsonl/.csv files (each is one set of pairs).")],
    label: Annotated[str, typer.Option(help="The field holding the gold story label.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The model file to write.")] = Path("same_story.json"),
    field: FieldOption = None,
    titles: Annotated[
        bool, typer.Option(help="Also learn from each titled article's title alone (the headline coefficients).")
    ] = True,
    config: ConfigOption = None,
    model: ModelOption = None,
    cache: Annotated[
        Path | None, typer.Option(help="Embedding cache (SQLite) to keep between trainings; none by default.")
    ] = None,
) -> None:
    """Fit the same-story model on your own labelled news and write it to --out; a run uses it with
    `cluster.pair_model = "PATH"` (the setting, or STORYLINE_CLUSTER__PAIR_MODEL)."""
    from clustering.train import train_same_story

    _checked_inputs([str(path) for path in inputs])
    settings = _settings(model, fields=field)
    try:
        with console.status(f"Scoring the labelled pairs of {', '.join(map(str, inputs))}"):
            fitted = train_same_story(inputs, label, _config(config, settings), cache, titles)
    except ValueError as error:
        raise _fail(error) from error
    fitted.save(out)
    typer.echo(f"wrote {out}: {fitted.pairs} pairs from {', '.join(fitted.trained_on)}")


@app.command(name="config")
def show_config(
    config: ConfigOption = None,
    model: ModelOption = None,
) -> None:
    """Print the effective settings (defaults, then --config, then STORYLINE_PART__SETTING variables, then
    options) as a TOML file that --config reads back."""
    typer.echo(config_toml(_config(config, _settings(model))))


@app.command()
def serve(
    store: Annotated[
        str,
        typer.Option(
            envvar="STORYLINE_STORE",
            help="An output folder of `storyline run`, its store.sqlite, or a postgresql:// URL.",
        ),
    ] = "artifacts",
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            envvar="STORYLINE_ALLOWED_HOSTS",
            help="A name the dashboard may be reached by (repeatable; * for any). Default: --host and the "
            "loopback names. Other Host headers get 400, against DNS rebinding.",
        ),
    ] = None,
) -> None:
    """Serve the dashboard of stories over a store, read-only."""
    import uvicorn
    from sqlalchemy.exc import OperationalError

    from clustering.publish.dashboard import LOOPBACK_HOSTS, create_app, server_config
    from clustering.storage.store import StaleStoreError

    hosts = [*LOOPBACK_HOSTS, host, *(allowed_host or [])]
    try:
        application = create_app(store, hosts)
    except (FileNotFoundError, StaleStoreError, OperationalError) as error:
        raise _fail(error) from error
    console.print(f"Storyline dashboard on http://{host}:{port}/", soft_wrap=True)
    uvicorn.Server(server_config(application, host, port)).run()


@app.command()
def schedule(
    inputs: Annotated[
        list[str], typer.Argument(help="Folders, files or http(s) URLs of pages or feeds, read on every run.")
    ],
    cron: Annotated[str, typer.Option(help="When to run, as a cron expression.")] = "*/30 * * * *",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the store and artifacts.")] = Path("artifacts"),
    config: ConfigOption = None,
    model: ModelOption = None,
    name: Annotated[str, typer.Option(help="Name of the Prefect deployment.")] = "storyline-scheduled",
    store: StoreOption = None,
) -> None:
    """Serve the pipeline on a schedule (Prefect `flow.serve`); each run adds what is new in INPUTS.

    Runs until stopped. Every run is incremental: articles already in the store are not processed again.
    """
    # Resolved: the served runs may start in another working directory.
    paths = _checked_inputs(inputs, resolve=True)
    _checked_store(store)
    settings = _settings(model)
    _config(config, settings)
    from flows.local_server import prefect_api
    from flows.pipeline import pipeline_flow

    parameters = {
        "inputs": paths,
        "out": str(out.resolve()),
        "settings": settings,
        "config_file": str(config.resolve()) if config else None,
        "store": store,
    }
    # Prefect's embedded mode runs no scheduler: a local server (SQLite, loopback) with its services, for as
    # long as we serve, unless one is configured.
    with prefect_api(services=True) as api_ready:
        if (api_url := api_ready()) is not None:
            console.print(f"Prefect server for the schedule: {api_url.removesuffix('/api')}", soft_wrap=True)
        pipeline_flow.serve(name=name, cron=cron, parameters=parameters)
