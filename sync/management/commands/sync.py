"""`manage.py sync [--loop SECONDS]`: sync Jira (then Tempo) now, or forever (PRODUCT.md §3).

With --loop it is the production worker for the periodic sync: it runs, sleeps, runs again,
and stops cleanly between runs on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from jsm.locks import SyncAlreadyRunning
from jsm.models import SyncRun
from jsm.sync import sync_jira
from tempo_integration.sync import sync_tempo
from worklog_report.database_outage import CONNECTION_ERRORS, DatabaseUnavailable, reconnect
from worklog_report.sentences import full_stop
from worklog_report.sync_log import (
    log_sync_already_running,
    log_sync_database_unavailable,
    log_sync_run,
)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class BarProgress:
    """A tqdm bar per stage on a terminal; plain lines otherwise (logs, CI)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.bar: tqdm | None = None

    def start(self, label: str, total: int | None) -> None:
        self.close()
        if self.interactive:
            self.bar = tqdm(total=total, desc=label, unit="", file=self.stream, leave=False)
        else:
            self.stream.write(f"{label}: {total if total is not None else '?'} to sync\n")

    def advance(self, amount: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Sync JSM projects, requests, customers and organizations from Jira, then Tempo "
        "worklogs of the projects with Worklog Report enabled; now or in a loop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=int,
            nargs="?",
            const=settings.SYNC_INTERVAL,
            metavar="SECONDS",
            help="Repeat forever, waiting SECONDS between runs (default: SYNC_INTERVAL, "
            f"now {settings.SYNC_INTERVAL}); the production periodic sync.",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read every worklog again (Tempo and Jira) and remove those deleted there "
            "(otherwise only changes are read; a full read also happens once a day).",
        )

    def handle(self, *args, **options) -> None:
        interval = options["loop"]
        if interval is not None and interval < 1:
            self.stderr.write("--loop needs a number of seconds of at least 1.")
            sys.exit(2)
        stop = threading.Event()
        if interval is not None:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        while True:
            failed = self.run_once(
                full=options["full"], trigger="command" if interval is None else "loop"
            )
            if interval is None:
                if failed:
                    sys.exit(1)
                return
            if stop.wait(interval):
                self.stdout.write("Stopped.")
                return

    def run_once(self, full: bool, trigger: str = "command") -> bool:
        """Jira, then Tempo. True when either failed, even partly (a project not read)."""
        failed = False
        for name, run_sync in (
            ("Jira", lambda progress: sync_jira(full=full, progress=progress)),
            ("Tempo", lambda progress: sync_tempo(full=full, progress=progress)),
        ):
            progress = BarProgress(self.stderr._out)
            try:
                run = run_sync(progress=progress)
            except SyncAlreadyRunning as exc:
                log_sync_already_running(name.lower(), trigger)
                self.stdout.write(f"{full_stop(str(exc))} Skipped this run.")
                continue
            except (DatabaseUnavailable, *CONNECTION_ERRORS):
                # Not even the run could be recorded. The next run (--loop) starts afresh.
                reconnect()
                log_sync_database_unavailable(name.lower(), trigger)
                self.stderr.write(
                    f"{name} sync could not reach the database. Nothing was lost; "
                    "the next run tries again."
                )
                failed = True
                continue
            finally:
                progress.close()
            log_sync_run(name.lower(), run, trigger)
            if run is None:
                self.stdout.write(f"{name} sync skipped: no working Tempo API Token is stored.")
                continue
            seconds = run.duration.total_seconds() if run.duration else 0.0
            if run.status == SyncRun.Status.SUCCEEDED:
                self.stdout.write(
                    self.style.SUCCESS(f"{name} sync succeeded in {seconds:.1f} s: {run.summary}.")
                )
            elif run.status == SyncRun.Status.PARTLY:
                # The other projects were synced; the exit status still says "look at this".
                failed = True
                self.stderr.write(
                    f"{name} sync partly succeeded in {seconds:.1f} s: {run.summary}. {run.error}"
                )
            else:
                failed = True
                self.stderr.write(f"{name} sync failed after {seconds:.1f} s: {run.error}")
        return failed
