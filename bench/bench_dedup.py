"""The dedup step (``storyline dedup``) beside datasketch's document-level ``MinHashLSH``, at two sizes.

    .venv/bin/python bench/bench_dedup.py [--sizes 10000 100000]

Articles: ``bench/corpus.py`` records of 50 words or more (write-ups, reprints with furniture, long
headlines), as a JSONL file. Each method runs in a fresh process over the same file and reports its own
time (imports aside) and peak resident memory:
- Storyline's dedup step (``dedup_files``, what ``storyline dedup`` runs: reading, cleaning, furniture
  learned from the stream, passage windows signed, the band table, exact alignment of every candidate);
- datasketch as users run it for near-duplicates: a MinHash of each text's word 5-grams (128
  permutations), ``MinHashLSH`` at threshold 0.8, each article queried and then inserted; no cleaning, no
  passages, no alignment (the baseline).
Articles per second, the ratio to the baseline's rate, peak GB, and the memory per thousand articles above
the same process before indexing (its baseline: the interpreter and the imports).
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_gb, print_table, save
from corpus import build


def _storyline(path: Path) -> dict:
    from flows.dedup_files import dedup_files

    # Compiled kernels are compiled (or loaded from numba's cache) on first use: not what is measured.
    warm_up = path.with_suffix(".warm-up.jsonl")
    with path.open(encoding="utf-8") as lines:
        warm_up.write_text("".join(itertools.islice(lines, 50)))
    dedup_files([warm_up], warm_up.with_suffix(".out.jsonl"))
    before = peak_gb()
    start = time.perf_counter()
    counts = dedup_files([path], path.with_suffix(".out.jsonl"))
    return {"seconds": time.perf_counter() - start, "before_gb": before, "duplicates": counts.duplicates}


def _datasketch(path: Path) -> dict:
    from datasketch import MinHash, MinHashLSH

    before = peak_gb()
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    duplicates = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            words = record["text"].lower().split()
            minhash = MinHash(num_perm=128)
            minhash.update_batch([" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))])
            duplicates += bool(lsh.query(minhash))
            lsh.insert(record["id"], minhash)
    return {"seconds": time.perf_counter() - start, "before_gb": before, "duplicates": duplicates}


METHODS = {"storyline dedup (passages, aligned)": _storyline, "datasketch MinHashLSH (documents)": _datasketch}


def _child(method: str, path: Path) -> None:
    result = METHODS[method](path)
    print(json.dumps({**result, "peak_gb": peak_gb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="records generated")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        _child(arguments.child[0], Path(arguments.child[1]))
        return
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for size in arguments.sizes:
            path = Path(work) / f"corpus-{size}.jsonl"
            records = [record for record in build(size) if len(str(record["text"]).split()) >= 50]
            path.write_text("".join(json.dumps(record) + "\n" for record in records))
            measured = {}
            for method in METHODS:
                child = [sys.executable, __file__, "--child", method, str(path)]
                output = subprocess.run(child, check=True, capture_output=True, text=True).stdout
                measured[method] = json.loads(output.strip().splitlines()[-1])
            baseline_rate = len(records) / measured["datasketch MinHashLSH (documents)"]["seconds"]
            for method, result in measured.items():
                rate = len(records) / result["seconds"]
                per_thousand = (result["peak_gb"] - result["before_gb"]) / len(records) * 1000
                figures = [result["seconds"], rate, rate / baseline_rate, result["peak_gb"], per_thousand]
                rows.append([len(records), method, *figures, result["duplicates"]])
    header = ["articles", "method", "seconds", "articles/s", "× datasketch", "peak GB", "GB per 1k over start"]
    print_table("Dedup (one run, this machine; each method in a fresh process)", [*header, "duplicates"], rows)
    save("dedup", {"header": [*header, "duplicates"], "rows": rows})


if __name__ == "__main__":
    main()
