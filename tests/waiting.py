"""Waiting for something to happen (a process up, a line logged, a row written) by asking
again until it has, rather than sleeping for a guessed time: fast when it is quick, patient
when the machine is slow, and a clear failure when it never happens."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T],
    timeout: float = 30.0,
    interval: float = 0.1,
    message: str | Callable[[], object] = "",
) -> T:
    """Call `condition` every `interval` seconds until it returns something true, and return
    that; after `timeout` seconds, fail with `message` (called first if it is a function, so
    that it can show a log as it is then). An exception from `condition` ends the wait."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            said = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout} s" + (f": {said}" if said else ""))
        time.sleep(interval)
