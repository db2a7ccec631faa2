"""Start-up of the command line, timed as users time it: whole processes, imports included.

    .venv/bin/python bench/bench_startup.py

Each command runs 7 times in a fresh process; the table gives the median wall time and its ratio to a
bare `python -c pass` measured in the same run (the baseline: the interpreter's own start). The commands
that only print (`--version`, `--help`, a command's `--help`) import none of the library's heavy parts.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, save

STORYLINE = str(Path(sys.executable).with_name("storyline"))
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "storyline --version": [STORYLINE, "--version"],
    "storyline --help": [STORYLINE, "--help"],
    "storyline dedup --help": [STORYLINE, "dedup", "--help"],
    "storyline run --help": [STORYLINE, "run", "--help"],
}
RUNS = 7


def median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    seconds = {name: median_seconds(command) for name, command in COMMANDS.items()}
    baseline = seconds["python -c pass (baseline)"]
    rows = [[name, value, value / baseline] for name, value in seconds.items()]
    print_table("Start-up, whole processes (median of 7)", ["command", "seconds", "× python -c pass"], rows)
    save("startup", {name: round(value, 3) for name, value in seconds.items()})


if __name__ == "__main__":
    main()
