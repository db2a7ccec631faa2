"""The served dashboard over big stores: each page's time and the server's peak memory, as an analyst meets
them (``storyline serve`` as a whole process, requests over HTTP).

    .venv/bin/python bench/bench_dashboard.py [--sizes 100000 1000000] [--baseline DIR --baseline-sizes 100000]

Stores are ``bench_scale.py``'s simulation (``build_store``: two years of articles at a million's daily
volume, every story stored, those closed past the window and the lookback archived), then one run over
them (``Pipeline`` with the simulated embedder: the working stories get their headlines, summaries,
places on the map and related stories). Per store: the server's start (until ``/healthz`` answers), then
each request twice (the first reads what every page shows, once per change of the store; the second is
the page as the next analyst gets it), and the server's peak resident memory after them all.

``--baseline DIR``: another checkout of Storyline (``git worktree add DIR <rev>``), whose library builds,
runs and serves its own store of each of ``--baseline-sizes`` in the same run: the code before, measured
beside the code now. Ratios are to ``/healthz`` in the same server: what a page costs beyond the server.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
STORYLINE = str(Path(sys.executable).with_name("storyline"))
REPOSITORY = BENCH.parent


def _build(folder: Path, size: int) -> None:
    """The simulated store of ``size`` articles in ``folder``, and one run over it (this process's library)."""
    sys.path.insert(0, str(BENCH))
    from bench_cluster_scale import _articles, _headline_embeddings
    from bench_scale import POOL, _simulated_embedder, build_store

    from clustering.config import Config, EmbedConfig, ReuseConfig, RunConfig
    from clustering.pipeline import Pipeline
    from clustering.storage.workspace import Workspace

    pool = _articles(POOL)
    headlines = sorted({article.title or "" for article in pool})
    vectors = dict(zip(headlines, _headline_embeddings(headlines), strict=True))
    config = Config(
        embed=EmbedConfig(backend="onnx"),  # no backend to choose: the simulated embedder stands in
        run=RunConfig(story_window_days=30.0),
        reuse=ReuseConfig(lookback_days=7.0),
    )
    workspace = Workspace(folder)
    build_store(workspace, size, pool, config)
    Pipeline(workspace, config, embed_shards=_simulated_embedder(vectors), log=lambda _: None).run([], recluster=True)


def _with_code(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "PREFECT_LOGGING_LEVEL": "WARNING"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(address: str, path: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    with urllib.request.urlopen(address + path, timeout=1800) as answer:
        length = len(answer.read())
        return time.perf_counter() - start, answer.status, length


def _requests(folder: Path) -> list[tuple[str, str]]:
    """What an analyst opens: the list (a search, an outlet, a date, by size), the largest working story, one
    of its articles, the API's list and story, the map and the outlets. Read from the file itself, so that
    the requests are the same for any version's store."""
    with sqlite3.connect(f"file:{folder / 'store.sqlite'}?mode=ro", uri=True) as connection:
        stories = [json.loads(story) for (story,) in connection.execute("SELECT story FROM stories WHERE archived = 0")]
    story = max(stories, key=lambda found: (len(found["article_ids"]), found["story_id"]))
    word = urllib.parse.quote((story["headline"].split() or ["the"])[0].lower())
    outlet = urllib.parse.quote(next(iter(story["sources"]), "Reuters"))
    return [
        ("/healthz", "/healthz"),
        ("list, first page", "/"),
        ("list, a search", f"/?q={word}"),
        ("list, one outlet", f"/?outlet={outlet}"),
        ("list, by size, page 40", "/?sort=size&page=40"),
        ("list, since a date", "/?since=2025-06-01"),
        ("a story (the largest working one)", f"/story/{story['story_id']}"),
        ("an article (API)", f"/api/articles/{story['article_ids'][0]}"),
        ("/api/stories", "/api/stories?per_page=100"),
        ("/api/stories/{id}", f"/api/stories/{story['story_id']}"),
        ("map", "/map"),
        ("outlets", "/outlets"),
    ]


def _served(folder: Path, code: Path, label: str) -> list[list[object]]:
    port = _free_port()
    address = f"http://127.0.0.1:{port}"
    command = [STORYLINE, "serve", "--store", str(folder), "--port", str(port)]
    start = time.perf_counter()
    server = subprocess.Popen(command, env=_with_code(code), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                _get(address, "/healthz")
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"the dashboard of {label} did not start") from None
                time.sleep(0.05)
        rows: list[list[object]] = [[label, "server start, until /healthz answers", time.perf_counter() - start]]
        timings = {}
        for name, path in _requests(folder):
            first, status, length = _get(address, path)
            again, _, _ = _get(address, path)
            timings[name] = (first, again, status, length)
        base = timings["/healthz"][1]
        for name, (first, again, status, length) in timings.items():
            rows.append([label, name, first, again, round(again / base, 1), f"{status}, {length / 1e3:.0f} kB"])
        peak = int(Path(f"/proc/{server.pid}/status").read_text().split("VmHWM:")[1].split()[0]) / 1e3
        rows.append([label, "server peak memory, MB", round(peak)])
        return rows
    finally:
        server.terminate()
        server.wait(timeout=60)


def _measured(code: Path, size: int, name: str) -> list[list[object]]:
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        build = [sys.executable, __file__, "--build", work, str(size)]
        subprocess.run(build, env=_with_code(code), check=True, capture_output=True)
        print(f"{name} {size:,}: built and run in {time.perf_counter() - start:.0f} s", flush=True)
        return _served(Path(work), code, f"{name}, {size:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--baseline", type=Path, help="another checkout, measured beside this one")
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--build", nargs=2, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.build:
        _build(Path(arguments.build[0]), int(arguments.build[1]))
        return
    sys.path.insert(0, str(BENCH))
    from common import print_table, save

    rows = []
    if arguments.baseline:
        for size in arguments.baseline_sizes:
            rows += _measured(arguments.baseline.resolve(), size, "before")
    for size in arguments.sizes:
        rows += _measured(REPOSITORY, size, "now")
    header = ["store", "request", "first s", "again s", "× /healthz", "status, size"]
    rows = [row + [""] * (len(header) - len(row)) for row in rows]
    print_table("The served dashboard over big stores (whole server process, HTTP requests)", header, rows)
    save("dashboard", {"header": header, "rows": rows, "machine_time": time.strftime("%Y-%m-%d")})


if __name__ == "__main__":
    main()
