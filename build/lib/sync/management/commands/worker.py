"""`manage.py worker`: django-tasks' `db_worker` that outlives a database outage.

`db_worker` exits as soon as the database stops answering while it polls for tasks, and a
restarting or failing-over PostgreSQL would take the task worker down with it (the
Procfile's `worker`). This one says so in one log line, drops the connection, waits
OUTAGE_PAUSE seconds and polls again. Everything else is `db_worker`'s: the options, the
graceful stop on SIGTERM or Ctrl-C, the log lines. A task it was running when the database
went away stays marked running; a sync left so does not block Sync now
(`sync.tasks.sync_is_pending`).
"""

from __future__ import annotations

import logging
import time

from django_tasks_db.management.commands import db_worker

from worklog_report.database_outage import CONNECTION_ERRORS, reconnect

logger = logging.getLogger("worklog_report.worker")

OUTAGE_PAUSE = 5.0  # seconds between two attempts to reach the database again


class OutageTolerantWorker(db_worker.Worker):
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
