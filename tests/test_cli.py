"""The command line as a new user meets it: help, version, clear errors, what was skipped, where to look next."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app


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
    assert "notes.md: not an input type (.md)" in first.output
    second = CliRunner().invoke(app, ["run", str(inputs), "--out", str(out)])
    assert second.exit_code == 0, second.output  # its own artifacts are not read back and rejected
    assert "a Storyline output folder" in second.output
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["in"] == 2 and run["counts"]["rejected"] == 0 and run["counts"]["reuse_pairs"] == 0
    assert {row["path"] for row in run["skipped"]} == {str(inputs / "notes.md"), str(out)}
    assert (out / "dashboard.html").stat().st_mode & 0o044 == 0o044  # readable by others under umask 022


def test_an_empty_input_folder_is_a_warning(prefect_harness, tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["run", str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and "warning: no input records" in result.output


def test_flow_modules_answer_help():
    for module in ("flows.pipeline", "flows.ingest", "flows.cluster", "flows.dedup"):
        done = subprocess.run(
            [sys.executable, "-m", module, "--help"], capture_output=True, text=True, env={**os.environ}, cwd=Path.cwd()
        )
        assert done.returncode == 0 and "usage:" in done.stdout, (module, done.stderr[-500:])
