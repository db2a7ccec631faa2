"""Soak the real CLI with hostile records: how many were tried, how many runs crashed, how many records
were lost (in neither articles.jsonl nor rejects.jsonl).

    python bench/bench_hostile.py [--batches 200]

Each batch is a list of records drawn from the property test's space (tests/hostile_corpus.py: lone
surrogates, control characters, deep nesting, extreme dates and epochs, malformed URLs, any JSON value in
any field), written as JSONL, CSV and .txt files and run through `storyline run` into a fresh folder; the
hand-made hostile corpus is run first (with records and files past the reading limits, a FIFO, a link to
/dev/zero, a link out of the folder, and an XHTML page). Prints one table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test suite's generators

from hostile_corpus import hostile_records, write_hostile_corpus, write_records

from flows.cli import EXIT_REJECTS, app


def _fifos(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if Path(folder, name).is_fifo()]


def _run(folder: Path, out: Path, expected: int, tally: dict[str, int]) -> None:
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(out), "--quiet"])
    tally["runs"] += 1
    tally["records"] += expected
    if result.exit_code not in (0, EXIT_REJECTS) or not (out / "run.json").exists():
        tally["crashed runs"] += 1
        print(f"crash in {folder}: exit {result.exit_code}\n{result.output[-2000:]}", file=sys.stderr)
        return
    articles = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    rejects = (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    stories = json.loads((out / "stories.json").read_text(encoding="utf-8"))
    in_stories = sorted(article_id for story in stories for article_id in story["article_ids"])
    tally["articles"] += len(articles)
    tally["rejects"] += len(rejects)
    if len(articles) + len(rejects) != expected:
        tally["runs whose counts differ"] += 1
        kept = Path(tempfile.gettempdir()) / "storyline-soak-differs" / folder.parent.name
        # Links kept as links, FIFOs left out: copying them would read /dev/zero or block.
        shutil.copytree(folder, kept, symlinks=True, ignore=_fifos, dirs_exist_ok=True)
        print(
            f"{folder}: {expected} records, {len(articles)} articles + {len(rejects)} rejects; kept in {kept}",
            file=sys.stderr,
        )
    tally["lost"] += max(0, expected - len(articles) - len(rejects))
    tally["counted twice"] += max(0, len(articles) + len(rejects) - expected)
    tally["articles not in exactly one story"] += len(
        set(in_stories) ^ {json.loads(line)["id"] for line in articles}
    ) + (len(in_stories) - len(set(in_stories)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200, help="generated batches of records (1-8 records each)")
    arguments = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    tally = dict.fromkeys(
        [
            "runs",
            "records",
            "articles",
            "rejects",
            "lost",
            "counted twice",
            "runs whose counts differ",
            "crashed runs",
            "articles not in exactly one story",
        ],
        0,
    )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work, prefect_test_harness(server_startup_timeout=120):
        root = Path(work)
        counts = write_hostile_corpus(root / "corpus")
        _run(root / "corpus", root / "corpus-out", sum(counts.values()), tally)
        batch = iter(range(arguments.batches))

        @settings(
            max_examples=arguments.batches,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(records=hostile_records)
        def soak(records: list[dict]) -> None:
            number = next(batch, None)
            if number is None:
                return
            folder = root / f"batch-{number}"
            _run(folder / "in", folder / "out", write_records(folder / "in", records), tally)

        soak()
    print("\n| what | count |\n|---|---|\n" + "\n".join(f"| {name} | {value:,} |" for name, value in tally.items()))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
