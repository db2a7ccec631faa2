"""One call given a time limit: it runs in a child process forked for it, killed when time is up.

Python cannot stop a thread, and a signal alarm reaches only the main thread (a Prefect task runs in
another). A forked child starts in milliseconds with everything imported; it computes, writes its pickled
result to a pipe and exits without running the parent's exit handlers, and touches no file or lock.
Where ``fork`` does not exist the call runs in this process, without a limit.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

Argument = TypeVar("Argument")
Result = TypeVar("Result")


class DeadlineError(TimeoutError):
    """The call did not finish in time; its process was killed."""


class ChildError(RuntimeError):
    """The call raised in the child process (its type and message)."""


def _child(function: Callable[[Argument], Result], argument: Argument, write_end: int) -> None:
    try:
        try:
            outcome = ("result", function(argument))
        except Exception as error:
            outcome = ("error", f"{type(error).__name__}: {error}")
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(pickle.dumps(outcome))
    finally:
        os._exit(0)


def call_with_deadline(function: Callable[[Argument], Result], argument: Argument, seconds: float) -> Result:
    """``function(argument)``, computed in a forked child within ``seconds``, else ``DeadlineError``.
    The result must pickle; an exception in the child is a ``ChildError``."""
    if not hasattr(os, "fork"):
        return function(argument)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(function, argument, write_end)
    os.close(write_end)
    deadline = time.monotonic() + seconds
    received = bytearray()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineError(f"{getattr(function, '__name__', 'the call')} took over {seconds:g} s")
            if select.select([read_end], [], [], remaining)[0]:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                received += chunk
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    if not received:
        raise ChildError("the child process died without a result")
    kind, value = pickle.loads(bytes(received))
    if kind == "error":
        raise ChildError(value)
    return value
