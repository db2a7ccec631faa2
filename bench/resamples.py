"""Resamples of the labelled dev sets by story, and how a run and a plain baseline score on each.

A default is kept when it holds on corpora nobody tuned it for; three fixed sets cannot show that, so every
set is drawn again by story: 20 random halves, and a quarter, a half and all of its stories (one draw each),
and the three sets mixed into one feed (headlines beside full texts) is drawn the same way. Each draw is
written as one JSONL file in the default field names and scored as ``storyline run`` would make its stories
(``evaluate_files``). The baseline is average linkage on the same embeddings, cut at one distance.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.config import Config, ReadConfig
from clustering.embed.embedding import embed_articles
from clustering.evaluate import evaluate_files, score
from clustering.ingest.clean import clean_or_reject
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline
from clustering.records import Article, article_stories
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.workspace import Workspace

GOLD = "gold"
HALVES = 20
FRACTIONS = (0.25, 0.5, 1.0)
# The share of a draw's newest articles assigned to the stories of a run over the rest.
NEW_SHARE = 0.05
BASELINE_THRESHOLDS = tuple(np.round(np.arange(0.05, 1.0, 0.025), 3))


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """One dev set in the default field names: each record with its gold label in ``GOLD`` (prefixed with
    the set's name, so that sets can be mixed), and the embedding a run gives each article and its date
    (``Article.date``), by id."""

    name: str
    records: list[dict]
    embedding_of: dict[str, np.ndarray]
    date_of: dict[str, datetime | None]

    def stories(self) -> list[str]:
        return sorted({record[GOLD] for record in self.records})


@dataclass(frozen=True, slots=True)
class Draw:
    """Some stories of a set: its name says which draw it is ("half 3", "25% of stories")."""

    name: str
    records: list[dict]


def _renamed(fields: dict, field_names: dict[str, str]) -> dict:
    """A record's fields as the default names read them: each mapped field copied under its default name.
    The input's own names stay, so a record reads as it did (a headline file mapping ``text`` to its
    ``title`` column has that column as the title too)."""
    return {**fields, **{default: fields[own] for default, own in field_names.items() if own in fields}}


def load_set(
    name: str, path: Path, label_field: str, field_names: dict[str, str], cache: EmbeddingCache
) -> LabelledSet:
    records, articles = [], []
    for fields, outcome in iter_inputs([path], ReadConfig(field_names=field_names)):
        if not isinstance(outcome, Article) or fields.get(label_field) in (None, ""):
            continue
        record = _renamed(fields, field_names)
        record["id"] = f"{name}:{outcome.id}"
        record[GOLD] = f"{name}:{fields[label_field]}"
        records.append(record)
        articles.append(outcome)
    cleaned, _ = clean_or_reject(articles)
    embeddings = embed_articles(cleaned, Config().embed, cache)
    embedding_of = {f"{name}:{article.id}": row for article, row in zip(cleaned, embeddings, strict=True)}
    return LabelledSet(name, records, embedding_of, {f"{name}:{article.id}": article.date for article in cleaned})


def mixed(sets: Sequence[LabelledSet]) -> LabelledSet:
    return LabelledSet(
        "mixed",
        [record for labelled in sets for record in labelled.records],
        {key: row for labelled in sets for key, row in labelled.embedding_of.items()},
        {key: date for labelled in sets for key, date in labelled.date_of.items()},
    )


def draws(labelled: LabelledSet, halves: int = HALVES) -> list[Draw]:
    """``halves`` random halves by story, then a quarter, a half and all of the stories."""
    stories = labelled.stories()

    def of(chosen: Sequence[str]) -> list[dict]:
        kept = set(chosen)
        return [record for record in labelled.records if record[GOLD] in kept]

    result = []
    for seed in range(halves):
        order = np.random.default_rng(seed).permutation(len(stories))
        result.append(Draw(f"half {seed}", of([stories[i] for i in order[: len(stories) // 2]])))
    for fraction in FRACTIONS:
        order = np.random.default_rng(1000).permutation(len(stories))
        count = max(2, round(fraction * len(stories)))
        result.append(Draw(f"{fraction:.0%} of stories", of([stories[i] for i in order[:count]])))
    return result


@dataclass(frozen=True, slots=True)
class DrawScore:
    f1: float
    precision: float
    recall: float
    # Predicted stories of 5 articles or more whose largest gold story holds under 80 % of them.
    mixed_stories: int
    # Over gold stories of 5 articles or more: the mean share held by the largest predicted story.
    kept_whole: float
    # Pairwise F1 of one run over the draw less that of the newest ``NEW_SHARE`` assigned to the stories
    # of a run over the rest (0 where not measured, as for the baseline).
    incremental_loss: float = 0.0
    # Of that draw, pairwise F1 of the older articles alone as the run over all groups them less as the run
    # over them groups them: what no placing of the new ones undoes.
    older_regrouping: float = 0.0
    # Pairwise F1 of the events inside the stories against the same labels (the baseline's one level: its F1).
    event_f1: float | None = None


def draw_score(gold: Sequence[str], predicted: Sequence[str]) -> DrawScore:
    scores = score(gold, predicted)
    members: dict[str, Counter] = defaultdict(Counter)
    fragments: dict[str, Counter] = defaultdict(Counter)
    for gold_label, predicted_label in zip(gold, predicted, strict=True):
        members[predicted_label][gold_label] += 1
        fragments[gold_label][predicted_label] += 1
    mixed_stories = sum(
        1 for counts in members.values() if counts.total() >= 5 and max(counts.values()) < 0.8 * counts.total()
    )
    big = [counts for counts in fragments.values() if counts.total() >= 5]
    kept_whole = float(np.mean([max(c.values()) / c.total() for c in big])) if big else 1.0
    return DrawScore(scores.pairwise_f1, scores.pairwise_precision, scores.pairwise_recall, mixed_stories, kept_whole)


def write_records(records: Sequence[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(record, default=str) + "\n" for record in records))
    return path


def arrival_order(draw: Draw, labelled: LabelledSet) -> list[int]:
    """The draw's records (rows) in the order a feed would bring them: by date, undated ones last in a
    seeded shuffle (ECB+'s)."""
    shuffled = np.random.default_rng(0).permutation(len(draw.records))
    dates = [labelled.date_of.get(record["id"]) for record in draw.records]
    return sorted(
        range(len(dates)),
        key=lambda row: (dates[row] is None, dates[row] and dates[row].timestamp(), shuffled[row]),
    )


def run_scores(draw: Draw, labelled: LabelledSet, config: Config, cache: Path, incremental: bool = True) -> DrawScore:
    """The draw written as one JSONL file and scored as a run in a fresh folder clusters it, its stories
    and their events; then (``incremental``) the newest ``NEW_SHARE`` of it (undated articles last, in a
    seeded shuffle) left out of a first run and assigned by a second (``run.incremental_share`` 1, so that
    it is assigned), as ``storyline run`` adds new articles to a store."""
    gold_of = {record["id"]: record[GOLD] for record in draw.records}
    with tempfile.TemporaryDirectory(prefix="storyline-resample-") as folder:
        whole = write_records(draw.records, Path(folder) / "draw.jsonl")
        evaluation = evaluate_files([whole], GOLD, config, cache)
        story_of = evaluation.story_of
        ids = list(story_of)
        scores = replace(
            draw_score([gold_of[i] for i in ids], [story_of[i] for i in ids]),
            event_f1=evaluation.event_scores.pairwise_f1,
        )
        if not incremental:
            return scores
        order = arrival_order(draw, labelled)
        known = sorted(order[: round(len(order) * (1 - NEW_SHARE))])
        store = Workspace(Path(folder) / "store", cache)
        first = Pipeline(store, config).run(
            [str(write_records([draw.records[row] for row in known], Path(folder) / "known.jsonl"))]
        )
        assign_all = replace(config, run=replace(config.run, incremental_share=1.0))
        result = Pipeline(store, assign_all).run([str(whole)])
    assigned = article_stories(result.stories)
    incremental = score([gold_of[i] for i in ids], [assigned[i] for i in ids]).pairwise_f1
    first_of = article_stories(first.stories)
    older = [i for i in ids if i in first_of]
    older_gold = [gold_of[i] for i in older]
    regrouping = (
        score(older_gold, [story_of[i] for i in older]).pairwise_f1
        - score(older_gold, [first_of[i] for i in older]).pairwise_f1
    )
    return replace(scores, incremental_loss=scores.f1 - incremental, older_regrouping=regrouping)


def average_linkage_labels(draw: Draw, labelled: LabelledSet) -> tuple[list[str], np.ndarray]:
    """The draw's gold labels and its average-linkage tree on cosine distance (articles a run cleans)."""
    kept = [record for record in draw.records if record["id"] in labelled.embedding_of]
    vectors = np.array([labelled.embedding_of[record["id"]] for record in kept], dtype=np.float64)
    return [record[GOLD] for record in kept], linkage(vectors, method="average", metric="cosine")


def baseline_scores(draw: Draw, labelled: LabelledSet, thresholds: Sequence[float]) -> list[DrawScore]:
    """Average linkage cut at each of ``thresholds``."""
    gold, tree = average_linkage_labels(draw, labelled)
    return [draw_score(gold, [str(label) for label in fcluster(tree, t, "distance")]) for t in thresholds]


@dataclass(frozen=True, slots=True)
class Summary:
    mean: float
    worst_decile: float
    worst: float
    worst_draw: str
    precision: float
    recall: float
    mixed_stories: float
    kept_whole: float
    worst_incremental_loss: float
    worst_loss_older_regrouping: float
    event_mean: float
    event_worst_decile: float


def summary(scores: Sequence[DrawScore], draws: Sequence[Draw]) -> Summary:
    """Over the draws, each scored in ``scores``."""
    f1 = np.array([s.f1 for s in scores])
    event_f1 = np.array([s.f1 if s.event_f1 is None else s.event_f1 for s in scores])
    return Summary(
        float(f1.mean()),
        float(np.percentile(f1, 10)),
        float(f1.min()),
        draws[int(f1.argmin())].name,
        float(np.mean([s.precision for s in scores])),
        float(np.mean([s.recall for s in scores])),
        float(np.mean([s.mixed_stories for s in scores])),
        float(np.mean([s.kept_whole for s in scores])),
        float(max(s.incremental_loss for s in scores)),
        max(scores, key=lambda s: s.incremental_loss).older_regrouping,
        float(event_f1.mean()),
        float(np.percentile(event_f1, 10)),
    )
