"""Scores of a story labelling against gold labels (pairwise and B-cubed F1, adjusted Rand index), and the
harness that runs the pipeline over a labelled corpus, exactly as ``storyline run`` does, and scores it;
and the correlation of the run's same-story similarity with pairs scored by annotators (SemEval-2022 Task 8).
"""

from __future__ import annotations

import csv
import math
import tempfile
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from clustering.config import Config
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline
from clustering.records import Article, article_events, article_stories
from clustering.storage.workspace import Workspace
from clustering.stories.clusterer import StoryClusterer


@dataclass(frozen=True, slots=True)
class Scores:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    adjusted_rand: float
    n_articles: int
    n_gold_stories: int
    n_predicted_stories: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _pairs(sizes: Counter) -> int:
    return sum(size * (size - 1) // 2 for size in sizes.values())


def score(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> Scores:
    """Compare two labellings of the same articles (an unclustered article should be its own label).

    Pairwise scores count article pairs: a true positive is a pair in one story in both labellings.
    With no pairs on a side, its precision or recall is 1 (nothing to get wrong).
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predicted")
    both = Counter(zip(gold, predicted, strict=True))
    gold_sizes, predicted_sizes = Counter(gold), Counter(predicted)
    true_pairs = _pairs(both)
    predicted_pairs, gold_pairs = _pairs(predicted_sizes), _pairs(gold_sizes)
    precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    count = len(gold)
    # B-cubed: per article, the share of its predicted story that is in its gold story, and vice versa.
    bcubed_precision = sum(n * n / predicted_sizes[p] for (_, p), n in both.items()) / count if count else 1.0
    bcubed_recall = sum(n * n / gold_sizes[g] for (g, _), n in both.items()) / count if count else 1.0
    return Scores(
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=bcubed_precision,
        bcubed_recall=bcubed_recall,
        bcubed_f1=_f1(bcubed_precision, bcubed_recall),
        adjusted_rand=float(adjusted_rand_score(list(map(str, gold)), list(map(str, predicted)))) if count else 1.0,
        n_articles=count,
        n_gold_stories=len(gold_sizes),
        n_predicted_stories=len(predicted_sizes),
    )


@dataclass(frozen=True, slots=True)
class Evaluation:
    scores: Scores
    # Records not scored: without a label, or rejected by the run.
    rejected: int
    duplicates: int
    # Each scored article's story, in input order.
    story_of: dict[str, str]
    # Each scored article's event (``Story.events``), the finer level, and its scores against the same labels.
    event_of: dict[str, str]
    event_scores: Scores


def evaluate_files(
    inputs: Sequence[Path | str],
    label_field: str,
    config: Config | None = None,
    embedding_cache: Path | str | None = None,
) -> Evaluation:
    """Run the pipeline over labelled records in a fresh workspace (``Pipeline.run``: what ``storyline
    run`` does on a new output folder) and score its stories against the labels in ``label_field``.

    Records without a label are clustered as a run would but not scored; they and the records the run
    rejects are counted in ``rejected``. ``embedding_cache`` keeps embeddings between evaluations.
    """
    config = config or Config()
    gold: dict[str, str] = {}
    records = 0
    for fields, outcome in iter_inputs(inputs, config.read):
        records += 1
        label = fields.get(label_field)
        if isinstance(outcome, Article) and label not in (None, ""):
            gold[outcome.id] = str(label)
    with tempfile.TemporaryDirectory(prefix="storyline-evaluate-") as folder:
        workspace = Workspace(Path(folder), Path(embedding_cache) if embedding_cache is not None else None)
        result = Pipeline(workspace, config).run([str(path) for path in inputs])
    predicted = article_stories(result.stories)
    story_of = {article_id: predicted[article_id] for article_id in gold if article_id in predicted}
    events = article_events(result.stories)
    event_of = {article_id: events[article_id] for article_id in story_of}
    labels = [gold[article_id] for article_id in story_of]
    return Evaluation(
        score(labels, list(story_of.values())),
        records - len(story_of),
        result.report.counts["duplicates"],
        story_of,
        event_of,
        score(labels, list(event_of.values())),
    )


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """Two articles and how alike annotators found them: ``overall`` from 1 (the same story) to 4
    (unrelated), as in SemEval-2022 Task 8; the two languages when the file gives them."""

    a: str
    b: str
    overall: float
    languages: tuple[str, str] | None = None


def read_scored_pairs(path: Path | str) -> list[ScoredPair]:
    """The pairs of a CSV file with columns ``a``, ``b`` and ``overall`` (and optionally ``lang_a`` and
    ``lang_b``); a ``ValueError`` names the first row or column that is not so."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"a", "b", "overall"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: no column {', '.join(sorted(missing))} (expected a,b,overall)")
        pairs = []
        for line, row in enumerate(reader, start=2):
            try:
                overall = float(row["overall"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}, line {line}: overall {row['overall']!r} is not a number") from None
            if not math.isfinite(overall) or not row["a"] or not row["b"]:
                raise ValueError(f"{path}, line {line}: expected two article ids and a finite overall score")
            languages = (row["lang_a"], row["lang_b"]) if row.get("lang_a") and row.get("lang_b") else None
            pairs.append(ScoredPair(row["a"], row["b"], overall, languages))
    return pairs


@dataclass(frozen=True, slots=True)
class PairCorrelations:
    """Pearson correlations of the run's same-story similarity (1 - the distance clustering gives the
    pair) with ``-overall``, so that higher is better, as SemEval scores it: over every pair, over the
    pairs in one language and over those across two; None where fewer than two pairs (or no spread)."""

    pearson: float | None
    pearson_same_language: float | None
    pearson_cross_language: float | None
    pairs: int
    same_language_pairs: int
    cross_language_pairs: int
    # Pairs naming an article the run did not read or rejected.
    left_out: int


def _pearson(similarity: np.ndarray, overall: np.ndarray) -> float | None:
    if len(similarity) < 2 or np.ptp(similarity) == 0 or np.ptp(overall) == 0:
        return None
    return float(np.corrcoef(similarity, -overall)[0, 1])


def evaluate_pairs(
    inputs: Sequence[Path | str],
    pairs_path: Path | str,
    config: Config | None = None,
    embedding_cache: Path | str | None = None,
) -> PairCorrelations:
    """Take the articles of ``inputs`` through the stages a run takes them before clustering
    (``Pipeline.prepare``), score each pair of ``pairs_path`` as clustering would, and correlate the
    scores with the annotators'. A pair's languages are the file's, else the ones cleaning detected."""
    config = config or Config()
    pairs = read_scored_pairs(pairs_path)
    with tempfile.TemporaryDirectory(prefix="storyline-evaluate-") as folder:
        workspace = Workspace(Path(folder), Path(embedding_cache) if embedding_cache is not None else None)
        prepared = Pipeline(workspace, config).prepare([str(path) for path in inputs])
    index = {article.id: number for number, article in enumerate(prepared.articles)}
    kept = [pair for pair in pairs if pair.a in index and pair.b in index]
    rows = np.array([index[pair.a] for pair in kept], dtype=np.int64)
    cols = np.array([index[pair.b] for pair in kept], dtype=np.int64)
    articles = prepared.articles
    distance = StoryClusterer(**asdict(config.cluster)).distances_of_pairs(
        prepared.vectors,
        rows,
        cols,
        [article.titled_body for article in articles],
        [article.date for article in articles],
        [article.outlet for article in articles],
    )
    similarity, overall = 1.0 - distance, np.array([pair.overall for pair in kept])
    detected = [(articles[row].language, articles[col].language) for row, col in zip(rows, cols, strict=True)]
    languages = [pair.languages or found for pair, found in zip(kept, detected, strict=True)]
    same = np.array([first == second for first, second in languages], dtype=bool)
    return PairCorrelations(
        _pearson(similarity, overall),
        _pearson(similarity[same], overall[same]),
        _pearson(similarity[~same], overall[~same]),
        len(kept),
        int(same.sum()),
        int((~same).sum()),
        len(pairs) - len(kept),
    )
