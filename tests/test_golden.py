"""What a run writes, pinned: the digests of the artifacts of the seeds and of a generated corpus of 1,000
articles (reworded ECB+ write-ups, reprints with furniture and comments, UCI headlines; built once by
``bench/corpus.py`` and kept here, so a change to the generator cannot move it), with a few bad records.

A refactoring must leave them byte-identical. A change meant to alter the stories, pairs or rejects
records new digests with ``STORYLINE_RECORD_GOLDEN=1 pytest tests/test_golden.py`` and says so in its
commit.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

DATA = Path(__file__).parent / "data"
DIGESTS = DATA / "golden.json"
PINNED = ("stories.json", "articles.jsonl", "reuse.jsonl", "rejects.jsonl")
BAD_RECORDS = [
    {"id": "no-text"},
    {"id": "bad-date", "text": "A fine text with a date that is not one.", "published": "the day after"},
    {"id": "bad-url", "text": "A fine text with a URL that is not one.", "url": "http://[::1"},
]


def _corpus(folder: Path, name: str, seeds_dir: Path) -> None:
    folder.mkdir(parents=True)
    if name == "seeds":
        for path in sorted(seeds_dir.glob("*.txt")):
            (folder / path.name).write_bytes(path.read_bytes())
        return
    (folder / "corpus.jsonl").write_bytes(gzip.decompress((DATA / "corpus-1000.jsonl.gz").read_bytes()))
    (folder / "bad.jsonl").write_text("".join(json.dumps(record) + "\n" for record in BAD_RECORDS))


@pytest.mark.parametrize("name", ["seeds", "corpus-1000"])
def test_artifacts_are_byte_identical_to_the_pinned_run(prefect_harness, seeds_dir, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)  # relative input paths: rejects name their origin the same way everywhere
    _corpus(Path("in"), name, seeds_dir)
    result = CliRunner().invoke(app, ["run", "in", "--out", "out", "--quiet"])
    assert result.exit_code in (0, 3), result.output
    digests = {artifact: hashlib.sha256((Path("out") / artifact).read_bytes()).hexdigest() for artifact in PINNED}
    pinned = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
    if os.environ.get("STORYLINE_RECORD_GOLDEN"):
        DIGESTS.write_text(json.dumps({**pinned, name: digests}, indent=2, sort_keys=True) + "\n")
        pinned[name] = digests
    assert digests == pinned[name], "the artifacts changed: see this module's docstring"


def test_the_library_alone_writes_what_the_flow_writes(seeds_dir, tmp_path, monkeypatch):
    """``Pipeline.run`` without Prefect: the same artifacts as the CLI's flow."""
    from clustering.pipeline import Pipeline

    monkeypatch.chdir(tmp_path)
    _corpus(Path("in"), "seeds", seeds_dir)
    Pipeline("out").run(["in"])
    digests = {artifact: hashlib.sha256((Path("out") / artifact).read_bytes()).hexdigest() for artifact in PINNED}
    assert digests == json.loads(DIGESTS.read_text())["seeds"]
