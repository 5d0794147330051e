"""The targeted sync: what the webhooks announced, read from Tempo and Jira by the worker.

``tasks.request_drain`` queues ``tasks.apply_pending_changes`` unless one is queued already
(so a flood of deliveries is one task), and ``drain`` is what that task does:

- Pending changes beyond ``BATCH`` are not read one by one: an incremental sync is queued
  instead (``sync.tasks.request_sync``) and they are forgotten once it is.
- Tempo worklogs under the Tempo sync lock (``tempo_integration.changes``), Jira issues and
  worklogs under the Jira sync lock (``jsm.changes``). A lock held by a running sync leaves
  them pending; the ``sync_finished`` receiver queues the drain again when it ends.
- A change is forgotten only once read; an error (Tempo or Jira unavailable, a 401) or
  Tempo credentials marked Invalid leave it pending for the next try (the next delivery,
  the loop's tick), and polling remains. Only a revoked Tempo integration drops the Tempo
  changes (nothing could read them; a new integration's first sync reads everything).
- A change announced again while it was being read (a newer ``received_at``) stays, and a
  drain is queued again for it: a drain run meanwhile by a second worker found the lock
  held by this one and left it.
- A drain and a sync never overlap (the same locks). A deletion announced during a full
  read waits for it; the drain after it reads 404 and removes the row, even one the full
  read re-inserted from a page fetched before the deletion. A row re-inserted later from a
  stale listing (Tempo's search lags) is not listed by the next full read and is removed
  by its confirmation step (``tempo_integration.sync._remove_unlisted``).
- Handed to a sync (more than ``BATCH``), a deletion waits for the next full read (at most
  ``FULL_SYNC_EVERY``, a day): an incremental read does not see deletions.
- Jira's changes are read before Tempo's: a worklog logged on a request created moments
  ago needs the request. One whose request is not synced yet (Jira's webhook not here yet)
  stays pending for ``REQUEST_WAIT`` and is read again with the request's change; after
  that it is treated as the sync treats it.
- ``sync.signals.data_changed`` tells caches and alerts what changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.utils import timezone

from jsm import changes as jira_changes
from jsm import sync as jira_sync
from jsm.client import JiraError
from jsm.models import Request
from sync.locks import DRAIN, SyncAlreadyRunning, sync_lock
from sync.signals import data_changed
from sync.tasks import request_sync, sync_everything
from tempo_integration import changes as tempo_changes
from tempo_integration.client import TempoError
from tempo_integration.crypto import SecretUnreadable
from tempo_integration.models import TempoIntegration

from .models import PendingChange, PendingUnsubscribe, SeenEvent

logger = logging.getLogger("worklog_report.webhooks")

BATCH = 200
SEEN_FOR = dt.timedelta(days=1)
# How long a changed Tempo worklog on an issue that is not a synced request waits for the
# request's own Jira change (a new request: Jira's webhook may come after Tempo's) before it
# is treated as the sync treats it (removed).
REQUEST_WAIT = dt.timedelta(minutes=10)
Kind = PendingChange.Kind


def drain() -> dict[str, int | str]:
    """Apply the pending changes (see the module docstring); returns counts for the log."""
    prune()
    started = timezone.now()
    pending = PendingChange.objects.filter(received_at__lte=started)
    total = pending.count()
    if total == 0:
        return {"pending": 0}
    if total > BATCH:
        return _fall_back(pending, total)
    outcome: dict[str, int | str] = {"pending": total}
    # Jira first: a worklog logged on a request created moments ago needs the request.
    outcome["jira"] = _drain_jira(started)
    outcome["tempo"] = _drain_tempo(started)
    # Announced while this ran: its delivery queued a drain, but a second worker may have run
    # that one meanwhile and found the lock held by this one (no sync_finished follows a
    # drain). The task then queues one more, or the change would wait for the loop's tick.
    outcome["arrived_meanwhile"] = int(
        PendingChange.objects.filter(received_at__gt=started).exists()
    )
    return outcome


def _fall_back(pending, total: int) -> dict[str, int | str]:
    """Too many to read one by one: a normal incremental sync reads them all."""
    if request_sync() or _sync_waiting():
        ids = list(pending.values_list("pk", flat=True))
        PendingChange.objects.filter(pk__in=ids).delete()
        logger.info("webhook changes handed to a sync", extra={"pending": total})
        return {"pending": total, "sync": "queued"}
    # A sync is running: it may have read past some of them already. They stay, and its
    # sync_finished queues this again.
    return {"pending": total, "sync": "already pending"}


def _sync_waiting() -> bool:
    """A sync is queued and no worker has started it: it reads after every change here."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=sync_everything.module_path, status=TaskResultStatus.READY
    ).exists()


def _forget(kind: str, remote_ids: Iterable[str], started: dt.datetime) -> None:
    """Forget the changes read, unless announced again since ``started``."""
    PendingChange.objects.filter(
        kind=kind, remote_id__in=list(remote_ids), received_at__lte=started
    ).delete()


