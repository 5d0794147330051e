"""Tempo worklogs a webhook said changed, read one by one (docs/product.md §6: webhooks
bring a change in within a minute; polling remains the safety net).

A webhook's word alone never writes or deletes anything: each worklog is read directly
(``GET /4/worklogs/{id}``, ``TempoClient.worklog``). Found on a synced request of an enabled
project → written like the sync writes it (``sync._row``); Tempo answers 404 → removed
(Tempo confirmed it gone, as the full sync's ``_remove_unlisted`` does); found on an issue
that is no synced request → a stored copy is removed (it moved out of what is synced, as in
``_remove_unlisted``); found on a request of a project whose report is off → left as it
is (the sync does not read such projects).

The caller (``webhooks.draining``) holds the Tempo sync lock, so no sync runs meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction

from jsm.models import Request
from worklog_report.bulk import upsert

from .client import TempoAuthError, TempoClient, TempoError, TempoRequestError, TempoScopeError
from .models import ProjectSyncState, TempoIntegration, Worklog
from .records import MalformedWorklog
from .sync import _row, enabled_projects, tempo_client

if TYPE_CHECKING:
    from sync.locks import Lease

logger = logging.getLogger(__name__)


@dataclass
class Applied:
    """What ``apply_worklog_changes`` did. ``done``: the ids read (written, removed or
    skipped), which the caller may forget; the others stay pending. ``error``: the Tempo
    error that stopped the reads, if one did."""

    done: list[int] = field(default_factory=list)
    # Worklogs on an issue that is not a synced request yet, left pending (``waiting``).
    waiting: int = 0
    written: int = 0
    removed: int = 0
    skipped: int = 0
    project_ids: set[int] = field(default_factory=set)
    error: TempoError | None = None


def apply_worklog_changes(
    integration: TempoIntegration,
    client: TempoClient,
    tempo_ids: list[int],
    lease: Lease,
    waiting: Collection[int] = (),
) -> Applied:
    """Read each worklog of ``tempo_ids`` from Tempo and bring the local copy in line.

    Stops at the first TempoError other than a per-worklog refusal (Tempo unavailable; a
    401/403, which first marks the integration Invalid as the sync does) and returns it in
    ``error``, with what was read before it written. A worklog Tempo refuses on its own (a
    4xx other than 401, 403, 404) or answers unreadably is counted as skipped and done:
    the next sync reads it anyway. ``lease.renew()`` is called after every read.

    A worklog of ``waiting`` (changes announced moments ago) on an issue that is not a synced
    request is neither written nor removed, and not done: its request is most likely new,
    and Jira's webhook for it may come after Tempo's (or be drained after it). The drain
    reads it again with that request's change; an older one is removed as the sync does.
    """
    applied = Applied()
    found, gone = [], []
    for tempo_id in tempo_ids:
        try:
            worklog = client.worklog(tempo_id)
        except MalformedWorklog:
            applied.skipped += 1
            applied.done.append(tempo_id)
            continue
        except (TempoAuthError, TempoScopeError) as exc:
            integration.mark_invalid(f"The sync was refused: {exc}")
            applied.error = exc
            break
        except TempoRequestError as exc:
            logger.warning("Tempo refused to read a changed worklog: %s", exc)
            applied.skipped += 1
            applied.done.append(tempo_id)
            continue
        except TempoError as exc:
            applied.error = exc
            break
        lease.renew()
        applied.done.append(tempo_id)
        if worklog is None:
            gone.append(tempo_id)
        else:
            found.append(worklog)
    # The synced requests among the worklogs' issues, by Jira id (the records normalise
    # Tempo's integer ids to Jira's strings), and which of them are in enabled projects.
    requests = Request.objects.filter(jira_id__in={w.issue_id for w in found})
    enabled = set(enabled_projects().values_list("pk", flat=True))
    known = {
        jira_id: (pk, project)
        for jira_id, pk, project in requests.values_list("jira_id", "pk", "project_id")
    }
    request_of = {i: r for i, r in known.items() if r[1] in enabled}
    # On no synced request: removed, as the full sync removes it; on a request of a project
    # not synced (its report off): left as it is, as the sync leaves it.
    early = {w.tempo_worklog_id for w in found if w.issue_id not in known} & set(waiting)
    if early:
        applied.waiting = len(early)
        applied.done = [i for i in applied.done if i not in early]
        found = [w for w in found if w.tempo_worklog_id not in early]
    gone += [w.tempo_worklog_id for w in found if w.issue_id not in known]
    applied.skipped += sum(1 for w in found if w.issue_id in known and w.issue_id not in request_of)
    found = [w for w in found if w.issue_id in request_of]
    _write(found, gone, request_of, applied)
    return applied


def _write(found, gone, request_of, applied: Applied) -> None:
    """Upsert the found worklogs and remove the confirmed gone ones, in one transaction.

    Each written row keeps the newest generation it had, and at least the one of its
    project's last full read: the next full read then lists it (and stamps it anew) or
    confirms it gone, and never counts it as missed by the read before.
    """
    projects = {request_of[w.issue_id][1] for w in found}
    full_read = dict(
        ProjectSyncState.objects.filter(project__in=projects).values_list("project", "generation")
    )
    had = dict(
        Worklog.objects.filter(tempo_id__in=[w.tempo_worklog_id for w in found]).values_list(
            "tempo_id", "sync_generation"
        )
    )
    rows = []
    for worklog in found:
        request, project = request_of[worklog.issue_id]
        generation = max(had.get(worklog.tempo_worklog_id, 0), full_read.get(project, 0))
        rows.append(_row(worklog, request, generation))
        applied.project_ids.add(project)
    with transaction.atomic():
        applied.written += upsert(Worklog, rows, unique="tempo_id")
        removed = Worklog.objects.filter(tempo_id__in=gone)
        applied.project_ids.update(removed.values_list("request__project", flat=True))
        applied.removed += removed.delete()[0]
    applied.skipped += max(0, len(gone) - applied.removed)


def working_integration() -> TempoIntegration | None:
    """The stored integration when Tempo calls may be made with it (Active), else None."""
    integration = TempoIntegration.current()
    if integration is None or not integration.is_active:
        return None
    return integration


def open_client(integration: TempoIntegration) -> TempoClient:
    """The integration's client, as the sync opens it (``sync.tempo_client``). Raises
    SecretUnreadable (the integration is then Invalid), and for OAuth TempoAuthError or
    TempoUnavailable."""
    return tempo_client(integration)
