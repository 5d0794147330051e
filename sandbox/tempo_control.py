"""Control routes of the emulated Tempo's backup data (/_sandbox/tempo/approvals, /counts).

Loopback only, JSON in and out, like the rest of `/_sandbox/` (sandbox/control.py);
`SandboxClient.set_timesheet_approval()` and `.tempo_counts()` call them.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sandbox.control import ControlError, control_view, json_body
from sandbox.tempo.approvals import default_reviewer, period_of
from sandbox.tempo.models import Approval, ApprovalStatus, ListRecord, Worklog

# The backup's data sets (API-CONTRACTS.md §1 "Other list routes"): what `/counts` totals.
COUNTED_KINDS = (
    "work-attributes",
    "accounts",
    "customers",
    "account-categories",
    "account-links",
    "teams",
    "team-memberships",
    "roles",
    "holiday-schemes",
    "workload-schemes",
    "programs",
)
ACCOUNT_ID_MAX_LENGTH = Approval._meta.get_field("account_id").max_length


@control_view
@require_POST
def set_approval(request: HttpRequest) -> HttpResponse:
    """Set one user's timesheet status for one period.

    POST `{"account_id", "period_from": "YYYY-MM-DD" (any day of the period), "status":
    "OPEN" | "IN_REVIEW" | "APPROVED", "comment": ""}`. There is no REOPENED in Tempo: reopen
    with OPEN and a comment. Answers `{"account_id", "period": {"from", "to"}, "status",
    "comment", "actor", "reviewer", "updated_at"}`.
    """
    body = json_body(request)
    account_id = body.get("account_id")
    if not isinstance(account_id, str) or not 0 < len(account_id) <= ACCOUNT_ID_MAX_LENGTH:
        raise ControlError(
            f"'account_id' must be an accountId of 1 to {ACCOUNT_ID_MAX_LENGTH} characters."
        )
    try:
        day = date.fromisoformat(str(body.get("period_from")))
    except ValueError:
        raise ControlError("'period_from' must be a date like 2026-11-01.") from None
    status = body.get("status")
    if status not in ApprovalStatus.values:
        raise ControlError(
            f"'status' must be one of: {', '.join(ApprovalStatus.values)} "
            "(a reopened timesheet is OPEN)."
        )
    comment = body.get("comment") or ""
    if not isinstance(comment, str):
        raise ControlError("'comment' must be text.")
    first, last = period_of(day)
    existing = Approval.objects.filter(account_id=account_id, period_from=first).first()
    reviewer = (existing.reviewer_account_id if existing else "") or default_reviewer(
        request, account_id, first
    )
    # The user submits; the reviewer approves or reopens.
    actor = account_id if status == ApprovalStatus.IN_REVIEW else reviewer or account_id
    approval, _ = Approval.objects.update_or_create(
        account_id=account_id,
        period_from=first,
        defaults={
            "status": status,
            "comment": comment,
            "actor_account_id": actor,
            "reviewer_account_id": reviewer,
            "updated_at": timezone.now(),
        },
    )
    return JsonResponse(
        {
            "account_id": approval.account_id,
            "period": {"from": first.isoformat(), "to": last.isoformat()},
            "status": approval.status,
            "comment": approval.comment,
            "actor": approval.actor_account_id,
            "reviewer": approval.reviewer_account_id or None,
            "updated_at": approval.updated_at.isoformat(),
        }
    )


@control_view
@require_GET
def counts(request: HttpRequest) -> HttpResponse:
    """`{"worklogs": n, "work-attributes": n, ...}`: how many objects of each of the backup's
    data sets the sandbox holds (worklogs: every Tempo worklog)."""
    held = dict(
        ListRecord.objects.filter(kind__in=COUNTED_KINDS)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return JsonResponse(
        {"worklogs": Worklog.objects.count(), **{kind: held.get(kind, 0) for kind in COUNTED_KINDS}}
    )
