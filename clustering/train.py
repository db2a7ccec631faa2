"""Fit the same-story model (``stories.same_story``) on labelled news, through the stages a run runs.

Each labelled file becomes a set of candidate pairs, scored as clustering scores them
(``Pipeline.prepare``: cleaning, furniture, shared text, embedding; then ``_labelled_pairs``). Each titled
article also gives its title alone to a second set, so that a corpus of full articles teaches the headline
coefficients too. Each set weighs the same in the fit.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from clustering.config import Config, ReadConfig
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline
from clustering.records import Article, DedupResult
from clustering.storage.workspace import Workspace
from clustering.stories.assign import clustered_rows, clustering_inputs
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.same_story import FEATURES, PairFeatures, SameStoryModel, fit_same_story_model
from clustering.stories.vectors import Embeddings

LabelledPairs = tuple[str, PairFeatures, np.ndarray]


def _labelled_records(path: Path | str, label_field: str, config: Config) -> list[tuple[dict, Article]]:
    records = [
        (fields, outcome)
        for fields, outcome in iter_inputs([path], config.read)
        if isinstance(outcome, Article) and fields.get(label_field) not in (None, "")
    ]
    if not records:
        raise ValueError(f"{path}: no readable record has a label in field {label_field!r}")
    return records


def _pairs_of(
    records: list[tuple[dict, Article]], label_field: str, config: Config, cache: Path | None
) -> tuple[PairFeatures, np.ndarray]:
    """The candidate pairs among the records and whether each is one story, as a run would score them."""
    with tempfile.TemporaryDirectory(prefix="storyline-train-") as folder:
        corpus = Path(folder) / "labelled.jsonl"
        rows = [{**json.loads(article.to_json()), "label": str(fields[label_field])} for fields, article in records]
        corpus.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        label_of = {row["id"]: row["label"] for row in rows}
        # The records are written with Storyline's own field names: no mapping is read. Nothing is
        # clustered, so no same-story model is needed.
        plain = replace(config, read=ReadConfig(), cluster=replace(config.cluster, pair_model=""))
        prepared = Pipeline(Workspace(Path(folder) / "run", cache), plain).prepare([str(corpus)])
    return _labelled_pairs(
        prepared.articles,
        prepared.vectors,
        prepared.dedup,
        [label_of[article.id] for article in prepared.articles],
        StoryClusterer(**asdict(config.cluster)),
    )


def _labelled_pairs(
    articles: Sequence[Article],
    embeddings: Embeddings,
    dedup: DedupResult,
    story_labels: Sequence[str],
    clusterer: StoryClusterer,
) -> tuple[PairFeatures, np.ndarray]:
    """The candidate pairs of the articles a run clusters (reprints left out), as clustering scores them,
    with whether each pair is one story by ``story_labels`` (one per article)."""
    rows_clustered = clustered_rows(articles, dedup)
    if len(rows_clustered) < 2:
        return PairFeatures(np.empty((0, len(FEATURES))), np.empty(0)), np.empty(0, dtype=bool)
    texts, dates, outlets = clustering_inputs([articles[row] for row in rows_clustered])
    rows, cols, features = clusterer.candidate_pairs(embeddings[rows_clustered], texts, dates, outlets)
    labels = np.array([story_labels[row] for row in rows_clustered], dtype=object)
    return features, labels[rows] == labels[cols]


def _titles_alone(records: list[tuple[dict, Article]]) -> list[tuple[dict, Article]]:
    return [
        (fields, Article(f"{article.id}#title", article.title, None, article.source, article.url, article.published))
        for fields, article in records
        if article.title and article.title.strip() != article.text.strip()
    ]


def labelled_sets(
    inputs: Sequence[Path | str],
    label_field: str,
    config: Config | None = None,
    embedding_cache: Path | str | None = None,
    titles: bool = True,
) -> list[LabelledPairs]:
    """One set of labelled pairs per input file (``(name, features, same_story)``), and with ``titles`` one
    more per file of titled articles: their titles alone."""
    config = config or Config()
    cache = Path(embedding_cache) if embedding_cache is not None else None
    sets: list[LabelledPairs] = []
    for path in inputs:
        records = _labelled_records(path, label_field, config)
        sets.append((Path(path).name, *_pairs_of(records, label_field, config, cache)))
        headlines = _titles_alone(records) if titles else []
        if len(headlines) > 1:
            sets.append((f"{Path(path).name} (titles)", *_pairs_of(headlines, label_field, config, cache)))
    return sets


def train_same_story(
    inputs: Sequence[Path | str],
    label_field: str,
    config: Config | None = None,
    embedding_cache: Path | str | None = None,
    titles: bool = True,
) -> SameStoryModel:
    """The same-story model of the labelled files ``inputs`` (the gold story in ``label_field``)."""
    return fit_same_story_model(labelled_sets(inputs, label_field, config, embedding_cache, titles))
