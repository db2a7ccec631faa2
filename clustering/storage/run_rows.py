"""The rows a finished run writes into the store, inside ``StoryStore.save_run``'s one transaction: its
furniture, what it archived, and the working set (stories, reuse pairs, map positions, related stories) in
place of the previous run's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, text

from clustering.records import FinishedRun, LineageEvent, Story
from clustering.storage.database import execute_many
from clustering.storage.record_json import reuse_pair_to_json, story_to_json
from clustering.storage.story_index import forget_working_stories, index_stories


def replace_furniture(
    connection: Connection, furniture: Mapping[str, set[int]], stored: Mapping[str, set[int]]
) -> None:
    """Each outlet's furniture as the run left it: a piece another outlet prints is given up."""
    execute_many(
        connection,
        "DELETE FROM furniture WHERE outlet = :outlet AND segment = :segment",
        [
            {"outlet": outlet, "segment": segment}
            for outlet, segments in furniture.items()
            for segment in stored.get(outlet, set()) - segments
        ],
    )
    execute_many(
        connection,
        "INSERT INTO furniture (outlet, segment) VALUES (:outlet, :segment) ON CONFLICT DO NOTHING",
        [
            {"outlet": outlet, "segment": segment}
            for outlet, segments in furniture.items()
            for segment in segments - stored.get(outlet, set())
        ],
    )


def archive_stories(connection: Connection, run: int, archive: Sequence[Story], events: Sequence[LineageEvent]) -> None:
    """The stories to ``archive`` archived by ``run`` with their articles, their lineage (with that of the
    stories merged into them) and every pair touching those; this run's lineage ``events`` written."""
    execute_many(
        connection,
        "UPDATE stories SET archived = :run WHERE story_id = :story_id",
        [{"run": run, "story_id": story.story_id} for story in archive],
    )
    execute_many(
        connection,
        "UPDATE articles SET archived = :run WHERE id = :id",
        [{"run": run, "id": article_id} for story in archive for article_id in story.article_ids],
    )
    execute_many(
        connection,
        "INSERT INTO lineage (run, story_id, kind, other) VALUES (:run, :story_id, :kind, :other)",
        [{"run": run, "story_id": e.story_id, "kind": e.kind, "other": e.other} for e in events],
    )
    # An archived story's history goes with it: its own events (this run's too, written just above) and
    # those of the stories merged into it, which are stories no more (and of theirs).
    absorbed: set[str] = set()
    absorbing = {story.story_id for story in archive}
    while absorbing:
        absorbed |= absorbing
        execute_many(
            connection,
            "UPDATE lineage SET archived = :run WHERE story_id = :story_id",
            [{"run": run, "story_id": story_id} for story_id in sorted(absorbing)],
        )
        merged = connection.execute(
            text("SELECT DISTINCT other FROM lineage WHERE archived = :run AND kind = 'merged'"), {"run": run}
        )
        absorbing = set(merged.scalars()) - absorbed
    if archive:
        connection.execute(
            text(
                "UPDATE pairs SET archived = :run WHERE archived = 0 AND (a IN (SELECT id FROM articles"
                " WHERE archived = :run) OR b IN (SELECT id FROM articles WHERE archived = :run))"
            ),
            {"run": run},
        )


def replace_working_set(connection: Connection, finished: FinishedRun) -> None:
    """The working set's stories (with what they are listed and looked up by), reuse pairs, map positions
    and related stories in place of the previous run's."""
    forget_working_stories(connection)
    connection.execute(text("DELETE FROM stories WHERE archived = 0"))
    execute_many(
        connection,
        "INSERT INTO stories (story_id, story) VALUES (:story_id, :story)",
        [{"story_id": story.story_id, "story": story_to_json(story)} for story in finished.stories],
    )
    index_stories(connection, finished.stories, finished.duplicate_of, {a.id: a for a in finished.articles})
    connection.execute(text("DELETE FROM pairs WHERE archived = 0"))
    execute_many(
        connection,
        "INSERT INTO pairs (a, b, pair) VALUES (:a, :b, :pair)",
        [{"a": pair.a, "b": pair.b, "pair": reuse_pair_to_json(pair)} for pair in finished.pairs],
    )
    connection.execute(text("DELETE FROM positions"))
    execute_many(
        connection,
        "INSERT INTO positions (story_id, x, y) VALUES (:story_id, :x, :y)",
        [{"story_id": key, "x": x, "y": y} for key, (x, y) in finished.positions.items()],
    )
    connection.execute(text("DELETE FROM related"))
    execute_many(
        connection,
        "INSERT INTO related (story_id, rank, other) VALUES (:story_id, :rank, :other)",
        [
            {"story_id": key, "rank": rank, "other": other}
            for key, others in finished.related.items()
            for rank, other in enumerate(others)
        ],
    )


def consecutive_spans(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive numbers, as (first, last): every number in a span is one of ``numbers``, so an
    article committed late by another writer, with a number between those read, is in none of them."""
    spans: list[tuple[int, int]] = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], number)
        else:
            spans.append((number, number))
    return spans
