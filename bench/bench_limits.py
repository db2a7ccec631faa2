"""Peak memory and time of a whole `storyline run` over one input line (or file) at each reading limit,
and over lines past them, against the seeds run in the same session as the baseline.

    .venv/bin/python bench/bench_limits.py

Each case is one file holding one record, built to be as large as the default limits allow (or larger,
to be rejected): a text of ``max_text_chars`` characters (ASCII, and non-ASCII written as JSON escapes),
a line of ``max_record_bytes`` carried by an extra field, ``max_json_items`` values, ``max_json_depth``
levels, a page of ``max_file_bytes``; then the issue's 63 MB and 200 MB lines of ``[{},{},…]``. Each run
is the real command in a fresh process into a fresh folder; its peak is the process's VmHWM, and the largest
of its children's (the Prefect server it starts, cleaning workers, a page's extraction) is shown beside it.
Prints one table.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, save

from clustering.config import ReadConfig

REPO = Path(__file__).resolve().parent.parent
LIMITS = ReadConfig()
_RUN = """
import atexit, sys
sys.path.insert(0, "bench")
from common import peak_gb
import resource
def report():
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    print(f"PEAK {peak_gb()} CHILD {children}", file=sys.stderr)
atexit.register(report)
sys.argv = ["storyline", *sys.argv[1:]]
from flows.cli import app
app()
"""


def _words(count: int, alphabet: str, seed: int) -> str:
    """``count`` words of 3-9 letters drawn from a vocabulary of 20,000: text that shingles like prose."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 9))) for _ in range(20_000)]
    sentences = []
    for _ in range(count // 12):
        sentences.append(" ".join(rng.choice(vocabulary) for _ in range(12)).capitalize() + ".")
    return " ".join(sentences)


def _fit(text: str, characters: int) -> str:
    return text[:characters].rsplit(" ", 1)[0]


def _line(record: dict, ascii_only: bool = True) -> str:
    return json.dumps(record, ensure_ascii=ascii_only) + "\n"


def cases(folder: Path) -> list[tuple[str, Path]]:
    """The input file of each case, written into ``folder``."""
    latin = _fit(_words(LIMITS.max_text_chars // 5, "abcdefghijklmnopqrstuvwxyz", 1), LIMITS.max_text_chars)
    cyrillic = _fit(_words(LIMITS.max_text_chars // 5, "абвгдежзиклмнопрстуфхцчшщ", 2), LIMITS.max_text_chars)
    lead = "Dockers in Gdansk went on strike on Thursday over the port authority's offer. " * 3
    written: list[tuple[str, str]] = [
        (f"text of {LIMITS.max_text_chars:,} characters", _line({"id": "long", "text": latin})),
        (f"text of {LIMITS.max_text_chars:,} characters, escaped", _line({"id": "escaped", "text": cyrillic})),
    ]
    padding = LIMITS.max_record_bytes - len(_line({"id": "wide", "text": lead, "extra": ""})) - 1
    written.append(
        (
            f"line of {LIMITS.max_record_bytes:,} bytes (an extra field)",
            _line({"id": "wide", "text": lead, "extra": "x" * padding}),
        )
    )
    written.append(
        (
            f"{LIMITS.max_json_items:,} JSON values",
            _line({"id": "values", "text": lead, "extra": [{}] * (LIMITS.max_json_items - 5)}),
        )
    )
    nested: object = "bottom"
    for _ in range(LIMITS.max_json_depth - 2):
        nested = [nested]
    written.append((f"{LIMITS.max_json_depth} levels deep", _line({"id": "deep", "text": lead, "extra": nested})))
    written.append(
        ("63 MB of [{},{},…] (rejected)", '{"id": "x", "text": "t", "extra": [' + "{}," * 21_000_000 + "{}]}\n")
    )
    written.append(
        ("200 MB of [{},{},…] (rejected)", '{"id": "x", "text": "t", "extra": [' + "{}," * 66_600_000 + "{}]}\n")
    )
    files = []
    for number, (name, content) in enumerate(written):
        path = folder / f"case-{number}.jsonl"
        path.write_text(content, encoding="utf-8")
        files.append((name, path))
    # The largest page: as much article as an article may hold, in markup up to the file limit.
    page = folder / "page.html"
    # Extraction puts a line break between paragraphs: 1 % of room for them.
    chunks = [latin[start : start + 600] for start in range(0, int(LIMITS.max_text_chars * 0.99) - 600, 600)]
    padding = " " * ((LIMITS.max_file_bytes - 200) // len(chunks) - 640)
    paragraphs = "".join(f'<div class="story-body{padding}"><p>{chunk}</p></div>' for chunk in chunks)
    page.write_text(f"<html><body><article>{paragraphs}</article></body></html>")
    files.append((f"page of {page.stat().st_size:,} bytes", page))
    return files


def _run(inputs: Path, out: Path) -> dict[str, object]:
    start = time.perf_counter()
    environment = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    completed = subprocess.run(
        [sys.executable, "-c", _RUN, "run", str(inputs), "--out", str(out), "--quiet"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    reported = completed.stderr.rsplit("PEAK ", 1)[1].split() if "PEAK " in completed.stderr else ["nan"] * 3
    peak, child = float(reported[0]), float(reported[2])
    counts = json.loads((out / "run.json").read_text())["counts"] if (out / "run.json").exists() else {}
    rejects = (out / "rejects.jsonl").read_text().splitlines() if (out / "rejects.jsonl").exists() else []
    return {
        "exit": completed.returncode,
        "seconds": seconds,
        "peak_gb": peak,
        "largest_child_gb": child,
        "accepted": counts.get("accepted"),
        "rejected": counts.get("rejected"),
        "reason": json.loads(rejects[0])["reason"][:60] if rejects else "",
        "tail": completed.stderr[-600:] if completed.returncode not in (0, 3) else "",
    }


def _row(name: str, result: dict, baseline: dict) -> list[object]:
    return [
        name,
        result["exit"],
        result["accepted"],
        result["rejected"],
        result["seconds"],
        result["peak_gb"],
        result["peak_gb"] / baseline["peak_gb"],
        result["largest_child_gb"],
        result["reason"],
    ]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="storyline-limits-"))
    baseline = _run(REPO / "seeds", work / "out-seeds")
    rows, results = [], {"seeds (baseline)": baseline}
    rows.append(_row("seeds (baseline)", baseline, baseline))
    for number, (name, path) in enumerate(cases(work)):
        result = _run(path, work / f"out-{number}")
        results[name] = result
        path.unlink()
        rows.append(_row(name, result, baseline))
        if result["tail"]:
            print(f"{name}: {result['tail']}", file=sys.stderr)
        print(f"{name}: {json.dumps(result)}", flush=True)
    print_table(
        "One record at each reading limit: a whole `storyline run` (seconds; the run's peak GB, × the seeds run's;"
        " its largest child's: the Prefect server, a cleaning worker or a page extraction)",
        ["input", "exit", "accepted", "rejected", "seconds", "peak GB", "× seeds", "largest child GB", "reject"],
        rows,
    )
    save("limits", results)


if __name__ == "__main__":
    main()
