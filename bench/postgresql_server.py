"""A throwaway PostgreSQL server on a loopback port, from Debian's ``postgresql`` package: what the tests and
``bench_store.py`` run the PostgreSQL store against. As root (CI) the server runs as the package's
``postgres`` user, since it refuses to run as root."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgreSQLUnavailable(RuntimeError):
    """No server could start here; the message says why."""


def _programs() -> Path:
    """The folder of the server's programs (initdb, pg_ctl), newest version first."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name))
    if not found:
        raise PostgreSQLUnavailable("PostgreSQL's server is not installed (Debian's postgresql package)")
    return found[-1].parent


@contextmanager
def throwaway_postgresql(fsync: bool = False) -> Iterator[Callable[[], str]]:
    """Start a server; yield a function that makes a new empty database on it and gives its URL. Without
    ``fsync`` (tests) it never waits for the disk; a benchmark beside SQLite, which syncs each commit of
    its write-ahead log, asks for it."""
    try:
        import psycopg
    except ImportError as error:
        raise PostgreSQLUnavailable("psycopg is not installed (the postgresql extra)") from error
    programs = _programs()
    as_user, user = [], getpass.getuser()
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise PostgreSQLUnavailable("running as root without runuser: cannot start PostgreSQL as its own user")
        as_user, user = ["runuser", "-u", "postgres", "--"], "postgres"
    # Not under pytest's temporary folder, which only its owner may enter.
    folder = Path(tempfile.mkdtemp(prefix="storyline-postgresql-"))
    data = folder / "data"
    try:
        if as_user:
            shutil.chown(folder, "postgres")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync={'on' if fsync else 'off'}"
        try:
            subprocess.run(
                [*as_user, programs / "initdb", "-D", data, "-A", "trust", "-U", user], check=True, capture_output=True
            )
            start = [*as_user, programs / "pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "start"]
            subprocess.run(start, check=True, capture_output=True)
        except subprocess.CalledProcessError as error:
            raise PostgreSQLUnavailable(
                f"PostgreSQL did not start: {error.stderr.decode(errors='replace')[-300:]}"
            ) from error
        server = f"postgresql://{user}@127.0.0.1:{port}"
        made: list[str] = []

        def new_database() -> str:
            name = f"storyline_{len(made)}"
            with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
                connection.execute(f"CREATE DATABASE {name}")
            made.append(name)
            return f"{server}/{name}"

        try:
            yield new_database
        finally:
            subprocess.run([*as_user, programs / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
