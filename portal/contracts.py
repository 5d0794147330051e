"""Contracts of hours and how much of them is used (docs/product.md §4.3, §5.2).

"How usage counts", in one place: ``contract_usages`` is the only code that computes used
and remaining hours; the Contract management table, the portal's contract panel and the
usage CSV all call it. It runs one SQL aggregate (worklogs grouped by calendar month, one
filtered sum per contract) whatever the number of contracts or worklogs, and then does the
month arithmetic in Python on at most a few hundred numbers.

``contract_forecasts`` adds the run-out forecast (``portal.forecast``) of the table and the
panel: one more aggregate, over the last working days only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from jsm.models import JiraProject
from worklog_report import month_summary

from .forecast import NO_FORECAST, Forecast, pace_days, run_out_forecast
from .models import Contract, ReportSettings
from .periods import month_end, months_from_to
from .visibility import contracts_visible_to

# The progress bar turns amber from this share of the hours used, and red from all of them.
WARNING_PERCENT = 80


def lock_contracts_of(project: JiraProject) -> None:
    """Serialise contract changes of one project (call inside a transaction), so two admins
    saving at once cannot both pass the overlap check. A row lock on PostgreSQL; SQLite runs
    one writer at a time anyway."""
    list(JiraProject.objects.select_for_update().filter(pk=project.pk).values_list("pk"))


# -- Usage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthUsage:
    """One calendar month of a contract (the part of it inside the contract's period).

    ``brought_forward`` is what earlier months leave to this one: for a monthly contract with
    carry-over their unused hours (never less than 0), for a fixed contract the running
    balance of the whole period (which may be negative), else 0.
    """

    month: dt.date
    start: dt.date
    end: dt.date
    allowance_seconds: int
    brought_forward_seconds: int
    used_seconds: int

    @property
    def available_seconds(self) -> int:
        return self.allowance_seconds + self.brought_forward_seconds

    @property
    def remaining_seconds(self) -> int:
        return self.available_seconds - self.used_seconds


@dataclass(frozen=True)
class ContractUsage:
    """Used and remaining hours of a contract for its current window: this month (the part
    inside the period) for a monthly contract, the whole period for a fixed one.

    "This month" is today's month while the contract runs, its first month before it starts
    and its last one after it ends. ``months`` is the month-by-month ledger behind the
    numbers: up to the current month for monthly contracts, every month for fixed ones.
    """

    contract: Contract
    start: dt.date
    end: dt.date
    allowance_seconds: int
    carried_seconds: int
    used_seconds: int
    months: tuple[MonthUsage, ...]
    status: str

    @property
    def available_seconds(self) -> int:
        return self.allowance_seconds + self.carried_seconds

    @property
    def remaining_seconds(self) -> int:
        """Negative when more was used than available: an overrun."""
        return self.available_seconds - self.used_seconds

    @property
    def is_overrun(self) -> bool:
        return self.remaining_seconds < 0

    @property
    def overrun_seconds(self) -> int:
        return max(0, -self.remaining_seconds)

    @property
    def percent_used(self) -> int:
        """Whole percent, rounded down (so 79.9 % shows as 79 % and stays green)."""
        return self.used_seconds * 100 // self.available_seconds

    @property
    def bar_percent(self) -> int:
        return min(100, self.percent_used)

    @property
    def level(self) -> str:
        """``ok``, ``warning`` from 80 % used, ``over`` from 100 % (exact, no rounding)."""
        if self.used_seconds >= self.available_seconds:
            return "over"
        if self.used_seconds * 100 >= WARNING_PERCENT * self.available_seconds:
            return "warning"
        return "ok"

    @property
    def window_label(self) -> str:
        if self.contract.is_monthly:
            return f"{self.start:%B %Y}"
        return self.contract.period_label


def contract_usages(
    contracts: Iterable[Contract], report_settings: ReportSettings, today: dt.date
) -> dict[int, ContractUsage]:
    """Usage of each contract of ``report_settings.project``, keyed by contract id.

    Used hours are the hours shown to customers (the project's hours source, each worklog
    rounded as the project says, in SQL) of worklogs dated inside the contract's period on
    requests in its scope. One query for any number of contracts; none for none.
    """
    contracts = list(contracts)
    if not contracts:
        return {}
    if any(c.project_id != report_settings.project_id for c in contracts):
        raise ValueError("Every contract must belong to the settings' project.")
    used, months_with_worklogs = used_seconds_by_month(contracts, report_settings)
    return {
        c.pk: usage_from_months(
            c, used[c.pk], today, _data_from(c, months_with_worklogs, report_settings)
        )
        for c in contracts
    }


def _data_from(
    contract: Contract, months_with_worklogs: set[dt.date], report_settings: ReportSettings
) -> dt.date | None:
    """The first month of the contract with data: for Tempo hours, the first month of its
    period in which the project has any synced Tempo worklog (dt.date.max when none has);
    None (every month) for Jira's logged time.

    Tempo worklogs exist here only once an integration has synced them: a month of the
    contract before the project's first one cannot tell "no work" from "not in Tempo yet"
    (the integration was added later, or revoked and not yet re-synced), so it must not turn
    its allowance into carry-over.
    """
    if not report_settings.shows_tempo_hours:
        return None
    first = contract.start_date.replace(day=1)
    return min(
        (m for m in months_with_worklogs if first <= m <= contract.end_date), default=dt.date.max
    )


def used_seconds_by_month(
    contracts: list[Contract], report_settings: ReportSettings
) -> tuple[dict[int, dict[dt.date, int]], set[dt.date]]:
    """({contract id: {first day of month: shown seconds}}, {months in which the project has
    any worklog of the source}) from a single grouped aggregate — over the month summaries
    when every contract spans whole months on PostgreSQL (``months_summarised``)."""
    if all(months_summarised(c.start_date, c.end_date) for c in contracts):
        return _used_seconds_from_summary(contracts, report_settings)
    shown = report_settings.shown_seconds()
    sums = {
        f"c{c.pk}": Sum(
            shown,
            # On approved timesheets only, pending worklogs are in no used hours; they still
            # make their month one with data (``_data_from``).
            filter=Q(start_date__gte=c.start_date, start_date__lte=c.end_date)
            & c.worklog_scope()
            & report_settings.counted(),
        )
        for c in contracts
    }
    rows = (
        report_settings.source.model.objects.filter(
            request__project_id=report_settings.project_id,
            start_date__gte=min(c.start_date for c in contracts),
            start_date__lte=max(c.end_date for c in contracts),
        )
        .annotate(month=TruncMonth("start_date"))
        .values("month")
        .annotate(**sums)
        .order_by()
    )
    result: dict[int, dict[dt.date, int]] = {c.pk: {} for c in contracts}
    months_with_worklogs = set()
    for row in rows:
        month = _as_date(row["month"])
        months_with_worklogs.add(month)
        for c in contracts:
            if row[f"c{c.pk}"]:
                result[c.pk][month] = int(row[f"c{c.pk}"])
    return result, months_with_worklogs


def months_summarised(start: dt.date, end: dt.date) -> bool:
    """Whether the month summaries answer for worklogs dated ``start``…``end``: whole months,
    on PostgreSQL (``worklog_report.month_summary``)."""
    return month_summary.available() and start.day == 1 and end == month_end(end)


def _used_seconds_from_summary(contracts: list[Contract], report_settings: ReportSettings):
    """``used_seconds_by_month`` read from the month summaries (one grouped aggregate)."""
    column = month_summary.seconds_column(report_settings.rounding_minutes)
    counted = Q(approved=True) if report_settings.approved_only else Q()
    sums = {
        f"c{c.pk}": Sum(
            column,
            filter=Q(month__gte=c.start_date, month__lte=c.end_date) & c.worklog_scope() & counted,
        )
        for c in contracts
    }
    rows = (
        report_settings.source.summary.objects.filter(
            request__project_id=report_settings.project_id,
            month__gte=min(c.start_date for c in contracts),
            month__lte=max(c.end_date for c in contracts),
        )
        .values("month")
        .annotate(**sums)
        .order_by()
    )
    result: dict[int, dict[dt.date, int]] = {c.pk: {} for c in contracts}
    months_with_worklogs = set()
    for row in rows:  # a summary row exists only while it counts a worklog
        months_with_worklogs.add(row["month"])
        for c in contracts:
            if row[f"c{c.pk}"]:
                result[c.pk][row["month"]] = int(row[f"c{c.pk}"])
    return result, months_with_worklogs


def usage_from_months(
    contract: Contract,
    used_by_month: Mapping[dt.date, int],
    today: dt.date,
    data_from: dt.date | None = None,
) -> ContractUsage:
    """The arithmetic of "How usage counts" on used seconds per calendar month.

    Monthly: each calendar month touching the period gets the full allowance (a partial
    first or last month too). With carry-over, a month's unused hours are brought forward to
    the next month, and so on; an overrun brings forward 0, never a debt, so hours are never
    borrowed from later months. A month before ``data_from`` (the first month with data;
    None: all have it) brings forward nothing: its hours are unknown, not unused.
    Fixed: one allowance for the whole period.
    """
    allowance = contract.seconds
    status = contract.status_on(today)
    if not contract.is_monthly:
        months = []
        balance = 0
        for month in months_from_to(contract.start_date, contract.end_date):
            row = _month_usage(
                contract, month, allowance if not months else 0, balance, used_by_month
            )
            months.append(row)
            balance = row.remaining_seconds
        return ContractUsage(
            contract=contract,
            start=contract.start_date,
            end=contract.end_date,
            allowance_seconds=allowance,
            carried_seconds=0,
            used_seconds=sum(m.used_seconds for m in months),
            months=tuple(months),
            status=status,
        )
    current = min(max(today, contract.start_date), contract.end_date).replace(day=1)
    months = []
    carried = 0
    for month in months_from_to(contract.start_date, current):
        row = _month_usage(contract, month, allowance, carried, used_by_month)
        months.append(row)
        has_data = data_from is None or month >= data_from
        carried = max(0, row.remaining_seconds) if contract.carry_over and has_data else 0
    this_month = months[-1]
    return ContractUsage(
        contract=contract,
        start=this_month.start,
        end=this_month.end,
        allowance_seconds=allowance,
        carried_seconds=this_month.brought_forward_seconds,
        used_seconds=this_month.used_seconds,
        months=tuple(months),
        status=status,
    )


def contract_forecasts(
    usages: Iterable[ContractUsage], report_settings: ReportSettings, today: dt.date
) -> dict[int, Forecast]:
    """The run-out forecast of each contract's current window, keyed by contract id:
    NO_FORECAST for a contract not running today or with no hours left. One query for any
    number of contracts; none when no contract needs one."""
    usages = list(usages)
    wanted = [
        u for u in usages if u.contract.status_on(today) == "active" and u.remaining_seconds > 0
    ]
    used = used_seconds_by_day([u.contract for u in wanted], report_settings, pace_days(today))
    forecasts = {u.contract.pk: NO_FORECAST for u in usages}
    for u in wanted:
        forecasts[u.contract.pk] = run_out_forecast(
            u.remaining_seconds, used[u.contract.pk], today, u.end
        )
    return forecasts


def used_seconds_by_day(
    contracts: list[Contract], report_settings: ReportSettings, days: list[dt.date]
) -> dict[int, dict[dt.date, int]]:
    """{contract id: {day: shown seconds}} of worklogs on the contract's scope, on ``days``
    only, from a single grouped aggregate (none for no contracts).

    The same rules as used hours (hours source, rounding, scope) but not the contract's
    period: the pace is how fast work goes on those requests, and the first days of a
    month, or of a contract that follows another, have a pace too."""
    if not contracts or not days:
        return {c.pk: {} for c in contracts}
    shown = report_settings.shown_seconds()
    sums = {f"c{c.pk}": Sum(shown, filter=c.worklog_scope() or None) for c in contracts}
    rows = (
        report_settings.counted_worklogs()
        .filter(request__project_id=report_settings.project_id, start_date__in=days)
        .values("start_date")
        .annotate(**sums)
        .order_by()
    )
    result: dict[int, dict[dt.date, int]] = {c.pk: {} for c in contracts}
    for row in rows:
        for c in contracts:
            if row[f"c{c.pk}"]:
                result[c.pk][_as_date(row["start_date"])] = int(row[f"c{c.pk}"])
    return result


def _month_usage(contract, month, allowance, brought_forward, used_by_month) -> MonthUsage:
    return MonthUsage(
        month=month,
        start=max(month, contract.start_date),
        end=min(month_end(month), contract.end_date),
        allowance_seconds=allowance,
        brought_forward_seconds=brought_forward,
        used_seconds=used_by_month.get(month, 0),
    )


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# -- The portal's contract panel ------------------------------------------------------------


def contract_shown_to(user, project: JiraProject, today: dt.date) -> Contract | None:
    """The contract a person sees on the report: their organization's contract running today
    when there is one, otherwise the project-wide one. Staff preview the project-wide one;
    someone who is not a JSM customer sees none."""
    return contracts_shown_to(user, project, today).first()


def contracts_shown_to(user, project: JiraProject, today: dt.date) -> QuerySet[Contract]:
    """``contract_shown_to``'s candidates, the one shown first (a query to annotate)."""
    running = (
        Contract.objects.filter(project=project).active_on(today).select_related("organization")
    )
    return (
        contracts_visible_to(user, running)
        # Their organization's first; if they belong to several with contracts, by name.
        .order_by(F("organization__name").asc(nulls_last=True), "organization_id")
    )


def contract_panel(
    user, project: JiraProject, report_settings: ReportSettings, today: dt.date
) -> ContractUsage | None:
    """What the report's **Show contract** panel shows, or None (then there is no button)."""
    contract = contract_shown_to(user, project, today)
    if contract is None:
        return None
    return contract_usages([contract], report_settings, today)[contract.pk]
