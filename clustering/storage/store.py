"""The story store: every article read so far (with what cleaning found in it), the current stories, their
lineage, the reuse pairs and the runs, in a SQLite file (the embedded default) or a PostgreSQL database.

Stories a run archived (``save_run``) stay, with their articles, pairs and lineage, but leave the working
set that ``articles``, ``stories``, ``pairs`` and ``lineage`` give a run: what a run reads follows the open
window, not the store.

Records are JSON, never pickles: safe to load. Several writers may add articles at once, on one machine
(SQLite queues them) or on many (PostgreSQL): an article id is stored once, whoever wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, column, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from clustering.records import (
    Article,
    FinishedRun,
    Reject,
    ReusePair,
    Story,
)
from clustering.storage.database import (
    chunked,
    is_deadlock,
    migrate,
    newest_revision,
    open_engine,
    schema_revision,
    shown,
    writing,
)
from clustering.storage.record_json import reuse_pair_from_json, story_from_json
from clustering.storage.run_rows import (
    archive_stories,
    consecutive_spans,
    execute_many,
    replace_furniture,
    replace_working_set,
)

# The run number of an article stored by ingestion whose run has not finished yet.
_PENDING = 0
_ARTICLES = table("articles", column("id"), column("record"), column("run"), column("cleaning"), column("cleaner"))
# Tries of an insert that PostgreSQL failed to break a deadlock with another writer.
_DEADLOCK_ATTEMPTS = 5
_INSERT_BY_DIALECT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class StaleStoreError(RuntimeError):
    """A reader met a store whose schema an older Storyline wrote: a run brings it up to date."""


class StoryStore:
    """Articles, current stories and their lineage between runs.

    Ingestion adds new articles as pending; a clustering run reads the store, then saves everything it
    changed in one transaction, which also makes the pending articles it read its own. A run killed before
    that leaves the stories as they were, and running it again does the same work.
    """

    def __init__(self, location: Path | str, cleaning_version: int | None = None, read_only: bool = False) -> None:
        """``location``: a SQLite file's path, or a PostgreSQL URL. ``cleaning_version`` names the cleaning
        rules of this run: a stored cleaning made by other rules is not given back (the article is to be
        cleaned again), and new cleanings are stored under it. A ``read_only`` store never writes."""
        self.location = location
        self.cleaning_version = cleaning_version
        self._engine = open_engine(location, read_only)
        if not read_only:
            migrate(self._engine)
        elif (revision := schema_revision(self._engine)) != (newest := newest_revision()):
            self._engine.dispose()
            raise StaleStoreError(
                f"the store {shown(location)} is at schema {revision or 'none'}, not {newest}: "
                "a run over it (storyline run) brings it up to date"
            )

    def rows(self, query: str, **parameters: Any) -> list[Any]:
        """The rows of a read query, a list parameter bound as a list of values (``IN :ids``)."""
        lists = [bindparam(name, expanding=True) for name, value in parameters.items() if isinstance(value, list)]
        with self._engine.connect() as connection:
            return list(connection.execute(text(query).bindparams(*lists), parameters))

    def articles(self, include_archived: bool = False) -> list[Article]:
        """Every stored article of the working set (and the archived ones if asked) in the order it was
        first stored: as it was read, with its cleaning when that was made by the current cleaning rules
        (else the article is to be cleaned again)."""
        rows = self.rows(f"SELECT record, cleaning, cleaner FROM articles {_working(include_archived)} ORDER BY seq")
        return [
            Article.from_json(record, cleaning if self._is_current(cleaner) else None)
            for record, cleaning, cleaner in rows
        ]

    def texts_of(self, ids: Iterable[str]) -> dict[str, str]:
        """The stored text of each of ``ids`` that is stored: what ingestion compares new input with."""
        query = text("SELECT id, record FROM articles WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
        found: dict[str, str] = {}
        with self._engine.connect() as connection:
            for chunk in chunked(list(dict.fromkeys(ids))):
                found.update(
                    (key, json.loads(record)["text"]) for key, record in connection.execute(query, {"ids": chunk})
                )
        return found

    def stories(self, include_archived: bool = False) -> dict[str, Story]:
        """The last run's stories (and the archived ones if asked), by id."""
        rows = self.rows(f"SELECT story_id, story FROM stories {_working(include_archived)} ORDER BY story_id")
        return {story_id: story_from_json(story) for story_id, story in rows}

    def used_story_ids(self) -> UsedStoryIds:
        """Every story id ever given out: current ones, archived ones and those merged away."""
        return UsedStoryIds(self._engine)

    def furniture(self) -> dict[str, set[int]]:
        """The page furniture learned so far: segment keys by outlet (``ingest.furniture``)."""
        learned: dict[str, set[int]] = {}
        for outlet, segment in self.rows("SELECT outlet, segment FROM furniture"):
            learned.setdefault(outlet, set()).add(segment)
        return learned

    def pairs(self, include_archived: bool = False) -> list[ReusePair]:
        rows = self.rows(f"SELECT pair FROM pairs {_working(include_archived)} ORDER BY id")
        return [reuse_pair_from_json(pair) for (pair,) in rows]

    def archived_stories(self, run: int) -> list[Story]:
        """The stories that run ``run`` archived."""
        rows = self.rows("SELECT story FROM stories WHERE archived = :run ORDER BY story_id", run=run)
        return [story_from_json(story) for (story,) in rows]

    def archiving_runs(self) -> list[int]:
        """The runs that archived stories."""
        return [run for (run,) in self.rows("SELECT DISTINCT archived FROM stories WHERE archived > 0 ORDER BY 1")]

    def positions(self) -> dict[str, tuple[float, float]]:
        """Each story's place on the 2-D map of stories."""
        return {story_id: (x, y) for story_id, x, y in self.rows("SELECT story_id, x, y FROM positions")}

    def related(self) -> dict[str, list[str]]:
        """Each working story's related stories (``stories.related``), in rank order."""
        found: dict[str, list[str]] = {}
        for story_id, other in self.rows("SELECT story_id, other FROM related ORDER BY story_id, rank"):
            found.setdefault(story_id, []).append(other)
        return found

    def last_report(self) -> dict[str, object]:
        rows = self.rows("SELECT report FROM runs ORDER BY run DESC LIMIT 1")
        return json.loads(rows[0][0]) if rows else {}

    def lineage(self, include_archived: bool = False) -> list[dict[str, object]]:
        """What happened to the working stories (and the archived ones if asked), run by run."""
        rows = self.rows(f"SELECT run, story_id, kind, other FROM lineage {_working(include_archived)} ORDER BY id")
        return [{"run": run, "story_id": story_id, "kind": kind, "other": other} for run, story_id, kind, other in rows]

    def stamp(self) -> tuple[int, int]:
        """What changes whenever a run or an ingest changes the store: the last run, and how many articles
        wait for the next (which only grows until that run; counted by an index)."""
        rows = self.rows(
            "SELECT (SELECT COALESCE(MAX(run), 0) FROM runs), (SELECT COUNT(*) FROM articles WHERE run = :pending)",
            pending=_PENDING,
        )
        return tuple(rows[0])

    def add_articles(self, articles: Sequence[Article]) -> set[str]:
        """Store newly read articles as pending (not yet in a finished run), with their cleaning when they
        have been cleaned. An id already stored, by this writer or another at the same moment, is kept as
        it is. Returns the ids this call added."""
        if not articles:
            return set()
        insert = _INSERT_BY_DIALECT[self._engine.dialect.name]
        statement = insert(_ARTICLES).on_conflict_do_nothing(index_elements=["id"]).returning(_ARTICLES.c.id)
        rows = [
            {
                "id": a.id,
                "record": a.to_json(),
                "run": _PENDING,
                **self._cleaning_columns(a),
            }
            for a in articles
        ]
        # Two writers inserting shared ids in other orders wait on each other's rows; PostgreSQL fails one of
        # them, which then finds the other's rows stored (they conflict: nothing is added twice).
        attempt = 1
        while True:
            try:
                with writing(self._engine) as connection:
                    return {key for (key,) in connection.execute(statement, rows)}
            except DBAPIError as error:
                if not is_deadlock(error) or attempt == _DEADLOCK_ATTEMPTS:
                    raise
                attempt += 1

    def finished_ids(self) -> set[str]:
        """Ids of the working articles that a finished run has processed."""
        rows = self.rows("SELECT id FROM articles WHERE archived = 0 AND run != :pending", pending=_PENDING)
        return {key for (key,) in rows}

    def assigned_since_reclustering(self) -> set[str]:
        """Ids of the working articles that the runs since the last one that clustered the open window again
        assigned to stories one by one."""
        rows = self.rows(
            "SELECT id FROM articles WHERE archived = 0 AND run != :pending"
            " AND run > (SELECT COALESCE(MAX(run), 0) FROM runs WHERE reclustered = 1)",
            pending=_PENDING,
        )
        return {key for (key,) in rows}

    def pending(self) -> dict[str, int]:
        """The articles stored since the last finished run: each one's storage number, by id. Read before
        the articles themselves, they are what a run makes its own (``save_run``), never an article
        stored while it ran."""
        return dict(self.rows("SELECT id, seq FROM articles WHERE run = :pending", pending=_PENDING))

    def save_run(self, finished: FinishedRun) -> int:
        """Store a finished run in one transaction; returns its run number. The pending articles it read
        become the run's; any stored since stay pending for the next run. Stories, reuse pairs and map
        positions describe the working set and replace the previous run's (``FinishedRun`` says the rest)."""
        read = self.pending() if finished.read is None else finished.read
        stored_furniture = self.furniture() if finished.furniture else {}
        with writing(self._engine) as connection:
            report = json.dumps(finished.report, default=str, sort_keys=True)
            run = connection.execute(
                text(
                    "INSERT INTO runs (finished, report, reclustered) VALUES (:finished, :report, :reclustered)"
                    " RETURNING run"
                ),
                {
                    "finished": datetime.now(UTC).isoformat(),
                    "report": report,
                    "reclustered": int(bool(finished.report.get("reclustered"))),
                },
            ).scalar_one()
            execute_many(
                connection,
                "UPDATE articles SET cleaning = :cleaning, cleaner = :cleaner WHERE id = :id",
                [{**self._cleaning_columns(a), "id": a.id} for a in finished.cleanings if a.body_spans],
            )
            replace_furniture(connection, finished.furniture or {}, stored_furniture)
            execute_many(
                connection,
                "UPDATE articles SET run = :run WHERE run = :pending AND seq BETWEEN :first AND :last",
                [
                    {"run": run, "pending": _PENDING, "first": first, "last": last}
                    for first, last in consecutive_spans(read.values())
                ],
            )
            archive_stories(connection, run, finished.archive, finished.lineage)
            replace_working_set(connection, finished)
        return run

    def update_report(self, run: int, report: Mapping[str, object]) -> None:
        """Replace ``run``'s report (its timings are complete only once the run has published)."""
        with writing(self._engine) as connection:
            connection.execute(
                text("UPDATE runs SET report = :report WHERE run = :run"),
                {"run": run, "report": json.dumps(report, default=str, sort_keys=True)},
            )

    def _is_current(self, cleaner: int | None) -> bool:
        return self.cleaning_version is not None and cleaner == self.cleaning_version

    def _cleaning_columns(self, article: Article) -> dict[str, str | int | None]:
        if not article.body_spans or self.cleaning_version is None:
            return {"cleaning": None, "cleaner": None}
        return {"cleaning": article.cleaning_json(), "cleaner": self.cleaning_version}

    def close(self) -> None:
        self._engine.dispose()


