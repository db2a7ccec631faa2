"""The command line as a new user meets it: help, version, clear errors, what was skipped, where to look next."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_NOTHING_READ, app


def test_help_and_version():
    runner = CliRunner()
    short, long = runner.invoke(app, ["run", "-h"]), runner.invoke(app, ["run", "--help"])
    assert short.exit_code == long.exit_code == 0 and short.output == long.output
    assert "--recluster" in short.output and "<bool>" not in short.output
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("storyline ")


def test_out_pointing_at_a_file_is_one_line(tmp_path, seeds_dir):
    target = tmp_path / "taken.txt"
    target.write_text("not a folder")
    result = CliRunner().invoke(app, ["run", str(seeds_dir), "--out", str(target)])
    assert result.exit_code == 1
    assert "is a file: give a folder" in result.output and "Traceback" not in result.output


def test_a_run_says_where_to_look_and_what_it_skipped(prefect_harness, seeds_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(seeds_dir.glob("*.txt"))[:2]:
        shutil.copy(path, inputs / path.name.replace(".txt", ".TXT"))  # upper case is still a text file
    (inputs / "notes.md").write_text("# not an input type")
    out = inputs / "out"  # the output folder inside the input folder
    first = CliRunner().invoke(app, ["run", str(inputs), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "2 articles" in first.output and f"storyline serve --store {out}" in first.output
    stories = json.loads((out / "run.json").read_text())["counts"]["stories"]
    assert f"stories changed: {stories} new, 0 grown, 0 merged, 0 split (every article clustered again)" in first.output
    assert "notes.md: not an input type (.md)" in first.output
    second = CliRunner().invoke(app, ["run", str(inputs), "--out", str(out)])
    assert second.exit_code == 0, second.output  # its own artifacts are not read back and rejected
    assert "a Storyline output folder" in second.output
    assert "0 split (new articles assigned to the stored stories)" in second.output
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["in"] == 2 and run["counts"]["rejected"] == 0 and run["counts"]["reuse_pairs"] == 0
    assert {row["path"] for row in run["skipped"]} == {str(inputs / "notes.md"), str(out)}
    assert (out / "dashboard.html").stat().st_mode & 0o044 == 0o044  # readable by others under umask 022


def test_a_date_that_is_no_date_is_dropped_with_a_warning(prefect_harness, tmp_path):
    feed = tmp_path / "feed.jsonl"
    rows = [{"id": "d1", "text": "The port of Antwerp reopened after the strike.", "published": "06/02/2018"}]
    feed.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = CliRunner().invoke(app, ["run", str(feed), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output  # read, nothing rejected
    assert f"warning:   {feed}:1: unparseable 'published' date '06/02/2018': read without a date" in result.output
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["counts"]["warnings"] == 1 and run["warnings"][0]["id"] == "d1"


def test_reading_no_article_is_not_success_and_says_why(prefect_harness, tmp_path):
    """An empty folder, a folder of unsupported files, an output folder alone and records all rejected:
    each exits with EXIT_NOTHING_READ and says why on standard error; ingest the same."""
    empty, unsupported, bad = tmp_path / "empty", tmp_path / "unsupported", tmp_path / "bad"
    for folder in (empty, unsupported, bad):
        folder.mkdir()
    (unsupported / "notes.md").write_text("# not an input")
    (bad / "feed.jsonl").write_text('{"title": "no text"}\n{"text": ""}\n')
    cases = {
        empty: "no file of a supported kind",
        unsupported: "1 files skipped, " + str(unsupported / "notes.md"),
        bad: "none of the 2 records",
    }
    for folder, why in cases.items():
        result = CliRunner().invoke(app, ["run", str(folder), "--out", str(tmp_path / "out"), "--quiet"])
        assert result.exit_code == EXIT_NOTHING_READ and "nothing read:" in result.output, result.output
        assert why in " ".join(result.output.split()), result.output
    # The output folder of a run, given as the only input, is skipped: nothing read.
    result = CliRunner().invoke(app, ["run", str(tmp_path / "out"), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == EXIT_NOTHING_READ and "a Storyline output folder" in " ".join(result.output.split())
    result = CliRunner().invoke(app, ["ingest", str(empty), "--out", str(tmp_path / "ingested")])
    assert result.exit_code == EXIT_NOTHING_READ and "nothing read:" in result.output


def test_flow_modules_answer_help():
    for module in ("flows.pipeline", "flows.ingest", "flows.cluster", "flows.dedup"):
        done = subprocess.run(
            [sys.executable, "-m", module, "--help"], capture_output=True, text=True, env={**os.environ}, cwd=Path.cwd()
        )
        assert done.returncode == 0 and "usage:" in done.stdout, (module, done.stderr[-500:])


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a parent that is gone counts as dead)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_a_killed_command_leaves_no_prefect_server_behind(tmp_path):
    """`storyline run` without PREFECT_API_URL starts a Prefect server of its own; killed with SIGKILL
    (no exit handler runs), the server goes with it. Prefect's own temporary server stayed up."""
    script = (
        "from flows.local_server import prefect_api\n"
        "import time\n"
        "with prefect_api() as ready:\n"
        "    assert ready() is not None\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(600)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    command = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=environment, cwd=Path.cwd()
    )
    try:
        assert command.stdout.readline().strip() == "ready"
        servers = _children(command.pid)
        assert len(servers) == 1 and _alive(servers[0])
        command.kill()
        command.wait()
        deadline = time.monotonic() + 30
        while _alive(servers[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(servers[0])
    finally:
        command.kill()


def test_a_failing_store_is_one_line_without_the_records(seeds_dir, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import flows.pipeline

    secret = "Dockers in Gdansk went on strike on Thursday."

    def full_disk(**_parameters: object) -> None:
        raise OperationalError(
            "INSERT INTO articles (id, record) VALUES (?, ?)",
            [("a", secret)],
            sqlite3.OperationalError("database or disk is full"),
        )

    monkeypatch.setattr(flows.pipeline, "pipeline_flow", full_disk)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # taken as configured: no server started
    result = CliRunner().invoke(app, ["run", str(seeds_dir), "--quiet"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: the store failed: database or disk is full"


def test_the_store_never_prints_what_it_was_given(tmp_path):
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from clustering.storage.database import open_engine

    engine = open_engine(tmp_path / "store.sqlite")
    with pytest.raises(OperationalError) as raised, engine.begin() as connection:
        connection.execute(text("INSERT INTO missing (text) VALUES (:text)"), {"text": "SECRET ARTICLE TEXT"})
    assert "SECRET" not in str(raised.value) and "no such table: missing" in str(raised.value)


def test_field_maps_a_column_for_run_ingest_and_dedup(prefect_harness, tmp_path):
    story = "Dockers in Gdansk rejected the offer of the port authority on Thursday and stayed on strike."
    source = tmp_path / "in" / "odd.csv"
    source.parent.mkdir()
    source.write_text(f"id,words,when\na,{story},2018-02-06T14:05:00Z\n")
    runner = CliRunner()
    unmapped = runner.invoke(app, ["ingest", str(source), "--out", str(tmp_path / "unmapped"), "--quiet"])
    # Every row rejected, the reason naming the columns (tested in test_read): no article read.
    assert unmapped.exit_code == EXIT_NOTHING_READ
    for command in (["run"], ["ingest"]):
        out = tmp_path / command[0]
        result = runner.invoke(
            app, [*command, str(source), "--out", str(out), "--field", "text=words", "--field", "published=when"]
        )
        assert result.exit_code == 0, result.output
    articles = [json.loads(line) for line in (tmp_path / "run" / "articles.jsonl").read_text().splitlines()]
    assert [(row["id"], row["published"]) for row in articles] == [("a", "2018-02-06T14:05:00+00:00")]
    output = tmp_path / "deduped.jsonl"
    result = runner.invoke(app, ["dedup", str(source), "-o", str(output), "--field", "text=words"])
    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text())["id"] == "a"
    bad = runner.invoke(app, ["dedup", str(source), "-o", str(output), "--field", "body=words"])
    assert bad.exit_code == 2 and "expected FIELD=COLUMN" in bad.output


def test_a_command_without_a_prefect_api_gets_a_server_of_its_own_and_a_configured_one_is_used(monkeypatch):
    """What `storyline run` and `ingest` run their flows against: the configured API, else a local server
    (the one that dies with the command, tested above), started on entering (so that it boots while the
    command imports) and set as the API once ready. One started where a profile names the API is stopped."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import flows.local_server as local_server

    class Process:
        stopped = False

        def poll(self) -> int | None:
            return 0 if self.stopped else None

        def terminate(self) -> None:
            self.stopped = True

        def wait(self, timeout: float) -> int:
            return 0

    spawned: list[Process] = []

    def spawn(services: bool) -> tuple[Process, str]:
        spawned.append(Process())
        return spawned[-1], "http://127.0.0.1:9/api"

    monkeypatch.setattr(local_server, "_spawn", spawn)
    monkeypatch.setattr(local_server, "_wait_until_healthy", lambda process, url: None)
    monkeypatch.setattr("prefect.logging.handlers.APILogWorker.drain_all", lambda timeout=None: None)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:8/api")
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:8/api"}), local_server.prefect_api() as ready:
        assert ready() is None and PREFECT_API_URL.value() == "http://127.0.0.1:8/api"
    assert spawned == []  # named in the environment: nothing started
    monkeypatch.delenv("PREFECT_API_URL")
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:7/api"}), local_server.prefect_api() as ready:
        assert len(spawned) == 1 and ready() is None and spawned[0].stopped  # a profile names it: stopped
    with temporary_settings(restore_defaults={PREFECT_API_URL}), local_server.prefect_api() as ready:
        assert len(spawned) == 2 and not spawned[1].stopped
        assert ready() == PREFECT_API_URL.value() == "http://127.0.0.1:9/api"
    assert spawned[1].stopped


def test_an_error_quoting_input_is_printed_as_it_is(tmp_path):
    folder = tmp_path / "[red" / "bold] out"  # "[/bold]" in the path: markup to a console that is not told
    folder.mkdir(parents=True)
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Dockers in Gdansk went on strike."}) + "\n")
    result = CliRunner().invoke(app, ["dedup", str(source), "-o", str(folder)])
    assert result.exit_code == 1 and f"{folder} is a folder" in result.output and "Traceback" not in result.output


def test_the_command_line_starts_without_the_librarys_heavy_parts():
    """`storyline --version` and `--help` import no model, no Prefect, no SQLAlchemy, no HTTP client
    (bench/bench_startup.py times it: 0.2 s, from 2.3 s)."""
    heavy = ("torch", "sentence_transformers", "prefect", "sklearn", "sqlalchemy", "httpx", "numba", "hdbscan")
    probe = f"import sys, flows.cli; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
    storyline = str(Path(sys.executable).with_name("storyline"))
    version = subprocess.run([storyline, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("storyline ")


def test_the_document_level_dedup_imports_only_what_it_uses(tmp_path):
    """`storyline dedup` at the document level reads, cleans and hashes: no model, no Prefect, no
    scikit-learn, no SQLAlchemy, and no datasketch (its import brings scipy)."""
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Dockers in Gdansk went on strike on Thursday."}) + "\n")
    heavy = ("torch", "sentence_transformers", "prefect", "sklearn", "sqlalchemy", "datasketch", "hdbscan")
    probe = (
        "import sys\nfrom flows.cli import app\n"
        f"try:\n    app(['dedup', {str(source)!r}, '-o', {str(tmp_path / 'out.jsonl')!r}, '-q'])\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
