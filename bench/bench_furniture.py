"""Page furniture: what it does to reuse pairs, outlet tables, summaries and stories, with learning off and on.

    .venv/bin/python bench/bench_furniture.py

Runs the pipeline (the library's ``Pipeline``) twice over each corpus, in the same process: furniture
learning off (the shape rules of cleaning only: ``furniture.learn = false``) and on (the default).

- giveme-dev (real scraped articles, 61 outlets): reuse pairs; pairs between articles of different gold
  events; *furniture pairs*, whose shared text is mostly made of pieces its outlet prints in articles of two
  different gold events (the gold labels say what is furniture; the learner never sees them); outlets
  credited with reprinting themselves; summaries holding furniture (``bench_summaries.check``); pairwise F1.
- generated sites (``sites.py``): furniture removal precision and recall by character against the
  furniture put in; reprint pairs found; pairs that are not reprints; pairwise F1.
- ECB+, UCI headlines, seeds (clean corpora): pairs and stories must stay as they were.
Prints the tables and samples of what was learned.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_summaries import check
from common import DATA, ECBPLUS_DEV, UCI_DEV, print_table, save
from sites import generate

from clustering.config import Config, FurnitureConfig, ReadConfig
from clustering.evaluate import score
from clustering.ingest.clean import CLEANING_VERSION, clean_or_reject
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline, RunResult
from clustering.records import Article, article_stories
from clustering.storage.store import StoryStore
from clustering.storage.workspace import Workspace

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _run(inputs: list[str], field_names: dict, learn: bool, cache: Path) -> tuple[RunResult, list[Article], list]:
    """A run in a fresh workspace: its result, the stored articles as cleaned, the reuse pairs."""
    config = Config(read=ReadConfig(field_names=field_names), furniture=FurnitureConfig(learn=learn))
    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace(Path(folder), cache)
        result = Pipeline(workspace, config, log=lambda message: None).run(inputs)
        store = StoryStore(workspace.store, CLEANING_VERSION)
        articles, pairs = store.articles(), store.pairs()
        store.close()
    return result, articles, pairs


def _gold(inputs: list[str], field_names: dict, label: str) -> dict[str, str]:
    return {
        article.id: str(fields[label])
        for fields, article in iter_inputs(inputs, ReadConfig(field_names=field_names))
        if isinstance(article, Article) and fields.get(label) not in (None, "")
    }


def _f1(result: RunResult, gold: dict[str, str]) -> float:
    story_of = article_stories(result.stories)
    scored = [article_id for article_id in gold if article_id in story_of]
    return score([gold[i] for i in scored], [story_of[i] for i in scored]).pairwise_f1


def _self_credits(result: RunResult) -> int:
    return sum(1 for row in result.report.attribution if row["outlet"] == row["source"])


def _gold_furniture(inputs: list[str], gold: dict[str, str]) -> dict[str, set[tuple[int, int]]]:
    """By article, the spans of the pieces its outlet prints in articles of two or more gold events."""
    articles, _ = clean_or_reject([article for _, article in iter_inputs(inputs) if isinstance(article, Article)])
    events: dict[tuple[str, int], set[str]] = defaultdict(set)
    for article in articles:
        for _, _, key in article.segments:
            events[(article.outlet or "", key)].add(gold.get(article.id, ""))
    return {
        article.id: {(s, e) for s, e, key in article.segments if len(events[(article.outlet or "", key)]) > 1}
        for article in articles
    }


def _covered(spans, inside) -> int:
    return sum(max(0, min(e, ie) - max(s, i_s)) for s, e in spans for i_s, ie in inside)


def _furniture_pairs(pairs, furniture: dict[str, set[tuple[int, int]]]) -> list:
    """Pairs whose shared text, on both sides, is at least half gold furniture."""
    found = []
    for pair in pairs:
        shared = {pair.a: pair.a_spans, pair.b: pair.b_spans}
        halves = [
            _covered(spans, furniture.get(i, ())) * 2 >= sum(e - s for s, e in spans) for i, spans in shared.items()
        ]
        if all(halves):
            found.append(pair)
    return found


def _samples(learned: list[Article], shape_only: list[Article]) -> None:
    """The furniture learning took out, by outlet and text, the most frequent first."""
    before = {article.id: set(article.furniture_spans) for article in shape_only}
    found: dict[tuple[str, str], int] = defaultdict(int)
    for article in learned:
        for start, end in set(article.furniture_spans) - before.get(article.id, set()):
            found[(article.outlet or "", " ".join(article.text[start:end].split())[:100])] += 1
    print("\nSamples: furniture learned and taken out (articles, outlet, text), the most frequent")
    for (outlet, text), count in sorted(found.items(), key=lambda item: -item[1])[:12]:
        print(f"  {count:3d}  {outlet}: {text}")


def giveme(cache: Path) -> list[list[object]]:
    inputs = [str(DATA / "giveme-dev.jsonl")]
    gold = _gold(inputs, {}, "event")
    furniture = _gold_furniture(inputs, gold)
    rows = []
    shape_only: list[Article] = []
    for learn in (False, True):
        result, articles, pairs = _run(inputs, {}, learn, cache)
        cross = [pair for pair in pairs if gold[pair.a] != gold[pair.b]]
        rows.append(
            [
                "on" if learn else "off",
                len(pairs),
                len(cross),
                len(_furniture_pairs(pairs, furniture)),
                _self_credits(result),
                sum(1 for story in result.stories if check([story])["furniture"]),
                len(result.stories),
                round(_f1(result, gold), 3),
            ]
        )
        if learn:
            _samples(articles, shape_only)
        shape_only = articles
    return rows


def generated(cache: Path) -> list[list[object]]:
    sites = generate()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sites.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in sites.articles))
        gold = {record["id"]: record["event"] for record in sites.articles}
        for learn in (False, True):
            result, articles, pairs = _run([str(path)], {}, learn, cache)
            hit = removed = truth = 0
            for article in articles:
                title_end = article.text.index("\n")
                kept = set()
                for start, end in article.body_spans:
                    kept.update(range(start, end))
                out = {
                    i for i in range(title_end, len(article.text)) if i not in kept and not article.text[i].isspace()
                }
                true = {i for s, e in sites.furniture[article.id] for i in range(s, e) if not article.text[i].isspace()}
                hit, removed, truth = hit + len(out & true), removed + len(out), truth + len(true)
            found = {(p.a, p.b) if p.a < p.b else (p.b, p.a) for p in pairs}
            rows.append(
                [
                    "on" if learn else "off",
                    len(sites.articles),
                    round(hit / max(1, removed), 3),
                    round(hit / max(1, truth), 3),
                    f"{len(found & sites.reprints)}/{len(sites.reprints)}",
                    sum(1 for a, b in found - sites.reprints if gold[a] != gold[b]),
                    sum(1 for a, b in found - sites.reprints if gold[a] == gold[b]),
                    round(_f1(result, gold), 3),
                ]
            )
    return rows


def clean_corpora(cache: Path) -> list[list[object]]:
    rows = []
    corpora = [
        ("ECB+ dev", [str(ECBPLUS_DEV[0])], ECBPLUS_DEV[2], ECBPLUS_DEV[1]),
        ("UCI dev", [str(UCI_DEV[0])], UCI_DEV[2], UCI_DEV[1]),
        ("seeds", [str(SEEDS)], {}, None),
    ]
    for name, inputs, field_names, label in corpora:
        gold = _gold(inputs, field_names, label) if label else {}
        runs = [_run(inputs, field_names, learn, cache) for learn in (False, True)]
        (before, articles_before, pairs_before), (after, articles_after, pairs_after) = runs
        body_before = {article.id: article.body for article in articles_before}
        changed = sum(1 for article in articles_after if body_before.get(article.id) != article.body)
        rows.append(
            [
                name,
                len(pairs_before),
                len(pairs_after),
                len({(p.a, p.b) for p in pairs_before} ^ {(p.a, p.b) for p in pairs_after}),
                round(_f1(before, gold), 3) if gold else "-",
                round(_f1(after, gold), 3) if gold else "-",
                sum(1 for a, b in zip(before.stories, after.stories, strict=False) if a.article_ids != b.article_ids),
                changed,
            ]
        )
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as cache_folder:
        cache = Path(cache_folder) / "embeddings.sqlite"
        results = {}
        rows = giveme(cache)
        header = ["learning", "pairs", "pairs across events", "furniture pairs", "self-credits"]
        header += ["summaries with furniture", "stories", "pairwise F1"]
        print_table("giveme-dev (210 real scraped articles, 61 outlets)", header, rows)
        results["giveme"] = [dict(zip(header, row, strict=True)) for row in rows]
        rows = generated(cache)
        header = ["learning", "articles", "char precision", "char recall", "reprint pairs found"]
        header += ["other pairs across events", "other pairs within an event"]
        header += ["pairwise F1"]
        print_table("generated sites (ECB+ text, 6 sites with their own furniture)", header, rows)
        results["sites"] = [dict(zip(header, row, strict=True)) for row in rows]
        rows = clean_corpora(cache)
        header = ["corpus", "pairs off", "pairs on", "pairs differing", "F1 off", "F1 on", "stories differing"]
        header += ["bodies changed"]
        print_table("clean corpora: the same pairs and stories", header, rows)
        results["clean"] = [dict(zip(header, row, strict=True)) for row in rows]
        save("furniture", results)


if __name__ == "__main__":
    main()
