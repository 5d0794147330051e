"""Tempo's timesheet approval routes (API-CONTRACTS.md §1 "Other list routes"), scope approvals.

Periods are monthly, as `/4/periods` answers them. Each approval is
`{"self", "user": {"self", "accountId"}, "period": {"from", "to"}, "requiredSeconds",
"timeSpentSeconds", "submittedSeconds" (once submitted), "status": {"key", "comment",
"actor": {"self", "accountId"}, "updatedAt"}, "reviewer": {"self", "accountId"}}`; `status.key`
is OPEN, IN_REVIEW or APPROVED. Tempo has no REOPENED: a reopened timesheet is OPEN again,
with the reviewer's comment. A user and period without a stored `Approval` is OPEN.
`timeSpentSeconds` is summed in the database from the sandbox's Tempo worklogs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from sandbox.jira.models import JiraUser
from sandbox.tempo.auth import tempo_api
from sandbox.tempo.lists import Links, list_data, one_page
from sandbox.tempo.models import Approval, ApprovalStatus, ListRecord, Worklog
from sandbox.tempo.query import optional_date, required_date
from sandbox.tempo.responses import BadRequest, json_error

APPROVALS = "approvals"
HOURS = 3600
# Mon–Fri 8 h: used when the sandbox holds no default workload scheme (`seed_sandbox`).
DEFAULT_DAYS = (8 * HOURS,) * 5 + (0, 0)


def period_of(day: date) -> tuple[date, date]:
    """The monthly approval period holding `day`: (first day, last day)."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@require_GET
@tempo_api(APPROVALS)
def team_approvals(request: HttpRequest, team_id: int) -> HttpResponse:
    """`GET /4/timesheet-approvals/team/{teamId}?from=YYYY-MM-DD` (`from` required; `to`, if
    given, must fall in the same period): one approval per member of the team during the
    period holding `from`, in one `{"self", "metadata": {"count"}, "results"}`; 404 for a
    team Tempo does not have, 400 without `from`."""
    first, last = _period(request)
    if not ListRecord.objects.filter(kind="teams", parent=None, position=team_id).exists():
        return json_error(404, f"Team with id {team_id} does not exist")
    people = _Approvals(request)
    members = people.members(team_id, first, last)
    return one_page(request, people.answer([(member, first) for member in members]))


@require_GET
@tempo_api(APPROVALS)
def user_approval(request: HttpRequest, account_id: str) -> HttpResponse:
    """`GET /4/timesheet-approvals/user/{accountId}?from=YYYY-MM-DD`: ONE approval object (not
    a list) for the period holding `from`; 404 for a user neither Jira nor Tempo knows, 400
    without `from`."""
    first, _ = _period(request)
    known = Worklog.objects.filter(author_account_id=account_id).exists()
    if not known and not JiraUser.objects.filter(pk=account_id).exists():
        return json_error(404, f"User with accountId {account_id} does not exist")
    return JsonResponse(_Approvals(request).answer([(account_id, first)])[0])


@require_GET
@tempo_api(APPROVALS)
def waiting_approvals(request: HttpRequest) -> HttpResponse:
    """`GET /4/timesheet-approvals/waiting`: every timesheet IN_REVIEW (any reviewer), oldest
    period first, in one `{"self", "metadata": {"count"}, "results"}`."""
    waiting = Approval.objects.filter(status=ApprovalStatus.IN_REVIEW).order_by(
        "period_from", "account_id"
    )
    keys = list(waiting.values_list("account_id", "period_from"))
    return one_page(request, _Approvals(request).answer(keys))


def _period(request: HttpRequest) -> tuple[date, date]:
    start = required_date(request.GET, "from")
    first, last = period_of(start)
    end = optional_date(request.GET, "to")
    if end is not None and not start <= end <= last:
        raise BadRequest("'to' must be on or after 'from' and in the same period")
    return first, last


