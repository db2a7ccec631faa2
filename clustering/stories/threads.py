"""Story threads: stories linked over weeks, under ids stable across runs.

A story is one event; a thread follows a subject from event to event (a wave machine arrives in Orkney,
then starts its sea trials; successive launches of one missile programme). Two dated stories are linked
when the later one starts within ``max_gap_days`` of the earlier one's end, their mean embeddings are close
(``min_similarity``) and they share a distinctive name: a proper name rare in general English that at least
half of each story's articles carry in their headline or lead. The name is what keeps topical neighbours
apart (two hydrogen projects, two warehouse fires): they read alike, but name other companies and places.
A thread is the stories linked directly or through others: a chain, as threads are.

Undated stories are not threaded: without dates neither the gap nor the order is known. Thread ids follow
the rule of story ids (``assign_story_ids``): a thread keeps the id of the previous thread it holds most
stories of; a new thread's id derives from its first story's id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from clustering.config import ThreadConfig
from clustering.records import Article, Story
from clustering.stories.lineage import assign_story_ids
from clustering.stories.names import name_keys, rarity
from clustering.stories.story_map import story_centres

# Stories compared at once: a block of rows against every dated story (memory: rows x stories floats).
_BLOCK_ROWS = 2048
_LEAD_PARAGRAPHS = 2
# In a Title Case headline every word is capitalised, so capitals say nothing about names there.
_TITLE_CASE_SHARE = 0.6
_TITLE_CASE_MIN_WORDS = 3
_LONG_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")
_LOWER_CASE_WORD = re.compile(r"(?<![\w'’-])[a-z][\w'’-]*")


def thread_id(founder_story_id: str) -> str:
    """A thread's id, from its first story's id."""
    return "th-" + hashlib.blake2b(founder_story_id.encode(), digest_size=6).hexdigest()


def is_title_case(headline: str) -> bool:
    """Whether most of the headline's longer words are capitalised ("Chinese Space Station Will Crash")."""
    words = _LONG_WORD.findall(headline)
    return len(words) >= _TITLE_CASE_MIN_WORDS and sum(word[0].isupper() for word in words) > _TITLE_CASE_SHARE * len(
        words
    )


def article_names(article: Article, min_rarity: float) -> set[str]:
    """The distinctive names of an article's headline (unless in Title Case) and lead: name keys (whole
    words and joined runs, not skeletons) at least ``min_rarity`` rare, less the words the same text also
    writes in lower case (a capital that starts a sentence: "Hydrogen plant approved")."""
    lead = "\n".join(article.body.split("\n", _LEAD_PARAGRAPHS)[:_LEAD_PARAGRAPHS])
    text = lead if is_title_case(article.headline) else f"{article.headline}\n{lead}"
    common = set(_LOWER_CASE_WORD.findall(text))
    return {
        key for key in name_keys(text) if not key.startswith("~") and key not in common and rarity(key) >= min_rarity
    }


def story_names(members: Sequence[Article], min_rarity: float) -> frozenset[str]:
    """The distinctive names at least half of a story's articles carry."""
    counts = Counter(name for article in members for name in article_names(article, min_rarity))
    return frozenset(name for name, count in counts.items() if 2 * count >= len(members))


def similar_pairs(centres: np.ndarray, min_similarity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of rows (first < second) whose vectors' cosine reaches ``min_similarity``, and that cosine,
    compared a block of rows at a time (memory: a block times the rows)."""
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    units = (centres / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    found_rows, found_cols, found_values = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)], [np.empty(0)]
    for start in range(0, len(units), _BLOCK_ROWS):
        block = units[start : start + _BLOCK_ROWS] @ units.T
        rows, cols = np.nonzero(block >= min_similarity)
        kept = rows + start < cols
        found_values.append(block[rows[kept], cols[kept]].astype(np.float64))
        found_rows.append(rows[kept] + start)
        found_cols.append(cols[kept])
    return np.concatenate(found_rows), np.concatenate(found_cols), np.concatenate(found_values)


def thread_links(
    stories: Sequence[Story],
    centres: np.ndarray,
    members: Mapping[str, Sequence[Article]],
    config: ThreadConfig = ThreadConfig(),
) -> list[tuple[int, int]]:
    """The linked pairs of stories (row numbers, first < second). ``centres`` are the stories' mean
    embeddings; ``members`` each story's articles by story id (their names are read only for the pairs
    that pass the time and similarity tests)."""
    dated = np.array([row for row, story in enumerate(stories) if story.first_published is not None], dtype=np.int64)
    if len(dated) < 2:
        return []
    first = np.array([stories[row].first_published.timestamp() for row in dated])  # type: ignore[union-attr]
    last = np.array([stories[row].last_published.timestamp() for row in dated])  # type: ignore[union-attr]
    names: dict[int, frozenset[str]] = {}

    def names_of(row: int) -> frozenset[str]:
        if row not in names:
            names[row] = story_names(members[stories[row].story_id], config.min_name_rarity)
        return names[row]

    rows, cols, _ = similar_pairs(centres[dated], config.min_similarity)
    gaps = np.maximum(first[rows], first[cols]) - np.minimum(last[rows], last[cols])
    kept = gaps <= config.max_gap_days * 86_400
    return [
        (row, col)
        for row, col in zip(dated[rows[kept]].tolist(), dated[cols[kept]].tolist(), strict=True)
        if len(names_of(row) & names_of(col)) >= config.min_shared_names
    ]


def thread_labels(count: int, links: Sequence[tuple[int, int]]) -> np.ndarray:
    """A thread number for each of ``count`` stories: the stories linked directly or through others."""
    rows = np.array([first for first, _ in links], dtype=np.int64)
    cols = np.array([second for _, second in links], dtype=np.int64)
    graph = sparse.coo_matrix((np.ones(len(links), dtype=np.int8), (rows, cols)), shape=(count, count))
    return connected_components(graph, directed=False)[1]


def _time_order(story: Story) -> tuple[bool, object, str]:
    return (story.first_published is None, story.first_published, story.story_id)


def name_threads(stories: Sequence[Story], labels: Sequence[int], previous: Mapping[str, Story]) -> list[Story]:
    """``stories`` with their thread ids: carried over from the ``previous`` stories' threads (by the
    stories they share), new ones derived from each thread's first story."""
    threads: dict[int, list[Story]] = {}
    for story, label in zip(stories, labels, strict=True):
        threads.setdefault(int(label), []).append(story)
    ordered = sorted((sorted(group, key=_time_order) for group in threads.values()), key=lambda g: _time_order(g[0]))
    before: dict[str, list[str]] = {}
    for story in previous.values():
        if story.thread_id:
            before.setdefault(story.thread_id, []).append(story.story_id)
    ids, _ = assign_story_ids(before, [[story.story_id for story in members] for members in ordered], thread_id)
    thread_of = {story.story_id: identifier for identifier, group in zip(ids, ordered, strict=True) for story in group}
    return [dataclasses.replace(story, thread_id=thread_of[story.story_id]) for story in stories]


def thread_stories(
    stories: Sequence[Story],
    articles: Sequence[Article],
    embeddings: np.ndarray,
    previous: Mapping[str, Story],
    config: ThreadConfig = ThreadConfig(),
) -> list[Story]:
    """This run's ``stories`` (over ``articles`` and their ``embeddings``), each with its thread id."""
    if not stories:
        return []
    article_of = {article.id: article for article in articles}
    members = {story.story_id: [article_of[i] for i in story.article_ids] for story in stories}
    links = thread_links(stories, story_centres(stories, articles, embeddings), members, config)
    return name_threads(stories, thread_labels(len(stories), links), previous)
