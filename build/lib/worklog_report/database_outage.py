"""What a sync does when the database goes away in the middle of a run (issue 8).

A sync writes page by page and moves its high-water marks only when a project is complete, so
an interrupted run loses nothing: the next one reads again from where the data stood. What
must not happen is the process dying, the run staying "running" for ever, or the Sync tab
saying nothing. So a sync that loses its connection drops it, records the run as failed with
``DATABASE_UNAVAILABLE`` once the database answers again (``save_when_reachable``, about half
a minute of patience), and the caller (`sync --loop`, the task) carries on with its next run.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connection

logger = logging.getLogger("worklog_report.sync")

# What a lost or refused connection raises (SQLite: "database is locked" past its timeout).
CONNECTION_ERRORS = (OperationalError, InterfaceError)

DATABASE_UNAVAILABLE = (
    "The database could not be reached during this run. Nothing was lost: the data from the "
    "last successful sync is kept and the next run reads again from there."
)

# Seconds between attempts to record the run once the connection is lost: about 30 s in all.
RETRY_DELAYS = (1, 2, 4, 8, 15)


class DatabaseUnavailable(Exception):
    """The database stayed unreachable: not even the run's outcome could be recorded."""


def _sleep(seconds: float) -> None:  # tests patch this
    time.sleep(seconds)


def reconnect() -> None:
    """Drop the broken connection; the next query opens a new one."""
    # Closing a dead connection may fail; Django forgets it all the same.
    with contextlib.suppress(DatabaseError):
        connection.close()


def save_when_reachable(save: Callable[[], object], what: str) -> None:
    """Run `save` (a write of a few rows), retrying on a lost connection for about 30 s.

    Raises DatabaseUnavailable when the database stays unreachable; `what` names what was
    not saved, for the log line.
    """
    for delay in (0, *RETRY_DELAYS):
        if delay:
            _sleep(delay)
        try:
            save()
            return
        except CONNECTION_ERRORS:
            reconnect()
    raise DatabaseUnavailable(f"The database stayed unreachable; {what} was not recorded.")


def log_lost_connection(kind: str, exc: BaseException) -> None:
    """One warning line, without the traceback: a lost connection is not a bug."""
    logger.warning(
        "sync lost the database",
        extra={"kind": kind, "error_class": type(exc).__name__, "error": str(exc).strip()},
    )
