"""Stable story ids across runs: match this run's clusters to the previous run's stories by their members.

Each previous story's heir is the cluster holding most of its articles. A cluster that is the heir of one
story keeps that story's id; the heir of several takes the id of the one it holds most of and records the
others as merged into it; a cluster that is nobody's heir is a new story. A cluster holding articles of a
story whose heir is another cluster records that story as split. Ids never come back: a new story's id is
derived from its first article and made unique against every id used before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Mapping, Sequence

from clustering.records import Article, LineageEvent, Story
from clustering.stories.summarize import group_stories, story_id


def assign_story_ids(
    previous: Mapping[str, Collection[str]],
    clusters: Sequence[Sequence[str]],
    new_id: Callable[[str], str],
    taken: Container[str] = frozenset(),
) -> tuple[list[str], list[LineageEvent]]:
    """An id for each cluster (its member ids, first article first) and what happened to the stories.

    ``previous`` maps each earlier story id to its article ids; ``new_id`` derives an id from a first
    article's id; ``taken`` holds every id used before, which a new story may not reuse (asked id by id).
    """
    cluster_of: dict[str, int] = {article: index for index, members in enumerate(clusters) for article in members}
    overlaps: dict[str, dict[int, int]] = {}
    for story, members in previous.items():
        counts: dict[int, int] = {}
        for article in members:
            if article in cluster_of:
                counts[cluster_of[article]] = counts.get(cluster_of[article], 0) + 1
        overlaps[story] = counts
    heirs: dict[int, list[str]] = {}
    holders: dict[int, list[str]] = {}  # per cluster, the stories it holds articles of, in id order
    for story, counts in sorted(overlaps.items()):
        if counts:
            heir = min(counts, key=lambda index: (-counts[index], index))
            heirs.setdefault(heir, []).append(story)
        for index in counts:
            holders.setdefault(index, []).append(story)

    used = set(previous)
    ids: list[str] = []
    events: list[LineageEvent] = []
    for index, members in enumerate(clusters):
        stories = sorted(heirs.get(index, []), key=lambda story: (-overlaps[story][index], story))
        if stories:
            story_id = stories[0]
            if set(members) != set(previous[story_id]):
                events.append(LineageEvent(story_id, "grew"))
            events.extend(LineageEvent(story_id, "merged", other) for other in stories[1:])
        else:
            story_id, attempt = new_id(members[0]), 1
            while story_id in used or story_id in taken:
                attempt += 1
                story_id = new_id(f"{members[0]}#{attempt}")
            events.append(LineageEvent(story_id, "new"))
        # Articles taken from a story that lives on elsewhere: that story split.
        split = [story for story in holders.get(index, []) if story not in stories]
        events.extend(LineageEvent(story_id, "split", story) for story in split)
        used.add(story_id)
        ids.append(story_id)
    return ids, events


def carry_story_ids(
    articles: Sequence[Article],
    labels: Sequence[int],
    previous: Mapping[str, Story],
    used_ids: Container[str],
) -> tuple[list[str], list[LineageEvent]]:
    """An id for each story of this run (in ``group_stories``'s order), carried over from the ``previous``
    stories it continues or new, and what happened to the old ones."""
    groups = group_stories(articles, labels)
    members = {identifier: story.article_ids for identifier, story in previous.items()}
    return assign_story_ids(members, [[a.id for a in group] for group in groups], story_id, used_ids)
