"""Where a ``NearDuplicateIndex`` keeps what it has indexed: one SQLite file of each article's id, its
word-shingle set (sorted 32-bit hashes, as bytes) and the earlier article it is a near-copy of. The LSH
bands are not stored: they are recomputed from the sets when the file is opened (milliseconds per
thousand articles), so the file does not depend on the threshold it was built at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shingle_sets (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
                                         shingles BLOB NOT NULL, duplicate_of TEXT);
CREATE TABLE IF NOT EXISTS shingle_settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class ShingleSettingsError(ValueError):
    """An index file built with other shingle settings than the ones asked for."""


class SQLiteShingleSets:
    """The sets in one SQLite file; what ``put`` adds is committed by ``commit`` (a batch at a time)."""

    def __init__(self, path: Path | str, settings: dict[str, int]) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path)
        self._connection.execute("PRAGMA journal_mode=WAL")
        with self._connection:
            self._connection.executescript(_SCHEMA)
            stored = dict(self._connection.execute("SELECT name, value FROM shingle_settings"))
            if stored and stored != settings:
                raise ShingleSettingsError(f"{path} was built with {stored}, not {settings}: use another index file")
            self._connection.executemany("INSERT OR IGNORE INTO shingle_settings VALUES (?, ?)", settings.items())

    def sets(self) -> Iterator[tuple[str, np.ndarray, str | None]]:
        """Every article's id, shingle set and near-copy original, in the order they were put."""
        for article_id, shingles, duplicate_of in self._connection.execute(
            "SELECT id, shingles, duplicate_of FROM shingle_sets ORDER BY seq"
        ):
            yield article_id, np.frombuffer(shingles, dtype=np.uint32), duplicate_of

    def put(self, article_id: str, shingles: np.ndarray, duplicate_of: str | None) -> None:
        self._connection.execute(
            "INSERT OR IGNORE INTO shingle_sets (id, shingles, duplicate_of) VALUES (?, ?, ?)",
            (article_id, shingles.astype(np.uint32).tobytes(), duplicate_of),
        )

    def commit(self) -> None:
        self._connection.commit()

    def close(self) -> None:
        self._connection.commit()
        self._connection.close()
