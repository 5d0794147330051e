"""Where a contract's used hours come from (docs/product.md §5.2): the part on requests someone
cannot see, so the contract panel and the Contract management table can explain "used".

Who sees what is ``portal.visibility``'s; used hours are ``portal.contracts``'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from jsm.models import Request
from worklog_report import month_summary

from .contracts import ContractUsage, months_summarised
from .models import ReportSettings
from .visibility import (
    SCOPES,
    organization_scope_allowed,
    requests_shared_with,
    requests_visible_to,
)


@dataclass(frozen=True)
class UnseenHours:
    """Hours counted in a contract's used hours on requests someone cannot see."""

    seconds: int
    requests: int


def hours_unseen_by(user, usage: ContractUsage, report_settings: ReportSettings) -> UnseenHours:
    """The part of ``usage.used_seconds`` on requests of the contract's scope that ``user``
    may not see in any scope (``portal.visibility`` decides), so the panel can say where
    "used" comes from. One query."""
    contract = usage.contract
    visible = Request.objects.none()
    for scope in SCOPES:
        visible = visible | requests_visible_to(
            user, report_settings.project, report_settings, scope
        )
    if months_summarised(usage.start, usage.end):
        return _unseen_from_summary(
            report_settings, usage, contract.worklog_scope(), visible.values("pk")
        )
    return _unseen(
        report_settings,
        {"x": _window(usage, report_settings) & contract.worklog_scope()},
        exclude=Q(request__in=visible.values("pk")),
    )["x"]


def _unseen_from_summary(report_settings, usage: ContractUsage, scope: Q, visible) -> UnseenHours:
    """``hours_unseen_by`` over whole months, from the month summaries: a summary row's
    ``seconds`` above 0 means a worklog with seconds on its request (the worklogs' filter)."""
    rows = report_settings.source.summary.objects.filter(
        scope,
        request__project_id=report_settings.project_id,
        month__gte=usage.start,
        month__lte=usage.end,
    ).exclude(request__in=visible)
    if report_settings.approved_only:
        rows = rows.filter(approved=True)
    totals = rows.aggregate(
        s=Sum(month_summary.seconds_column(report_settings.rounding_minutes)),
        n=Count("request", filter=Q(seconds__gt=0), distinct=True),
    )
    return UnseenHours(int(totals["s"] or 0), totals["n"] or 0)


def hours_not_shared(
    usages: Iterable[ContractUsage], report_settings: ReportSettings
) -> dict[int, UnseenHours]:
    """For each organization's contract, the part of its used hours on requests of its scope
    not shared with the organization: raised by a member, seen only by the reporter and the
    participants (the split the customers' panels show). Empty when the project does not
    share requests with organizations. One query for any number of contracts."""
    if not organization_scope_allowed(report_settings):
        return {}
    windows = {}
    for usage in usages:
        contract = usage.contract
        if contract.organization_id:
            shared = requests_shared_with(contract.organization_id)
            windows[str(contract.pk)] = (
                _window(usage, report_settings)
                & contract.worklog_scope()
                & ~Q(request__in=shared.values("pk"))
            )
    return {int(pk): hours for pk, hours in _unseen(report_settings, windows).items()}


def _window(usage: ContractUsage, report_settings: ReportSettings) -> Q:
    seconds_field = report_settings.source.seconds_field
    return Q(start_date__gte=usage.start, start_date__lte=usage.end, **{f"{seconds_field}__gt": 0})


def _unseen(report_settings, filters: dict[str, Q], exclude: Q | None = None):
    if not filters:
        return {}
    aggregates = {}
    for name, condition in filters.items():
        aggregates[f"s{name}"] = Sum(report_settings.shown_seconds(), filter=condition)
        aggregates[f"n{name}"] = Count("request", filter=condition, distinct=True)
    worklogs = report_settings.counted_worklogs().filter(
        request__project_id=report_settings.project_id
    )
    if exclude is not None:
        worklogs = worklogs.exclude(exclude)
    totals = worklogs.aggregate(**aggregates)
    return {
        name: UnseenHours(int(totals[f"s{name}"] or 0), totals[f"n{name}"] or 0) for name in filters
    }
