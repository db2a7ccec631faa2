"""Where a ``Deduplicator`` keeps the articles it has indexed: a SQLite file, or Redis shared by workers.

Records are JSON (never pickles), so an index file or a Redis database is safe to load.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
                                     record TEXT NOT NULL, canonical TEXT);
"""


class DocumentStore(Protocol):
    def records(self) -> Iterator[tuple[str, str | None]]:
        """Every record (JSON) with its canonical article's id, in the order they were put."""
        ...

    def get(self, article_id: str) -> tuple[str, str | None] | None: ...

    def put(self, article_id: str, record: str, canonical: str | None) -> None: ...

    def close(self) -> None: ...


class SQLiteDocuments:
    """The embedded default: one SQLite file; each article is one committed transaction."""

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path)
        self._connection.executescript(_SCHEMA)

    def records(self) -> Iterator[tuple[str, str | None]]:
        yield from self._connection.execute("SELECT record, canonical FROM articles ORDER BY seq")

    def get(self, article_id: str) -> tuple[str, str | None] | None:
        return self._connection.execute("SELECT record, canonical FROM articles WHERE id = ?", (article_id,)).fetchone()

    def put(self, article_id: str, record: str, canonical: str | None) -> None:
        with self._connection:
            self._connection.execute(
                "INSERT OR IGNORE INTO articles (id, record, canonical) VALUES (?, ?, ?)",
                (article_id, record, canonical),
            )

    def close(self) -> None:
        self._connection.close()


class RedisDocuments:
    """Articles in two Redis hashes beside datasketch's LSH tables, so every worker can align against them."""

    def __init__(self, redis_config: dict, basename: bytes) -> None:
        import redis

        self._client = redis.Redis(**redis_config)
        self._records = basename + b"_articles"
        self._canonical = basename + b"_canonical"

    def records(self) -> Iterator[tuple[str, str | None]]:
        # The shared LSH tables are already in Redis: nothing needs replaying into them.
        return iter(())

    def get(self, article_id: str) -> tuple[str, str | None] | None:
        record = self._client.hget(self._records, article_id)
        if record is None:
            return None
        canonical = self._client.hget(self._canonical, article_id)
        return record.decode(), canonical.decode() if canonical else None

    def put(self, article_id: str, record: str, canonical: str | None) -> None:
        with self._client.pipeline() as pipeline:
            pipeline.hsetnx(self._records, article_id, record)
            if canonical is not None:
                pipeline.hsetnx(self._canonical, article_id, canonical)
            pipeline.execute()

    def close(self) -> None:
        self._client.close()