class UsedStoryIds:
    """Whether a story id was ever given out, asked id by id (an indexed lookup): a run never reads every id
    the store has seen."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __contains__(self, story_id: object) -> bool:
        query = text(
            "SELECT 1 FROM stories WHERE story_id = :id UNION ALL SELECT 1 FROM lineage WHERE story_id = :id"
            " UNION ALL SELECT 1 FROM lineage WHERE other = :id LIMIT 1"
        )
        with self._engine.connect() as connection:
            return connection.execute(query, {"id": story_id}).first() is not None


def _working(include_archived: bool) -> str:
    return "" if include_archived else "WHERE archived = 0"


def split_new(text_of: Mapping[str, str], incoming: Sequence[Article]) -> tuple[list[Article], list[Reject], list[str]]:
    """Incoming articles not stored yet (``text_of``: the stored text of stored ids among them,
    ``StoryStore.texts_of``); rejects for stored ids arriving with another text; the ids already stored."""
    new: list[Article] = []
    rejects: list[Reject] = []
    already_stored: list[str] = []
    for article in incoming:
        if article.id not in text_of:
            new.append(article)
        elif text_of[article.id] == article.text:
            already_stored.append(article.id)
        else:
            reason = f"id {article.id!r} is already stored with a different text"
            rejects.append(Reject(origin=article.origin, reason=reason, id=article.id))
    return new, rejects, already_stored
