"""The embedding cache: float32 vectors by content hash, in a SQLite file or in the PostgreSQL database of
the store, where every worker of a run sees what the others embedded.

Vectors are raw float32 bytes, never pickles: safe to load. A re-run over the same texts with the same model
embeds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import bindparam, inspect, text

from clustering.storage.database import changing_schema, open_engine, writing

# Keys per query: under SQLite's and PostgreSQL's limits on parameters.
_KEYS_PER_QUERY = 900


class EmbeddingCache:
    """Float32 vectors by key, persisted at ``location`` (a SQLite file's path, or a PostgreSQL URL)."""

    def __init__(self, location: Path | str) -> None:
        self.location = location
        self._engine = open_engine(location)
        # A cache, not a record: its table is made where missing rather than migrated, under the schema
        # lock only then (every embedding shard opens the cache).
        if not inspect(self._engine).has_table("embeddings"):
            binary = "BYTEA" if self._engine.dialect.name == "postgresql" else "BLOB"
            with changing_schema(self._engine) as connection:
                columns = f"key TEXT PRIMARY KEY, dim INTEGER NOT NULL, vector {binary} NOT NULL"
                connection.execute(text(f"CREATE TABLE IF NOT EXISTS embeddings ({columns})"))

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        query = text("SELECT key, dim, vector FROM embeddings WHERE key IN :keys").bindparams(
            bindparam("keys", expanding=True)
        )
        found: dict[str, np.ndarray] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                rows = connection.execute(query, {"keys": list(keys[start : start + _KEYS_PER_QUERY])})
                found.update((key, np.frombuffer(vector, dtype=np.float32, count=dim)) for key, dim, vector in rows)
        return found

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [
            {"key": key, "dim": int(vector.shape[0]), "vector": np.asarray(vector, np.float32).tobytes()}
            for key, vector in items
        ]
        if not rows:
            return
        # A key names its text and model: a vector another worker stored under it first is the same one.
        statement = "INSERT INTO embeddings VALUES (:key, :dim, :vector) ON CONFLICT (key) DO NOTHING"
        with writing(self._engine) as connection:
            connection.execute(text(statement), rows)

    def __len__(self) -> int:
        with self._engine.connect() as connection:
            return connection.execute(text("SELECT COUNT(*) FROM embeddings")).scalar_one()

    def close(self) -> None:
        self._engine.dispose()
