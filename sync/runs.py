"""A run of each sync, recorded, and the Jira-then-Tempo sequence (docs/product.md §6).

``sync_jira()`` and ``sync_tempo()`` hold their kind's lock, record a ``SyncRun`` and turn
whatever ended the run into a sentence for the Sync tab; the reading and writing is the
domain apps' (``jsm.sync.read_jira``, ``tempo_integration.sync.read_tempo``). ``run_all()``
runs both, Jira first (requests are what worklogs hang on), for the ``sync`` command, the
task worker and the tests alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jsm import sync as jira_sync
from jsm.client import JiraClient
from tempo_integration import sync as tempo_sync
from tempo_integration.client import MAX_PAGE_SIZE, TempoClient
from tempo_integration.models import TempoIntegration
from worklog_report.database_outage import (
    CONNECTION_ERRORS,
    DATABASE_UNAVAILABLE,
    DatabaseUnavailable,
    log_lost_connection,
    reconnect,
)
from worklog_report.heap import long_lived_objects_frozen

from .locks import Lease, LockLost, SyncAlreadyRunning, SyncStopped, sync_lock
from .log import log_sync_already_running, log_sync_database_unavailable, log_sync_run
from .models import STOPPED, SyncRun
from .progress import Progress, Silent
from .signals import sync_finished

logger = logging.getLogger(__name__)

UNEXPECTED = "The sync failed unexpectedly; the details are in the worker's log."


def sync_jira(
    *,
    full: bool = False,
    client: JiraClient | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> SyncRun:
    """Run one Jira sync now, in this process, and return its record.

    Raises SyncAlreadyRunning when another Jira sync holds the lock, DatabaseUnavailable when
    not even the record could be written. ``full`` re-reads every Jira worklog; ``stop``, once
    set, ends the run after the page in hand (recorded as stopped).
    """
    counts = jira_sync.Counts()

    def read(client: JiraClient, lease: Lease, run: SyncRun) -> None:
        jira_sync.read_jira(client, lease, progress or Silent(), counts, full=full)

    return _recorded(
        SyncRun.Kind.JIRA,
        client=client,
        open_client=jira_sync.jira_client,
        read=read,
        counts=counts,
        describe_failure=jira_sync.describe_failure,
        stop=stop,
    )


def sync_tempo(
    *,
    full: bool = False,
    progress: Progress | None = None,
    client: TempoClient | None = None,
    page_size: int = MAX_PAGE_SIZE,
    stop: threading.Event | None = None,
) -> SyncRun | None:
    """Run one Tempo sync now and return its record; None when no working token is stored
    (nothing to do). Raises like ``sync_jira``; ``page_size`` is Tempo's maximum in
    production, the benchmark's smoke test uses small pages."""
    integration = TempoIntegration.current()
    if integration is None or not integration.is_active:
        return None
    counts = tempo_sync.Counts()

    def read(client: TempoClient, lease: Lease, run: SyncRun) -> None:
        tempo_sync.read_tempo(
            integration,
            client,
            lease,
            progress or Silent(),
            counts,
            full=full,
            page_size=page_size,
            generation=run.pk,
        )

    return _recorded(
        SyncRun.Kind.TEMPO,
        client=client,
        open_client=lambda: tempo_sync.tempo_client(integration),
        read=read,
        counts=counts,
        describe_failure=tempo_sync.describe_failure,
        stop=stop,
    )