def _drain_tempo(started: dt.datetime) -> str:
    changes = list(
        PendingChange.objects.filter(kind=Kind.TEMPO_WORKLOG, received_at__lte=started)
        .order_by("received_at")
        .values_list("remote_id", "received_at")
    )
    if not changes:
        return "nothing"
    ids = [remote_id for remote_id, _ in changes]
    # Announced moments ago: a worklog on an issue not synced yet waits for its request.
    waiting = {int(i) for i, received in changes if received >= started - REQUEST_WAIT}
    integration = TempoIntegration.current()
    if integration is None:
        # Revoked (its subscriptions are being deleted): nothing will ever read them here,
        # and a new integration's first sync reads every worklog.
        _forget(Kind.TEMPO_WORKLOG, ids, started)
        return "no token"
    if not integration.is_active:
        # Tempo refused the credentials: kept until new ones are added (the loop's tick
        # tries again), so a deletion is not left to the next full read. The sync after a
        # new token is incremental, and an incremental read does not see deletions.
        return "token invalid"
    try:
        with (
            sync_lock("tempo", purpose=DRAIN) as lease,
            tempo_changes.open_client(integration) as client,
        ):
            applied = tempo_changes.apply_worklog_changes(
                integration, client, [int(i) for i in ids], lease, waiting
            )
    except SyncAlreadyRunning:
        return "sync running"
    except (TempoError, SecretUnreadable) as exc:
        logger.warning("tempo webhook changes left pending: %s", exc)
        return "error"
    _forget(Kind.TEMPO_WORKLOG, [str(i) for i in applied.done], started)
    _announce("tempo", applied.project_ids)
    if applied.error is not None:
        logger.warning("tempo webhook changes left pending: %s", applied.error)
        return "error"
    waits = f", {applied.waiting} waiting for their request" if applied.waiting else ""
    return f"{applied.written} written, {applied.removed} removed{waits}"


def _drain_jira(started: dt.datetime) -> str:
    rows = list(
        PendingChange.objects.filter(
            kind__in=[Kind.JIRA_ISSUE, Kind.JIRA_WORKLOG], received_at__lte=started
        ).values_list("kind", "remote_id", "issue_id")
    )
    if not rows:
        return "nothing"
    issues = sorted({r for k, r, _ in rows if k == Kind.JIRA_ISSUE}, key=int)
    worklogs = {r for k, r, _ in rows if k == Kind.JIRA_WORKLOG}
    worklog_issues = {i for k, _, i in rows if k == Kind.JIRA_WORKLOG}
    try:
        with sync_lock("jira", purpose=DRAIN) as lease, jira_sync.jira_client() as client:
            refreshed = jira_changes.refresh_requests(client, issues, lease) if issues else None
            created = refreshed.created if refreshed else set()
            hours = _jira_hours_issues(worklog_issues | created)
            read = jira_changes.refresh_issue_worklogs(client, sorted(hours, key=int), lease)
    except SyncAlreadyRunning:
        return "sync running"
    except JiraError as exc:
        logger.warning("jira webhook changes left pending: %s", exc)
        return "error"
    _forget(Kind.JIRA_ISSUE, issues, started)
    _forget(Kind.JIRA_WORKLOG, worklogs, started)
    projects = read.project_ids | (refreshed.project_ids if refreshed else set())
    _announce("jira", projects)
    written = (refreshed.written if refreshed else 0) + read.written
    removed = (refreshed.removed if refreshed else 0) + read.removed
    return f"{written} written, {removed} removed"


def _jira_hours_issues(issue_ids: set[str]) -> set[str]:
    """The issues among ``issue_ids`` whose Jira worklogs count: requests of projects whose
    hours come from Jira (*Logged time (Jira)*, the portal's ``jira_logged``)."""
    if not issue_ids:
        return set()
    return set(
        Request.objects.filter(
            jira_id__in=issue_ids, project__report_settings__hours_source="jira_logged"
        ).values_list("jira_id", flat=True)
    )


def _announce(source: str, project_ids: set[int]) -> None:
    if not project_ids:
        return
    for receiver, result in data_changed.send_robust(
        sender=drain, source=source, project_ids=sorted(project_ids)
    ):
        if isinstance(result, Exception):
            logger.error(
                "data changed receiver failed",
                exc_info=result,
                extra={"receiver": getattr(receiver, "__qualname__", str(receiver))},
            )


def prune(now: dt.datetime | None = None) -> None:
    """Forget the delivery ids older than a day, and revoked credentials kept longer."""
    cutoff = (now or timezone.now()) - SEEN_FOR
    SeenEvent.objects.filter(received_at__lt=cutoff).delete()
    PendingUnsubscribe.objects.filter(created_at__lt=cutoff).delete()


def has_pending() -> bool:
    return PendingChange.objects.exists()
