"""The story store in SQLite: every article read so far (with what cleaning found in it), the current
stories, their lineage, the reuse pairs and the runs.

SQLite is the embedded default: one file, transactions, safe to load (records are JSON, never pickles).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from clustering.records import (
    Article,
    LineageEvent,
    Reject,
    ReusePair,
    Story,
    reuse_pair_from_json,
    reuse_pair_to_json,
    story_from_json,
    story_to_json,
)

# The run number of an article stored by ingestion whose run has not finished yet.
_PENDING = 0


_STORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY AUTOINCREMENT, finished TEXT NOT NULL, report TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
                                     record TEXT NOT NULL, run INTEGER NOT NULL,
                                     cleaning TEXT, cleaner INTEGER);
CREATE TABLE IF NOT EXISTS stories (story_id TEXT PRIMARY KEY, story TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lineage (run INTEGER NOT NULL, story_id TEXT NOT NULL, kind TEXT NOT NULL, other TEXT);
CREATE TABLE IF NOT EXISTS pairs (a TEXT NOT NULL, b TEXT NOT NULL, pair TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS positions (story_id TEXT PRIMARY KEY, x REAL NOT NULL, y REAL NOT NULL);
CREATE TABLE IF NOT EXISTS furniture (outlet TEXT NOT NULL, segment INTEGER NOT NULL, PRIMARY KEY (outlet, segment));
"""


