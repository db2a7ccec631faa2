"""Related stories: for each story, the others close to it in meaning that name what it names.

Two stories are related by the test that links stories into threads (``threads``), less the time limit:
their mean embeddings reach ``min_similarity`` and they share ``min_shared_names`` distinctive names (rare in
general English, carried by at least half of each story's articles). Meaning alone relates stories of a
kind (two market reports, two crashes); a shared name alone relates stories of one country or person;
both together keep the follow-ups, the claims of responsibility, the earlier events of one subject.
Each story lists at most ``count`` of them, nearest in meaning first. Stories of one thread are related
whenever they pass the test, as they did to be linked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clustering.config import ThreadConfig
from clustering.records import Article, Story
from clustering.stories.story_map import story_centres
from clustering.stories.threads import similar_pairs, story_names

RELATED_STORIES = 5


def related_stories(
    stories: Sequence[Story],
    articles: Sequence[Article],
    embeddings: np.ndarray,
    config: ThreadConfig = ThreadConfig(),
    count: int = RELATED_STORIES,
) -> dict[str, tuple[str, ...]]:
    """Each story's related stories by id (stories with none are left out), nearest in meaning first; a
    tie goes to the story with the smaller id. ``embeddings`` are the ``articles``' rows."""
    if len(stories) < 2:
        return {}
    rows, cols, similarity = similar_pairs(story_centres(stories, articles, embeddings), config.min_similarity)
    article_of = {article.id: article for article in articles}
    names: dict[int, frozenset[str]] = {}

    def names_of(row: int) -> frozenset[str]:
        if row not in names:
            members = [article_of[i] for i in stories[row].article_ids]
            names[row] = story_names(members, config.min_name_rarity)
        return names[row]

    found: dict[int, list[tuple[float, str]]] = {}
    for row, col, value in zip(rows.tolist(), cols.tolist(), similarity.tolist(), strict=True):
        if len(names_of(row) & names_of(col)) >= config.min_shared_names:
            found.setdefault(row, []).append((-value, stories[col].story_id))
            found.setdefault(col, []).append((-value, stories[row].story_id))
    return {stories[row].story_id: tuple(other for _, other in sorted(near)[:count]) for row, near in found.items()}