def _recorded(
    kind: str,
    *,
    client: Any,
    open_client: Callable[[], Any],
    read: Callable[[Any, Lease, SyncRun], None],
    counts: Any,
    describe_failure: Callable[[Exception], str | None],
    stop: threading.Event | None,
) -> SyncRun:
    """Hold the kind's lock, record a run, ``read`` with the given client (or one
    ``open_client`` opens and this closes), and record how it ended.

    ``counts`` (the domain's counts, filled as the read goes) has ``problems``: sentences for
    the projects that could not be read; a run with some is partly succeeded when it read at
    least one project, failed when it read none.
    """
    with sync_lock(kind, stop) as lease:
        run = SyncRun.begin(kind)
        own_client = client is None
        error, partly = "", False
        try:
            if own_client:
                client = open_client()
            with long_lived_objects_frozen():  # full collections skip what was alive before
                read(client, lease, run)
            if counts.problems:
                error, partly = " ".join(counts.problems), counts.projects > 0
        except SyncStopped:
            error = STOPPED
        except LockLost as exc:
            # Its lease ran out and another run took the lock: a sentence, not a bug.
            logger.warning("%s sync: %s", run.get_kind_display(), exc)
            error = (
                f"The {run.get_kind_display()} sync lost its lock to another run: it stopped "
                "there, and what it had written is kept."
            )
        except CONNECTION_ERRORS as exc:
            log_lost_connection(kind, exc)
            reconnect()
            error = DATABASE_UNAVAILABLE
        except Exception as exc:
            error = describe_failure(exc) or ""
            if not error:
                logger.exception("%s sync failed", run.get_kind_display())
                error = UNEXPECTED
        except BaseException:  # Ctrl-C, SystemExit: say so, then let it stop the process
            error = STOPPED
            raise
        finally:
            run.finish(
                error=error,
                partly=partly,
                counts=counts.as_dict(),
                requests_made=client.request_count if client else 0,
            )
            if own_client and client is not None:
                client.close()
    return run


@dataclass(frozen=True)
class Outcome:
    """How one kind's part of ``run_all`` ended: its record, or why there is none."""

    kind: str  # SyncRun.Kind
    run: SyncRun | None = None
    skipped: str = ""  # "running", "no_token" or "database"

    @property
    def failed(self) -> bool:
        """Worth a look: failed or partly, or the database could not be reached."""
        if self.skipped:
            return self.skipped == "database"
        return self.run is not None and self.run.status != SyncRun.Status.SUCCEEDED


def run_all(
    *,
    trigger: str,
    full: bool = False,
    progress: Callable[[], Progress] = Silent,
    stop: threading.Event | None = None,
) -> list[Outcome]:
    """Sync Jira, then Tempo, and log one line for each; return how each ended.

    ``trigger`` names who asked (``command``, ``loop``, ``task``) for the log; ``progress``
    makes a reporter per kind (closed after it when it has ``close``). A kind another process
    is syncing is skipped, and so is Tempo without a working token; the database going away
    ends that kind's part (the other still runs). ``stop``, once set, ends the current run
    after its page in hand and skips what is left.
    """
    outcomes = []
    for kind, run_sync in (
        (SyncRun.Kind.JIRA, sync_jira),
        (SyncRun.Kind.TEMPO, sync_tempo),
    ):
        if stop is not None and stop.is_set():
            break
        reporter = progress()
        try:
            run = run_sync(full=full, progress=reporter, stop=stop)
        except SyncAlreadyRunning:
            log_sync_already_running(kind, trigger)
            outcomes.append(Outcome(kind, skipped="running"))
            continue
        except (DatabaseUnavailable, *CONNECTION_ERRORS):
            # Not even the run could be recorded. The next run starts afresh.
            reconnect()
            log_sync_database_unavailable(kind, trigger)
            outcomes.append(Outcome(kind, skipped="database"))
            continue
        finally:
            close = getattr(reporter, "close", None)
            if close is not None:
                close()
        log_sync_run(kind, run, trigger)
        outcomes.append(Outcome(kind, run=run, skipped="" if run else "no_token"))
    _announce(outcomes)
    return outcomes


def _announce(outcomes: list[Outcome]) -> None:
    """Tell other apps a round ended (``sync.signals.sync_finished``) when it recorded a run.
    A receiver that fails is logged; the sync's outcome stands."""
    if not any(outcome.run is not None for outcome in outcomes):
        return
    for receiver, result in sync_finished.send_robust(sender=run_all, outcomes=outcomes):
        if isinstance(result, Exception):
            logger.error(
                "sync finished receiver failed",
                exc_info=result,
                extra={"receiver": getattr(receiver, "__qualname__", str(receiver))},
            )
