"""`manage.py worker`: django-tasks' `db_worker` that outlives a database outage.

`db_worker` exits as soon as the database stops answering while it polls for tasks, and a
restarting or failing-over PostgreSQL would take the task worker down with it (the
Procfile's `worker`). This one says so in one log line, drops the connection, waits
OUTAGE_PAUSE seconds and polls again. Everything else is `db_worker`'s: the options, the
graceful stop on SIGTERM or Ctrl-C, the log lines — but for one thing: `db_worker` stops
a worker that is not running a task at once, by raising SystemExit from its signal handler,
and a SIGTERM landing while the worker's poll for tasks was committing broke the commit
(Django then could not reset the connection: exit status 1 and a traceback instead of a
graceful stop). A stop signal in the middle of a database transaction now ends the worker
after it (and after the task it claimed, if any). A task it was running when the database
went away stays marked running; a sync left so does not block Sync now
(`sync.tasks.sync_is_pending`).
"""

from __future__ import annotations

import logging
import time

from django.db import connection
from django_tasks_db.management.commands import db_worker

from worklog_report.database_outage import CONNECTION_ERRORS, reconnect

logger = logging.getLogger("worklog_report.worker")

OUTAGE_PAUSE = 5.0  # seconds between two attempts to reach the database again


def in_transaction() -> bool:
    """Whether this thread's database connection is inside a transaction (or a statement)
    right now: psycopg's transaction status, sqlite3's ``in_transaction``."""
    raw = connection.connection
    if raw is None:
        return False
    info = getattr(raw, "info", None)  # psycopg 3
    if info is not None:
        return info.transaction_status != info.transaction_status.IDLE
    return bool(getattr(raw, "in_transaction", False))


class OutageTolerantWorker(db_worker.Worker):
    def shutdown(self, signum, frame) -> None:
        if self.running and not self.running_task and in_transaction():
            # db_worker would raise SystemExit here, in the middle of the poll's transaction.
            logger.warning("worker stopping after this poll for tasks")
            self.running = False
            return
        super().shutdown(signum, frame)

    def run(self) -> None:
        while True:
            try:
                return super().run()
            except CONNECTION_ERRORS as exc:
                logger.warning(
                    "worker lost the database",
                    extra={"error_class": type(exc).__name__, "pause_s": OUTAGE_PAUSE},
                )
                reconnect()
                self.running_task = False  # a SIGTERM while waiting stops at once
                time.sleep(OUTAGE_PAUSE)


class Command(db_worker.Command):
    help = (
        "Run the task worker (django-tasks' db_worker) so that it waits out a database "
        "outage instead of exiting; the Procfile's `worker`."
    )

    def handle(self, *args, **options) -> None:
        # db_worker's handle builds its Worker by that name: let it build ours.
        original, db_worker.Worker = db_worker.Worker, OutageTolerantWorker
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original