class _Approvals:
    """Builds approval objects, reading memberships, teams and the workload scheme once."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.links = Links(request)
        self.memberships = list(
            ListRecord.objects.filter(kind="team-memberships")
            .order_by("position")
            .values_list("data", flat=True)
        )
        self.leads = {t["id"]: t["lead"]["accountId"] for t in list_data("teams")}
        scheme = next((s for s in list_data("workload-schemes") if s.get("defaultScheme")), None)
        self.days = tuple(d["requiredSeconds"] for d in scheme["days"]) if scheme else DEFAULT_DAYS

    def members(self, team_id: int, first: date, last: date) -> list[str]:
        """The team's members at some time in the period, in membership order."""
        found = [
            m["member"]["accountId"]
            for m in self.memberships
            if m["team"]["id"] == team_id and self._overlaps(m, first, last)
        ]
        return list(dict.fromkeys(found))

    def reviewer(self, account_id: str, first: date, last: date) -> str | None:
        """The lead of the first team where the user is a member other than its lead."""
        for m in self.memberships:
            lead = self.leads.get(m["team"]["id"])
            member = m["member"]["accountId"] == account_id
            if member and lead not in (None, account_id) and self._overlaps(m, first, last):
                return lead
        return None

    @staticmethod
    def _overlaps(membership: dict[str, Any], first: date, last: date) -> bool:
        ends = membership["to"]
        return membership["from"] <= last.isoformat() and (
            ends is None or ends >= first.isoformat()
        )

    def answer(self, keys: list[tuple[str, date]]) -> list[dict[str, Any]]:
        """The approvals of these (accountId, period's first day), in this order."""
        if not keys:
            return []
        accounts = {account for account, _ in keys}
        periods = {first for _, first in keys}
        rows = {
            (row.account_id, row.period_from): row
            for row in Approval.objects.filter(account_id__in=accounts, period_from__in=periods)
        }
        spent = self._spent(keys)
        return [
            self._approval(account, first, rows.get((account, first)), spent[(account, first)])
            for account, first in keys
        ]

    def _spent(self, keys: list[tuple[str, date]]) -> dict[tuple[str, date], int]:
        """Seconds each user logged in each period, summed in the database (a query a period)."""
        by_period: defaultdict[date, set[str]] = defaultdict(set)
        for account, first in keys:
            by_period[first].add(account)
        spent: defaultdict[tuple[str, date], int] = defaultdict(int)
        for first, accounts in by_period.items():
            totals = (
                Worklog.objects.filter(
                    author_account_id__in=accounts, start_date__range=period_of(first)
                )
                .values("author_account_id")
                .annotate(total=Sum("time_spent_seconds"))
            )
            for total in totals:
                spent[(total["author_account_id"], first)] = total["total"] or 0
        return spent

    def _required(self, first: date, last: date) -> int:
        days = (last - first).days + 1
        return sum(self.days[(first + timedelta(days=n)).weekday()] for n in range(days))

    def _approval(
        self, account_id: str, first: date, row: Approval | None, spent: int
    ) -> dict[str, Any]:
        last = period_of(first)[1]
        key = row.status if row else ApprovalStatus.OPEN.value
        actor = row.actor_account_id if row else account_id
        updated = row.updated_at if row else datetime.combine(first, time.min, tzinfo=UTC)
        reviewer = (row.reviewer_account_id if row else "") or self.reviewer(
            account_id, first, last
        )
        approval: dict[str, Any] = {
            "self": f"{self.links.tempo}/timesheet-approvals/user/{account_id}?from={first}",
            "user": self.links.user(account_id),
            "period": {"from": first.isoformat(), "to": last.isoformat()},
            "requiredSeconds": self._required(first, last),
            "timeSpentSeconds": spent,
        }
        if key != ApprovalStatus.OPEN:
            approval["submittedSeconds"] = spent
        approval["status"] = {
            "key": key,
            "comment": row.comment if row else "",
            "actor": self.links.user(actor),
            "updatedAt": updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if reviewer:
            approval["reviewer"] = self.links.user(reviewer)
        return approval


def default_reviewer(request: HttpRequest, account_id: str, first: date) -> str:
    """Who reviews the user's timesheet of this period when nobody was named yet ("" none)."""
    return _Approvals(request).reviewer(account_id, *period_of(first)) or ""