class StoryStore:
    """Articles, current stories and their lineage between runs, in one SQLite file.

    Ingestion adds new articles as pending; a clustering run reads the store, then saves everything it
    changed in one transaction, which also makes the pending articles its own. A run killed before that
    leaves the stories as they were, and running it again does the same work.
    """

    def __init__(self, path: Path | str, cleaning_version: int | None = None, read_only: bool = False) -> None:
        """``cleaning_version`` names the cleaning rules of this run: a stored cleaning made by other rules
        is not given back (the article is to be cleaned again), and new cleanings are stored under it."""
        self.path = Path(path)
        self.cleaning_version = cleaning_version
        if read_only:
            # A reader (the dashboard) can never change the store, whatever it is asked: query_only. It opens
            # the file read-write where it may, because only such a connection, closing last, folds the
            # write-ahead log back and removes the -wal and -shm files a reader of a WAL store makes.
            uri = self.path.resolve().as_uri()
            try:
                self._connection = sqlite3.connect(f"{uri}?mode=rw", uri=True, check_same_thread=False)
            except sqlite3.OperationalError:  # a store this user may only read
                self._connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
            self._connection.execute("PRAGMA query_only = ON")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.executescript(_STORY_SCHEMA)
            if not self._keeps_cleanings():  # a store from before cleanings were kept: they are redone once
                with self._connection:
                    self._connection.execute("ALTER TABLE articles ADD COLUMN cleaning TEXT")
                    self._connection.execute("ALTER TABLE articles ADD COLUMN cleaner INTEGER")
        # A reader cannot add the columns to an older store: it reads its articles as uncleaned.
        self._cleaning_columns = "cleaning, cleaner" if self._keeps_cleanings() else "NULL, NULL"

    def _keeps_cleanings(self) -> bool:
        return "cleaning" in {row[1] for row in self._connection.execute("PRAGMA table_info(articles)")}

    def articles(self) -> list[Article]:
        """Every stored article in the order it was first stored: as it was read, with its cleaning when
        that was made by the current cleaning rules (else the article is to be cleaned again)."""
        rows = self._connection.execute(f"SELECT record, {self._cleaning_columns} FROM articles ORDER BY seq")
        return [
            Article.from_json(record, cleaning if self._is_current(cleaner) else None)
            for record, cleaning, cleaner in rows
        ]

    def texts(self) -> dict[str, str]:
        """The text of every stored article, by id: what ingestion compares new input with, read without
        building every article (SQLite's JSON functions take the text out of each record)."""
        return dict(self._connection.execute("SELECT id, json_extract(record, '$.text') FROM articles"))

    def stories(self) -> dict[str, Story]:
        rows = self._connection.execute("SELECT story_id, story FROM stories ORDER BY story_id")
        return {story_id: story_from_json(story) for story_id, story in rows}

    def used_story_ids(self) -> set[str]:
        """Every story id ever given out: current ones and those merged away."""
        rows = self._connection.execute(
            "SELECT story_id FROM stories UNION SELECT story_id FROM lineage "
            "UNION SELECT other FROM lineage WHERE other IS NOT NULL"
        )
        return {story_id for (story_id,) in rows}

    def furniture(self) -> dict[str, set[int]]:
        """The page furniture learned so far: segment keys by outlet (``ingest.furniture``)."""
        learned: dict[str, set[int]] = {}
        for outlet, segment in self._connection.execute("SELECT outlet, segment FROM furniture"):
            learned.setdefault(outlet, set()).add(segment)
        return learned

    def pairs(self) -> list[ReusePair]:
        rows = self._connection.execute("SELECT pair FROM pairs ORDER BY rowid")
        return [reuse_pair_from_json(pair) for (pair,) in rows]

    def positions(self) -> dict[str, tuple[float, float]]:
        """Each story's place on the 2-D map of stories."""
        return {story_id: (x, y) for story_id, x, y in self._connection.execute("SELECT story_id, x, y FROM positions")}

    def last_report(self) -> dict[str, object]:
        row = self._connection.execute("SELECT report FROM runs ORDER BY run DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row else {}

    def lineage(self) -> list[dict[str, object]]:
        rows = self._connection.execute("SELECT run, story_id, kind, other FROM lineage ORDER BY rowid")
        return [{"run": run, "story_id": story_id, "kind": kind, "other": other} for run, story_id, kind, other in rows]

    def add_articles(self, articles: Sequence[Article]) -> int:
        """Store newly read articles as pending (not yet in a finished run), with their cleaning when they
        have been cleaned; ids already stored are kept as they are. Returns how many were added."""
        with self._connection:
            before = self._connection.total_changes
            self._connection.executemany(
                "INSERT OR IGNORE INTO articles (id, record, run, cleaning, cleaner) VALUES (?, ?, ?, ?, ?)",
                [(article.id, article.to_json(), _PENDING, *self._cleaning_row(article)) for article in articles],
            )
            return self._connection.total_changes - before

    def _save_cleanings(self, articles: Sequence[Article]) -> None:
        self._connection.executemany(
            "UPDATE articles SET cleaning = ?, cleaner = ? WHERE id = ?",
            [(*self._cleaning_row(article), article.id) for article in articles if article.body_spans],
        )

    def finished_ids(self) -> set[str]:
        """Ids of the articles that a finished run has processed."""
        rows = self._connection.execute("SELECT id FROM articles WHERE run != ?", (_PENDING,))
        return {article_id for (article_id,) in rows}

    def pending_count(self) -> int:
        """Articles stored since the last finished run."""
        return self._connection.execute("SELECT COUNT(*) FROM articles WHERE run = ?", (_PENDING,)).fetchone()[0]

    def last_seq(self) -> int:
        """The storage number of the last article stored: a run that read the articles up to it makes only
        those its own (``save_run``), never one stored while it ran."""
        return self._connection.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]

    def save_run(
        self,
        stories: Sequence[Story],
        events: Sequence[LineageEvent],
        report: dict[str, object],
        pairs: Sequence[ReusePair] = (),
        positions: dict[str, tuple[float, float]] | None = None,
        read_upto: int | None = None,
        cleanings: Sequence[Article] = (),
        furniture: Mapping[str, set[int]] | None = None,
    ) -> int:
        """Store a finished run in one transaction; returns its run number. The pending articles it read
        (stored up to ``read_upto``, a ``last_seq``; all when not given) become the run's; any stored
        since stay pending for the next run. ``cleanings`` are stored articles the run cleaned again (new
        rules, or furniture learned since), kept with the pairs found on their new bodies; ``furniture`` is
        what the run learned (it adds to what is stored).

        Stories, reuse pairs and map positions describe the whole store and replace the previous run's.
        """
        with self._connection:
            cursor = self._connection.execute(
                "INSERT INTO runs (finished, report) VALUES (?, ?)",
                (datetime.now(UTC).isoformat(), json.dumps(report, default=str, sort_keys=True)),
            )
            run = cursor.lastrowid
            self._save_cleanings(cleanings)
            self._connection.executemany(
                "INSERT OR IGNORE INTO furniture VALUES (?, ?)",
                [(outlet, segment) for outlet, segments in (furniture or {}).items() for segment in segments],
            )
            upto = self.last_seq() if read_upto is None else read_upto
            self._connection.execute("UPDATE articles SET run = ? WHERE run = ? AND seq <= ?", (run, _PENDING, upto))
            self._connection.execute("DELETE FROM stories")
            self._connection.executemany(
                "INSERT INTO stories VALUES (?, ?)", [(story.story_id, story_to_json(story)) for story in stories]
            )
            self._connection.executemany(
                "INSERT INTO lineage VALUES (?, ?, ?, ?)",
                [(run, event.story_id, event.kind, event.other) for event in events],
            )
            self._connection.execute("DELETE FROM pairs")
            self._connection.executemany(
                "INSERT INTO pairs VALUES (?, ?, ?)", [(pair.a, pair.b, reuse_pair_to_json(pair)) for pair in pairs]
            )
            self._connection.execute("DELETE FROM positions")
            self._connection.executemany(
                "INSERT INTO positions VALUES (?, ?, ?)", [(key, x, y) for key, (x, y) in (positions or {}).items()]
            )
        return run

    def _is_current(self, cleaner: int | None) -> bool:
        return self.cleaning_version is not None and cleaner == self.cleaning_version

    def _cleaning_row(self, article: Article) -> tuple[str | None, int | None]:
        if not article.body_spans or self.cleaning_version is None:
            return None, None
        return article.cleaning_json(), self.cleaning_version

    def close(self) -> None:
        self._connection.close()


def split_new(text_of: Mapping[str, str], incoming: Sequence[Article]) -> tuple[list[Article], list[Reject], int]:
    """Incoming articles not stored yet (``text_of``: the stored text of each stored id, ``StoryStore.texts``);
    rejects for stored ids arriving with another text; how many were known."""
    new: list[Article] = []
    rejects: list[Reject] = []
    known = 0
    for article in incoming:
        if article.id not in text_of:
            new.append(article)
        elif text_of[article.id] == article.text:
            known += 1
        else:
            reason = f"id {article.id!r} is already stored with a different text"
            rejects.append(Reject(origin=article.origin, reason=reason, id=article.id))
    return new, rejects, known
