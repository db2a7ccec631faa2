"""Scores of a story labelling against gold labels (pairwise and B-cubed F1, adjusted Rand index), and the
harness that clusters a labelled corpus the way a run does and scores it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from clustering.config import EmbedConfig
from clustering.embed.embedding import embed_articles
from clustering.ingest.clean import clean_articles
from clustering.ingest.read import iter_inputs
from clustering.records import Article, Reject
from clustering.reuse.dedup import find_reuse
from clustering.storage.store import EmbeddingCache
from clustering.stories.clusterer import StoryClusterer, cluster_articles


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
    rejected: int
    duplicates: int


def evaluate_files(
    inputs: Sequence[Path | str],
    label_field: str,
    field_names: dict[str, str] | None = None,
    embed_config: EmbedConfig = EmbedConfig(),
    cache_path: Path | str | None = None,
    clusterer: StoryClusterer | None = None,
) -> Evaluation:
    """Cluster labelled records as a run would (clean, collapse reprints, embed, cluster) and score them.

    Records without a label, and records a run would reject, are left out of the scores and counted.
    """
    articles: list[Article] = []
    gold: list[str] = []
    rejected = 0
    for fields, outcome in iter_inputs(inputs, field_names):
        label = fields.get(label_field)
        if isinstance(outcome, Reject) or label in (None, ""):
            rejected += 1
            continue
        articles.append(outcome)
        gold.append(str(label))
    cleaned, empty = clean_articles(articles)
    kept = {article.id for article in cleaned}
    gold = [label for article, label in zip(articles, gold, strict=True) if article.id in kept]
    dedup = find_reuse(cleaned)
    cache = EmbeddingCache(cache_path) if cache_path is not None else None
    try:
        embeddings = embed_articles(cleaned, embed_config, cache)
    finally:
        if cache is not None:
            cache.close()
    labels = cluster_articles(cleaned, embeddings, dedup, clusterer or StoryClusterer())
    return Evaluation(score(gold, labels.tolist()), rejected + len(empty), len(dedup.duplicate_of))
