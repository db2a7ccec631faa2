"""A Prefect server on loopback for as long as a schedule is served: Prefect's embedded mode has no scheduler.

It is Prefect's own server (`prefect server start`) with its default SQLite database under PREFECT_HOME; teams
that run a shared server on PostgreSQL set PREFECT_API_URL instead, and none is started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

_STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_prefect_server() -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1 and yield its API URL; stop it afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + _STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the local Prefect server did not start") from None
                time.sleep(0.5)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
