"""``storyline dedup`` at both levels beside datasketch's document LSH (and rensa's, where installed),
each timed as users time it: a whole process, imports, JSON in and out included.

    .venv/bin/python bench/bench_dedup.py [--originals 5000] [--repeats 1]

Corpora (``bench/news_like.py``), each written to a JSONL file:
- news-like: originals of ~300 words written by a word chain trained on the dev articles (no sentence of
  theirs recurs), 20 % as many near-duplicates of earlier ones (a site's furniture around, 2-5 words
  edited) and 10 % reports with a pasted 60-word block of an earlier one;
- recurring sentences: collages of real dev sentences drawn with a skew (a few hundred sentences recur
  in hundreds of documents), with 20 % near-duplicates.
Methods, each in a fresh process:
- ``storyline dedup --level document`` and ``--level passage`` (the CLI, writing JSONL);
- datasketch as its users run it for near-duplicates: a ``MinHash`` of each text's word 5-grams (128
  permutations), ``MinHashLSH`` at threshold 0.5, each record queried then inserted (no cleaning, no
  check of candidates);
- rensa (``RMinHash``/``RMinHashLSH``, the same shingles and threshold), where installed.
Per method: seconds, records per second, × datasketch's rate, peak memory of its largest process (what
``/usr/bin/time`` shows; Storyline's two forked workers share the parent's pages), × datasketch's; near-
duplicates flagged (share of the planted ones), records flagged wrongly (``_quality``), and for the passage
level the pasted blocks found (a ``reuse`` entry naming the source) and the reuse pairs reported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, save
from news_like import Truth, news_like, recurring

STORYLINE = str(Path(sys.executable).with_name("storyline"))
_SHINGLE = 5


def _shingles(text: str) -> list[str]:
    words = text.lower().split()
    return [" ".join(words[i : i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))]


def _datasketch(source: Path, output: Path) -> None:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    with source.open(encoding="utf-8") as lines, output.open("w", encoding="utf-8") as out:
        for line in lines:
            record = json.loads(line)
            minhash = MinHash(num_perm=128)
            minhash.update_batch([shingle.encode() for shingle in _shingles(record["text"])])
            found = lsh.query(minhash)
            lsh.insert(record["id"], minhash)
            out.write(json.dumps({**record, "duplicate_of": found[0] if found else None}) + "\n")


def _rensa(source: Path, output: Path) -> None:
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=0.5, num_perm=128, num_bands=16)
    ids: list[str] = []
    with source.open(encoding="utf-8") as lines, output.open("w", encoding="utf-8") as out:
        for line in lines:
            record = json.loads(line)
            minhash = RMinHash(num_perm=128, seed=1)
            minhash.update(_shingles(record["text"]))
            found = lsh.query(minhash)
            lsh.insert(len(ids), minhash)
            ids.append(record["id"])
            out.write(json.dumps({**record, "duplicate_of": ids[min(found)] if found else None}) + "\n")


_LIBRARIES = {"datasketch": _datasketch, "rensa": _rensa}


def _commands(source: Path, output: Path) -> dict[str, list[str]]:
    commands = {
        "storyline dedup --level document": [STORYLINE, "dedup", str(source), "-o", str(output), "-q"],
        "storyline dedup --level passage": [
            *[STORYLINE, "dedup", str(source), "-o", str(output), "-q", "--level", "passage"],
        ],
        "datasketch MinHashLSH": [sys.executable, __file__, "--library", "datasketch", str(source), str(output)],
    }
    try:
        import rensa  # noqa: F401

        commands["rensa RMinHashLSH"] = [sys.executable, __file__, "--library", "rensa", str(source), str(output)]
    except ImportError:
        pass
    return commands


def _metered(command: list[str]) -> dict:
    """Wall seconds and peak resident memory (largest process) of ``command``, run in a fresh meter
    process so that no other child's peak is counted."""
    meter = (
        "import json, resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'code': code, 'seconds': seconds, 'peak_mb': peak}))\n"
    )
    done = subprocess.run([sys.executable, "-c", meter, *command], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _quality(output: Path, truth: Truth, texts: dict[str, str]) -> dict:
    """Planted near-duplicates flagged; records flagged wrongly (planted as none, and under the document
    level's threshold with the record named as their original: two collages drawing mostly the same
    recurring sentences are near-duplicates by construction); pasted blocks found."""
    from clustering.config import NearDuplicateConfig
    from clustering.records import Article
    from clustering.reuse.near_duplicates import Sketcher

    sketcher = Sketcher()

    def jaccard(first: str, second: str) -> float:
        a, b = (sketcher(Article(id=key, text=texts[key])).shingles for key in (first, second))
        shared = len(set(a.tolist()) & set(b.tolist()))
        return shared / (len(a) + len(b) - shared)

    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    flagged = {row["id"]: row["duplicate_of"] for row in rows if row.get("duplicate_of") is not None}
    planted = truth.near_duplicates
    threshold = NearDuplicateConfig().min_jaccard
    wrong = [key for key, original in flagged.items() if key not in planted and jaccard(key, original) < threshold]
    pasted_found = sum(
        any(entry["id"] == truth.pasted[row["id"]] for entry in row.get("reuse", ()))
        for row in rows
        if row["id"] in truth.pasted
    )
    return {
        "near_duplicates": sum(key in flagged for key in planted) / len(planted),
        "wrongly_flagged": len(wrong),
        "pasted": pasted_found / len(truth.pasted) if truth.pasted and rows and "reuse" in rows[0] else None,
        "pairs": sum(len(row.get("reuse", ())) for row in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=5_000, help="original records per corpus")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each method (the fastest is kept)")
    parser.add_argument("--library", nargs=3, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.library:
        name, source, output = arguments.library
        _LIBRARIES[name](Path(source), Path(output))
        return
    corpora = {
        "news-like": news_like(arguments.originals, arguments.originals // 5, arguments.originals // 10),
        "recurring sentences": recurring(arguments.originals, arguments.originals // 5),
    }
    header = ["corpus", "records", "method", "seconds", "records/s", "× datasketch", "peak MB", "× its memory"]
    header += ["near-dups flagged", "wrongly flagged", "pasted found", "reuse pairs"]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for corpus, (records, truth) in corpora.items():
            source = Path(work) / "in.jsonl"
            source.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
            output = Path(work) / "out.jsonl"
            texts = {record["id"]: record["text"] for record in records}
            measured = {}
            for method, command in _commands(source, output).items():
                runs = [_metered(command) for _ in range(arguments.repeats)]
                measured[method] = {**min(runs, key=lambda run: run["seconds"]), **_quality(output, truth, texts)}
            baseline = measured["datasketch MinHashLSH"]
            for method, result in measured.items():
                pasted = f"{result['pasted']:.1%}" if result["pasted"] is not None else "-"
                rows.append(
                    [
                        *[corpus, len(records), method, round(result["seconds"], 2)],
                        round(len(records) / result["seconds"]),
                        round(baseline["seconds"] / result["seconds"], 2),
                        round(result["peak_mb"]),
                        round(result["peak_mb"] / baseline["peak_mb"], 2),
                        f"{result['near_duplicates']:.1%}",
                        result["wrongly_flagged"],
                        pasted,
                        result["pairs"] or "-",
                    ]
                )
    print_table("Dedup, whole processes (one machine, same run; the fastest of --repeats)", header, rows)
    save("dedup", {"header": header, "rows": rows, "machine_time": time.strftime("%Y-%m-%d")})


if __name__ == "__main__":
    main()
