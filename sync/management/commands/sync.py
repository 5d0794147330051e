"""`manage.py sync [--loop SECONDS]`: sync Jira (then Tempo) now, or forever (docs/product.md §3).

With --loop it is the production worker for the periodic sync: it runs, sleeps, runs again.
SIGTERM or Ctrl-C ends the run in progress after the page it has in hand (recorded as
stopped) and exits.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sync.models import SyncRun
from sync.progress import BarProgress
from sync.runs import Outcome, run_all
from sync.signals import loop_tick

logger = logging.getLogger("worklog_report.sync")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
NAMES = dict(SyncRun.Kind.choices)


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
            for sig in STOP_SIGNALS:
                signal.signal(sig, lambda *_: stop.set())
        while True:
            failed = self.run_once(
                full=options["full"],
                trigger="command" if interval is None else "loop",
                stop=stop,
            )
            if interval is None:
                if failed:
                    sys.exit(1)
                return
            self.tick()
            if stop.wait(interval):
                self.stdout.write("Stopped.")
                return

    def tick(self) -> None:
        """Let work due on a clock queue itself (sync.signals.loop_tick); a receiver's
        failure is logged and never stops the loop."""
        for receiver, result in loop_tick.send_robust(sender=type(self)):
            if isinstance(result, Exception):
                logger.error(
                    "loop tick receiver failed",
                    exc_info=result,
                    extra={"receiver": getattr(receiver, "__qualname__", str(receiver))},
                )

    def run_once(
        self, full: bool, trigger: str = "command", stop: threading.Event | None = None
    ) -> bool:
        """Jira, then Tempo. True when either failed, even partly (a project not read)."""
        outcomes = run_all(
            trigger=trigger, full=full, progress=lambda: BarProgress(self.stderr._out), stop=stop
        )
        for outcome in outcomes:
            self.report(outcome)
        return any(outcome.failed for outcome in outcomes)

    def report(self, outcome: Outcome) -> None:
        name = NAMES[outcome.kind]
        if outcome.skipped == "running":
            self.stdout.write(f"A {outcome.kind} sync is already running. Skipped this run.")
            return
        if outcome.skipped == "database":
            self.stderr.write(
                f"{name} sync could not reach the database. Nothing was lost; "
                "the next run tries again."
            )
            return
        run = outcome.run
        if run is None:
            self.stdout.write(f"{name} sync skipped: no working Tempo API Token is stored.")
            return
        seconds = run.duration.total_seconds() if run.duration else 0.0
        if run.status == SyncRun.Status.SUCCEEDED:
            self.stdout.write(
                self.style.SUCCESS(f"{name} sync succeeded in {seconds:.1f} s: {run.summary}.")
            )
        elif run.status == SyncRun.Status.PARTLY:
            # The other projects were synced; the exit status still says "look at this".
            self.stderr.write(
                f"{name} sync partly succeeded in {seconds:.1f} s: {run.summary}. {run.error}"
            )
        else:
            self.stderr.write(f"{name} sync failed after {seconds:.1f} s: {run.error}")
