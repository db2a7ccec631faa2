"""Story quality on resamples: each dev set drawn again by story, Storyline beside a plain baseline.

    .venv/bin/python bench/bench_resamples.py [--config candidate.toml ...] [--halves 20] [--no-incremental]

For each dev set (ECB+, UCI headlines, giveme) and for the three mixed into one feed: 20 random halves by
story, and a quarter, a half and all of its stories (``resamples.draws``). Each draw is clustered as a run
clusters it, with the defaults (and, given ``--config``, with a candidate's settings, in the same run), and
scored by pairwise F1. Printed per set: the mean, the worst decile (10th percentile) and the worst draw,
mean precision and recall, the mean count of predicted stories of 5 or more articles that mix events (the
largest holds under 80 %), the mean share of a gold story of 5 or more that its largest predicted
story holds, the largest loss of pairwise F1 when the newest 5 % of a draw is assigned to the stories
of a run over the rest rather than clustered with it (``resamples.run_scores``; ``--no-incremental`` leaves
it out) and, on that draw, how much better the run over all groups the older articles than the run over
them did (a loss no placing of the new ones undoes), and the mean and worst decile of the events' pairwise
F1 against the same labels (the finer level inside stories: what ECB+'s event labels score; the baseline
has one level, its F1 is repeated).

The baseline is average linkage on the same embeddings cut at one cosine distance, chosen two ways: on the
set's own draws (the best mean F1: what a threshold read off the set gives, an optimistic figure), and
leave-one-dataset-out (the best mean over the other two sets; for the mix, over the three). A candidate is
better when its worst decile rises on every set.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ECBPLUS_DEV, EMBEDDING_CACHE, GIVEME_DEV, UCI_DEV, print_table, save
from resamples import (
    BASELINE_THRESHOLDS,
    DrawScore,
    Summary,
    baseline_scores,
    draws,
    load_set,
    mixed,
    run_scores,
    summary,
)

from clustering.config import Config
from clustering.config_files import load_config
from clustering.storage.embedding_cache import EmbeddingCache

SETS = {"ECB+": ECBPLUS_DEV, "UCI": UCI_DEV, "giveme": GIVEME_DEV}


def _row(method: str, result: Summary, extra: str = "") -> list[object]:
    return [method, *asdict(result).values(), extra]


def _best(per_threshold: dict[str, np.ndarray], among: list[str]) -> int:
    """The threshold with the best mean F1 over the sets ``among`` (each set's draws averaged first)."""
    return int(np.argmax(np.mean([per_threshold[name] for name in among], axis=0)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--config",
        type=Path,
        action="append",
        default=[],
        help="a candidate's settings (TOML), run beside the defaults; repeatable",
    )
    parser.add_argument("--halves", type=int, default=20)
    parser.add_argument("--sets", nargs="*", default=[*SETS, "mixed"])
    parser.add_argument("--no-defaults", action="store_true", help="run the candidate only")
    parser.add_argument("--no-incremental", action="store_true", help="leave out the newest-5 %% assignment runs")
    arguments = parser.parse_args()
    cache = EmbeddingCache(EMBEDDING_CACHE)
    loaded = {name: load_set(name, *SETS[name], cache) for name in SETS}
    loaded["mixed"] = mixed(list(loaded.values()))
    configs = {} if arguments.no_defaults else {"storyline (defaults)": Config()}
    for path in arguments.config:
        configs[f"storyline ({path.name})"] = load_config(path)
    drawn = {name: draws(loaded[name], arguments.halves) for name in loaded}
    baseline = {
        name: [baseline_scores(draw, loaded[name], BASELINE_THRESHOLDS) for draw in drawn[name]] for name in loaded
    }
    mean_f1 = {name: np.mean([[s.f1 for s in row] for row in rows], axis=0) for name, rows in baseline.items()}
    singles = list(SETS)
    results = {}
    for name in arguments.sets:
        rows = []
        for method, config in configs.items():
            start = time.perf_counter()
            scores: list[DrawScore] = [
                run_scores(draw, loaded[name], config, EMBEDDING_CACHE, not arguments.no_incremental)
                for draw in drawn[name]
            ]
            rows.append(_row(method, summary(scores, drawn[name]), f"{time.perf_counter() - start:.0f} s"))
            if arguments.no_incremental:
                rows[-1][-5:-3] = ["-", "-"]
        own = _best(mean_f1, [name])
        others = _best(mean_f1, [other for other in singles if other != name])
        for label, chosen in (("own draws", own), ("other sets", others)):
            threshold = BASELINE_THRESHOLDS[chosen]
            result = summary([row[chosen] for row in baseline[name]], drawn[name])
            row = _row(f"average linkage, cut chosen on {label}", result, f"cut {threshold:.3f}")
            row[-5:-3] = ["-", "-"]  # one clustering of everything: nothing is assigned
            rows.append(row)
        sizes = [len(draw.records) for draw in drawn[name]]
        print_table(
            f"{name}: {len(drawn[name])} draws of {min(sizes)}-{max(sizes)} articles",
            [
                "method",
                "mean F1",
                "worst decile",
                "worst",
                "worst draw",
                "precision",
                "recall",
                "mixed stories",
                "kept whole",
                "worst loss, newest 5 % assigned",
                "of it, older articles grouped otherwise",
                "events: mean F1",
                "events: worst decile",
                "",
            ],
            rows,
        )
        sys.stdout.flush()
        results[name] = {row[0]: dict(zip(["mean", "worst_decile", "worst"], row[1:4], strict=True)) for row in rows}
    if not arguments.config:
        save("resamples", results)


if __name__ == "__main__":
    main()
