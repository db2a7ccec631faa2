"""Where the store lives: a SQLite file (the embedded default) or a PostgreSQL database (``postgresql://…``,
for several writers on several machines), as a SQLAlchemy engine whose schema Alembic keeps up to date.

SQLAlchemy and Alembic rather than SQL strings per database: one set of queries and one numbered history of
the schema for both, and the connection handling (pools, transactions) of a maintained library. The
PostgreSQL driver is psycopg 3 (the ``postgresql`` extra).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

# How long a SQLite writer waits for another's transaction before it fails ("database is locked").
SQLITE_BUSY_SECONDS = 60.0
_POSTGRESQL_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_MIGRATIONS = str(Path(__file__).with_name("migrations"))
# Whether a connection's transactions write: on SQLite they then begin IMMEDIATE, taking the write lock at
# once, so that two writers queue on the busy timeout rather than one failing when it upgrades a read.
_WRITES = "storyline_writes"
# The PostgreSQL advisory lock key under which one process at a time changes a database's schema.
_SCHEMA_LOCK = 0x5709_711E
_DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def is_database_url(location: Path | str) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(location, str) and location.split("://", 1)[0] in _POSTGRESQL_SCHEMES and "://" in location


def shown(location: Path | str) -> str:
    """``location`` as it may be printed or logged: a database URL without its password."""
    if not is_database_url(location):
        return str(location)
    return make_url(str(location)).render_as_string(hide_password=True)


def open_engine(location: Path | str, read_only: bool = False) -> Engine:
    """An engine on the store at ``location`` (a SQLite file's path, or a PostgreSQL URL). A ``read_only``
    engine refuses every write, whatever it is asked."""
    if is_database_url(location):
        url = make_url(str(location)).set(drivername="postgresql+psycopg")
        options = {"options": "-c default_transaction_read_only=on"} if read_only else {}
        return create_engine(url, pool_pre_ping=True, connect_args=options, hide_parameters=True)
    path = Path(location)
    # Parameters hidden: an error message never carries an article's text (a full disk printed 30 KB of it).
    engine = create_engine(
        "sqlite://", creator=lambda: _sqlite_connection(path, read_only), poolclass=NullPool, hide_parameters=True
    )
    # pysqlite begins transactions itself, late and deferred; Storyline's transactions say how they begin.
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _sqlite_connection(path: Path, read_only: bool) -> sqlite3.Connection:
    if read_only:
        # A reader opens the file read-write where it may, because only such a connection, closing last,
        # folds the write-ahead log back and removes the -wal and -shm files a reader of a WAL store makes.
        uri = path.resolve().as_uri()
        try:
            connection = sqlite3.connect(f"{uri}?mode=rw", uri=True, check_same_thread=False, isolation_level=None)
        except sqlite3.OperationalError:  # a store this user may only read
            connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA query_only = ON")
        return connection
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS, check_same_thread=False, isolation_level=None)
    _write_ahead(connection)
    return connection


def _write_ahead(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode, which it keeps. Two writers opening a new file at once race to set it, and
    SQLite answers the loser "database is locked" at once, without its busy timeout: it tries again."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _begin_sqlite(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(_WRITES) else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction, committed when the block ends (rolled back if it raises)."""
    with engine.connect() as connection, connection.execution_options(**{_WRITES: True}).begin():
        yield connection


def is_deadlock(error: DBAPIError) -> bool:
    """Whether PostgreSQL broke a deadlock by failing this transaction (done again, it goes through)."""
    return getattr(error.orig, "sqlstate", None) == _DEADLOCK_DETECTED


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", _MIGRATIONS)
    return config


@contextmanager
def changing_schema(engine: Engine) -> Iterator[Connection]:
    """A write transaction in which one process at a time changes the schema: concurrent ones queue
    (SQLite's write lock, a PostgreSQL advisory lock) and find it changed when their turn comes."""
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        yield connection


@cache  # the migrations are files of the package: read once per process, not on every open of a store
def newest_revision() -> str:
    """The newest migration: the schema this Storyline reads and writes."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"{_MIGRATIONS} holds no migration: the package is incomplete")
    return head


def migrate(engine: Engine) -> None:
    """Bring the store's schema up to the newest migration."""
    if schema_revision(engine) == newest_revision():
        return
    with changing_schema(engine) as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_revision(engine: Engine) -> str | None:
    """The migration the store's schema is at (``None``: an empty database or a store from before
    migrations)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# Ids per query that names them: under SQLite's and PostgreSQL's limits on parameters.
IDS_PER_QUERY = 900


def chunked(ids: Sequence[str]) -> Iterator[list[str]]:
    """``ids`` in lists of at most ``IDS_PER_QUERY``, for queries that name them."""
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield list(ids[start : start + IDS_PER_QUERY])


def execute_many(connection: Connection, statement: str, rows: list[dict[str, Any]]) -> None:
    if rows:  # an empty parameter list would run the statement once, with no parameters
        connection.execute(text(statement), rows)
