"""End to end: the whole pipeline at 1k, 10k and 50k articles, and an incremental run over 1 % new ones.

    .venv/bin/python bench/bench_pipeline.py [--sizes 1000 10000 50000] [--incremental 10000]

Corpora come from ``bench/corpus.py`` (write-ups, reprints and headlines built from the shared data).
Each run is the real flow (``pipeline_flow``, Prefect's embedded mode) in a fresh process with a fresh
output folder and no embedding cache, so its peak memory is its own; texts embed as a run embeds them
(``clustering.embed.backend_for``: int8 on ONNX Runtime by default). Prints seconds per
stage ("other" is saving, publishing and Prefect's bookkeeping; Prefect's embedded server start is timed
apart), peak resident memory, the share of everything but embedding against embedding, how each stage
grows with size (the exponent b in time ∝ n^b), and the incremental run as a share of the full run.
Absolute seconds are for the machine it runs on; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, save
from corpus import build

from clustering.pipeline import STAGES as PIPELINE_STAGES

REPO = Path(__file__).resolve().parent.parent
# Every timed step of a run, in its order: ingestion's, then the stage list's.
STAGES = ("read", "store", *(stage.name for stage in PIPELINE_STAGES))
# Prefect's embedded server starts with the first flow of a process: timed apart, as a served or
# deployed flow does not pay it on every run.
_RUN = """
import json, sys, time
sys.path.insert(0, "bench")
from common import peak_gb
from prefect import flow
from flows.pipeline import pipeline_flow
start = time.perf_counter()
flow(lambda: None, name="warm-up")()
prefect_start = time.perf_counter() - start
start = time.perf_counter()
report = pipeline_flow(inputs=sys.argv[2:], out=sys.argv[1])
print(json.dumps({"stage_seconds": report.stage_seconds, "counts": report.counts,
                  "wall": time.perf_counter() - start, "prefect_start": prefect_start,
                  "peak_gb": peak_gb()}))
"""


def _write(records: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _run(out: Path, inputs: list[Path], home: Path) -> dict:
    environment = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # A busy machine can start Prefect's embedded server slowly (importing flows sets the other
        # privacy and offline defaults: clustering.config.set_private_offline_environment).
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        # A fresh install's ONNX export of the model: made by the first run, timed apart with it.
        "STORYLINE_CACHE": str(home.parent / "storyline-cache"),
    }
    command = [sys.executable, "-c", _RUN, str(out), *map(str, inputs)]
    completed = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"the run over {inputs} failed:\n{completed.stderr[-4000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["other_seconds"] = result["wall"] - sum(result["stage_seconds"].values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--incremental", type=int, default=10000, help="size of the full run before 1 %% more")
    arguments = parser.parse_args()
    sizes = sorted(set(arguments.sizes) | {arguments.incremental})
    work = Path(tempfile.mkdtemp(prefix="storyline-bench-"))
    records = build(max(sizes) + max(sizes) // 100)
    # A fresh install compiles its numba kernels and exports the embedding model to ONNX on its first run
    # (both kept on disk after): paid here, by a small run timed apart, so that no size measured pays it.
    first = _run(work / "out-first", [_write(records[:50], work / "corpus-first.jsonl")], work / "prefect-first")
    print(f"first run of this install (50 articles, compiling): {first['wall']:.1f} s", flush=True)
    results: dict[int, dict] = {}
    for size in sizes:
        corpus = _write(records[:size], work / f"corpus-{size}.jsonl")
        results[size] = _run(work / f"out-{size}", [corpus], work / f"prefect-{size}")
        print(f"{size} articles: {json.dumps(results[size])}", flush=True)
    size = arguments.incremental
    extra = _write(records[max(sizes) : max(sizes) + size // 100], work / "extra.jsonl")
    incremental = _run(work / f"out-{size}", [work / f"corpus-{size}.jsonl", extra], work / f"prefect-{size}")

    rows = []
    for size, result in results.items():
        stage = result["stage_seconds"]
        not_embedding = result["wall"] - stage["embed"]
        rows.append(
            [
                size,
                *(stage.get(name, 0.0) for name in STAGES),
                result["other_seconds"],
                result["wall"],
                result["prefect_start"],
                result["peak_gb"],
                not_embedding / stage["embed"],
            ]
        )
    print_table(
        "Pipeline end to end (seconds on this machine; fresh process, no cache)",
        ["articles", *STAGES, "other", "total", "Prefect start", "peak GB", "rest ÷ embed"],
        rows,
    )
    growth = []
    ordered = sorted(results)
    for small, large in itertools.pairwise(ordered):
        exponent = []
        for name in (*STAGES, "total"):
            before = results[small]["wall"] if name == "total" else results[small]["stage_seconds"].get(name, 0.0)
            after = results[large]["wall"] if name == "total" else results[large]["stage_seconds"].get(name, 0.0)
            exponent.append(math.log(max(after, 1e-3) / max(before, 1e-3)) / math.log(large / small))
        growth.append([f"{small} → {large}", *exponent])
    print_table(
        "Growth: b in time ∝ n^b between sizes (1 = linear, 2 = quadratic)", ["sizes", *STAGES, "total"], growth
    )
    full = results[arguments.incremental]
    print_table(
        f"Incremental: {arguments.incremental // 100} new articles after a full run of {arguments.incremental}",
        ["run", *STAGES, "total", "share of full"],
        [
            ["full", *(full["stage_seconds"].get(name, 0.0) for name in STAGES), full["wall"], 1.0],
            [
                "1 % new",
                *(incremental["stage_seconds"].get(name, 0.0) for name in STAGES),
                incremental["wall"],
                incremental["wall"] / full["wall"],
            ],
        ],
    )
    save(
        "pipeline",
        {
            "first_run": first,
            "sizes": {str(size): result for size, result in results.items()},
            "incremental": incremental,
        },
    )


if __name__ == "__main__":
    main()
