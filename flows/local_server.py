"""A Prefect server on loopback for one command: for as long as a schedule is served (Prefect's embedded mode
has no scheduler), and for a run, in place of the temporary server Prefect's embedded mode starts.

It is Prefect's own server (`prefect server start`) with its default SQLite database under PREFECT_HOME;
teams that run a shared server on PostgreSQL set PREFECT_API_URL instead, and none is started. The server
dies with the command that started it, however that ends: on Linux the kernel sends it SIGTERM when its
parent dies (``PR_SET_PDEATHSIG``, set before ``exec``), so a run killed with ``kill -9`` leaves no
server behind. Prefect's own temporary server stops only on a clean exit (it survived a ``kill -9`` for
24 minutes, holding 220 MB).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

_STARTUP_SECONDS = 120

# Run in the child before it becomes the server: ask for SIGTERM when the parent dies, then check that the
# parent (the process id given) is still there, since it may have died before the request was made.
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
if sys.platform.startswith("linux"):
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(port: int, services: bool) -> list[str]:
    """The command that starts the server on ``port``, as a child that dies with this process: with its
    services and UI (a schedule's), or the API alone (a run's)."""
    serve = ["-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    return [
        sys.executable,
        "-c",
        _DIE_WITH_PARENT,
        str(os.getpid()),
        *serve,
        *([] if services else ["--no-services", "--no-ui"]),
    ]


def _spawn(services: bool) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        server_command(port, services), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy()
    )
    return process, f"http://127.0.0.1:{port}/api"


def _wait_until_healthy(process: subprocess.Popen, api_url: str) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the local Prefect server did not start") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def prefect_api(services: bool = False) -> Iterator[Callable[[], str | None]]:
    """A Prefect API for the flows this command runs, ready once the yielded function returns: the
    configured one (PREFECT_API_URL; it returns ``None``), else ``prefect server start`` on 127.0.0.1 for
    as long as the block runs (it returns its URL), with Prefect's scheduler and other background
    ``services`` (a schedule needs them; a run does not) or not.

    The server is started on entering, before Prefect is even imported, unless the environment names an
    API: it boots (4.4 s) while the command imports what it runs (3.7 s), where it used to start after them.
    One that a Prefect profile makes unneeded is stopped as soon as that is known."""
    process, api_url = (None, None) if os.environ.get("PREFECT_API_URL") else _spawn(services)
    with ExitStack() as stack:
        if process is not None:
            stack.callback(_stop, process)

        def ready() -> str | None:
            from prefect.settings import PREFECT_API_URL, temporary_settings

            if process is None or PREFECT_API_URL.value():
                if process is not None:
                    _stop(process)  # a profile names the API
                return None
            _wait_until_healthy(process, api_url)
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
            from prefect.logging.handlers import APILogWorker

            # Runs first on leaving: the run's log lines, while the server is there to take them.
            stack.callback(APILogWorker.drain_all, timeout=5)
            return api_url

        yield ready
