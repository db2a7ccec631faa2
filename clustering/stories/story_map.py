"""Where stories sit among each other: each story's mean embedding (what threads compare), and a 2-D map of
the stories (the dashboard's) from those centres."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clustering.records import Article, Story


def story_centres(stories: Sequence[Story], articles: Sequence[Article], embeddings: np.ndarray) -> np.ndarray:
    """Each story's mean embedding (``embeddings`` are the ``articles``' rows), one row per story."""
    row_of = {article.id: row for row, article in enumerate(articles)}
    rows = np.fromiter((row_of[i] for story in stories for i in story.article_ids), dtype=np.int64)
    sizes = np.array([len(story.article_ids) for story in stories], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.add.reduceat(embeddings[rows], starts, axis=0, dtype=np.float64) / sizes[:, None]


def story_positions(
    stories: Sequence[Story], articles: Sequence[Article], embeddings: np.ndarray
) -> dict[str, tuple[float, float]]:
    """A 2-D map of the stories: the first two principal components of their mean embeddings."""
    if not stories:
        return {}
    centres = story_centres(stories, articles, embeddings)
    centred = centres - centres.mean(axis=0)
    # SVD is deterministic up to sign; fix the sign so the map does not flip between runs.
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2] * np.sign(components[:2].sum(axis=1, keepdims=True) + 1e-12)
    points = centred @ components.T
    if points.shape[1] < 2:
        points = np.hstack([points, np.zeros((len(points), 2 - points.shape[1]))])
    return {
        story.story_id: (round(float(x), 5), round(float(y), 5)) for story, (x, y) in zip(stories, points, strict=True)
    }
