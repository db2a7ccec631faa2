"""What a run writes, pinned: the digests of the artifacts of the seeds and of a generated corpus of 1,000
articles (reworded ECB+ write-ups, reprints with furniture and comments, UCI headlines; built once by
``bench/corpus.py`` and kept here, so a change to the generator cannot move it), with a few bad records.

A refactoring must leave them byte-identical. A change meant to alter the stories, pairs or rejects
records new digests with ``STORYLINE_RECORD_GOLDEN=1 pytest tests/test_golden.py`` and says so in its
commit.

The runs read their embeddings from vectors pinned beside the digests (``golden-vectors.npz``, put into
the run's embedding cache first), because int8 vectors differ slightly between CPUs (with and without
VNNI units), and a story at the edge of a threshold follows them. So the digests pin everything after
embedding on any machine; the embedding itself is tested against the float model in ``test_embed.py``.
Recording runs on the pinned vectors too and adds the vectors of the texts they lack (a record that
became an article), so a recorded change is the change made, not another machine's embeddings.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.workspace import Workspace
from flows.cli import app

DATA = Path(__file__).parent / "data"
DIGESTS = DATA / "golden.json"
VECTORS = DATA / "golden-vectors.npz"
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
    recording = bool(os.environ.get("STORYLINE_RECORD_GOLDEN"))
    cache_path = Workspace(Path("out")).embeddings
    _put_pinned_vectors(cache_path)
    result = CliRunner().invoke(app, ["run", "in", "--out", "out", "--quiet"])
    assert result.exit_code in (0, 3), result.output
    digests = {artifact: hashlib.sha256((Path("out") / artifact).read_bytes()).hexdigest() for artifact in PINNED}
    pinned = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
    if recording:
        DIGESTS.write_text(json.dumps({**pinned, name: digests}, indent=2, sort_keys=True) + "\n")
        pinned[name] = digests
        # The flow's embedding shards may come from Prefect's result cache, writing no vectors: the
        # library, embedding inline, writes every one into its cache.
        from clustering.pipeline import Pipeline

        _put_pinned_vectors(Workspace(Path("inline")).embeddings)
        Pipeline(Path("inline")).run(["in"])
        _record_vectors(Workspace(Path("inline")).embeddings)
    else:
        assert _cached_keys(cache_path) <= _pinned_keys(), "the run embedded texts the pinned vectors lack: record"
    assert digests == pinned[name], "the artifacts changed: see this module's docstring"


def _pinned_vectors() -> dict[str, np.ndarray]:
    if not VECTORS.exists():
        return {}
    # One array of keys and one of vectors per width: the main model's (384) and the multilingual one's (512).
    with np.load(VECTORS, allow_pickle=False) as pinned:
        widths = [name.removeprefix("keys") for name in pinned.files if name.startswith("keys")]
        return {
            key: vector
            for width in widths
            for key, vector in zip(pinned[f"keys{width}"].tolist(), pinned[f"vectors{width}"], strict=True)
        }


def _pinned_keys() -> set[str]:
    return set(_pinned_vectors())


def _put_pinned_vectors(cache_path: Path) -> None:
    cache = EmbeddingCache(cache_path)
    try:
        cache.put_many(_pinned_vectors().items())
    finally:
        cache.close()


def _cached_keys(cache_path: Path) -> set[str]:
    with sqlite3.connect(cache_path) as connection:
        return {key for (key,) in connection.execute("SELECT key FROM embeddings")}


def _record_vectors(cache_path: Path) -> None:
    """Add this run's vectors of texts not pinned yet to the pinned ones (the seeds' run and the corpus's
    share the file); a pinned vector stays as it is."""
    cache = EmbeddingCache(cache_path)
    try:
        found = {**cache.get_many(sorted(_cached_keys(cache_path))), **_pinned_vectors()}
    finally:
        cache.close()
    arrays: dict[str, np.ndarray] = {}
    for width in sorted({len(vector) for vector in found.values()}):
        keys = sorted(key for key, vector in found.items() if len(vector) == width)
        arrays[f"keys_{width}"] = np.array(keys)
        arrays[f"vectors_{width}"] = np.vstack([found[key] for key in keys])
    np.savez_compressed(VECTORS, **arrays)


def test_the_library_alone_writes_what_the_flow_writes(seeds_dir, tmp_path, monkeypatch):
    """``Pipeline.run`` without Prefect: the same artifacts as the CLI's flow."""
    from clustering.pipeline import Pipeline

    monkeypatch.chdir(tmp_path)
    _corpus(Path("in"), "seeds", seeds_dir)
    _put_pinned_vectors(Workspace(Path("out")).embeddings)
    Pipeline("out").run(["in"])
    digests = {artifact: hashlib.sha256((Path("out") / artifact).read_bytes()).hexdigest() for artifact in PINNED}
    assert digests == json.loads(DIGESTS.read_text())["seeds"]
