"""Timesheet approvals for projects on approved timesheets only (docs/product.md §4.3, §6).

After a project's worklogs are synced, the approval of each (author, period) that has
worklogs in the window is read — one ``GET /4/timesheet-approvals/user/{accountId}?from=``
per author and period, through the run's shared client and its spacing, each read kept for
the rest of the run (a person works on several projects) — stored in ``TimesheetApproval``,
and every worklog of the window is marked approved or not with one UPDATE
(``Worklog.approved``), so the report's queries stay what they were.

Which periods are read: an approved timesheet can be reopened, so every sync re-reads the
last ``RECENT_MONTHS`` months (and the periods of worklogs this run wrote); the project's
full read (daily), and its first read on this setting, re-read every period.

A 403 (a token without the Approvals scope) does not fail the worklog sync: the project
records why, and its report says approved hours are unavailable rather than showing 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from worklog_report.sentences import full_stop

from .client import TempoAuthError, TempoError, TempoScopeError
from .models import ProjectSyncState, TimesheetApproval, Worklog
from .records import TimesheetPeriod

if TYPE_CHECKING:
    from sync.locks import Lease

# Periods this recent are re-read on every sync: an approved timesheet can be reopened.
RECENT_MONTHS = 3


def refused(project) -> str:
    """The project's sync problem when Tempo refuses the approvals (403)."""
    return (
        f"Tempo refused the timesheet approvals of {project.name} ({project.key}) (the token "
        "has no Approvals scope): approved-only hours cannot be shown. Add a token with the "
        'Approvals scope "View approvals".'
    )


def unreadable(project, exc: Exception) -> str:
    return (
        f"Tempo could not answer the timesheet approvals of {project.name} ({project.key}): "
        f"{full_stop(str(exc))} Its approved hours are those of the last sync; the next run "
        "tries again."
    )


@dataclass
class ApprovalCache:
    """The approvals read (and stored) in one sync run, per account id."""

    periods: dict[str, list[TimesheetPeriod]] = field(default_factory=dict)
    # Accounts Tempo does not know (404): not asked again in the run.
    unknown: set[str] = field(default_factory=set)
    # (account, day) pairs already asked about, for an answer whose period does not hold
    # the day asked: not asked again in the run either.
    asked: set[tuple[str, dt.date]] = field(default_factory=set)
    reads: int = 0

    def find(self, account_id: str, day: dt.date) -> TimesheetPeriod | None:
        for period in self.periods.get(account_id, ()):
            if period.period_start <= day <= period.period_end:
                return period
        return None

    def known(self, account_id: str, day: dt.date) -> bool:
        return (
            account_id in self.unknown
            or (account_id, day) in self.asked
            or self.find(account_id, day) is not None
        )

    def merge(self, other: ApprovalCache) -> None:
        for account_id, periods in other.periods.items():
            self.periods.setdefault(account_id, []).extend(periods)
        self.unknown |= other.unknown
        self.asked |= other.asked
        self.reads += other.reads


def recent_start(today: dt.date) -> dt.date:
    """The first day of the oldest month re-read on every sync (this month and the two
    before it with ``RECENT_MONTHS`` = 3)."""
    month = today.year * 12 + today.month - 1 - (RECENT_MONTHS - 1)
    return dt.date(month // 12, month % 12 + 1, 1)


def sync_approvals(
    client,
    lease: Lease,
    project,
    *,
    full: bool,
    generation: int,
    cache: ApprovalCache,
    today: dt.date | None = None,
) -> str:
    """Read the approvals behind ``project``'s worklogs and mark them; returns "" or a
    sentence saying why the approvals could not be read (recorded on the project's sync
    state). Raises TempoAuthError (401: the token itself)."""
    state, _ = ProjectSyncState.objects.get_or_create(project=project)
    worklogs = Worklog.objects.filter(request__project=project)
    if not (full or state.approvals_synced_at is None or state.approvals_problem):
        start = recent_start(today or timezone.localdate())
        worklogs = worklogs.filter(Q(start_date__gte=start) | Q(sync_generation=generation))
    try:
        read = _read(client, lease, worklogs, cache)
    except TempoAuthError:
        raise
    except TempoScopeError:
        problem = refused(project)
        _record(state, problem, approvals_problem=problem)
        return problem
    except TempoError as exc:
        problem = unreadable(project, exc)
        _record(state, problem, approvals_problem=state.approvals_problem)
        return problem
    now = timezone.now()
    rows = {
        (p.account_id, p.period_start): TimesheetApproval(
            account_id=p.account_id,
            period_start=p.period_start,
            period_end=p.period_end,
            status=p.status,
            synced_at=now,
        )
        for periods in read.periods.values()
        for p in periods
    }
    with transaction.atomic():
        lease.renew()
        TimesheetApproval.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["account_id", "period_start"],
            update_fields=["period_end", "status", "synced_at"],
        )
        mark_approved(worklogs)
        ProjectSyncState.objects.filter(pk=state.pk).update(
            approvals_synced_at=now, approvals_problem=""
        )
    cache.merge(read)
    return ""


def mark_approved(worklogs) -> int:
    """Set ``approved`` on these worklogs from the stored approvals; returns how many
    changed. Two UPDATEs, each of only the rows whose flag flips: an approval read again
    unchanged rewrites no row (no new row version on PostgreSQL, no month-summary trigger
    work, worklog_report/month_summary.py)."""
    is_approved = Exists(
        TimesheetApproval.objects.filter(
            account_id=OuterRef("author_account_id"),
            period_start__lte=OuterRef("start_date"),
            period_end__gte=OuterRef("start_date"),
            status=TimesheetApproval.Status.APPROVED,
        )
    )
    approved_now = worklogs.filter(is_approved, approved=False).update(approved=True)
    approved_no_more = worklogs.filter(~is_approved, approved=True).update(approved=False)
    return approved_now + approved_no_more


def _read(client, lease, worklogs, cache: ApprovalCache) -> ApprovalCache:
    """The approvals of every (author, period) of these worklogs that ``cache`` does not
    hold yet, one read per author and period: what was read (merged into the run's cache
    once stored)."""
    pairs = (
        worklogs.exclude(author_account_id="")
        .order_by("author_account_id", "start_date")
        .values_list("author_account_id", "start_date")
        .distinct()
    )
    read = ApprovalCache()
    for account_id, day in pairs.iterator():
        if cache.known(account_id, day) or read.known(account_id, day):
            continue
        read.asked.add((account_id, day))
        lease.renew()
        read.reads += 1
        period = client.timesheet_approval(account_id, day.isoformat())
        if period is None:
            read.unknown.add(account_id)  # their worklogs stay pending
            continue
        period = period._replace(account_id=account_id)
        read.periods.setdefault(account_id, []).append(period)
    return read


def _record(state: ProjectSyncState, problem: str, *, approvals_problem: str) -> None:
    ProjectSyncState.objects.filter(pk=state.pk).update(
        problem=problem,
        problem_since=state.problem_since or timezone.now(),
        approvals_problem=approvals_problem,
    )
