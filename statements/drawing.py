"""Drawing up the monthly statements (docs/product.md §4.6).

A statement covers one organization of a project for one calendar month (local days, as
worklogs are dated). It lists the requests shared with the organization — which JSM shows
to all its customers — with the report's own functions (``portal.reports.build_report``), so
its rows and total are the report's **Organization requests** for that month of a customer of
that organization. Requests its customers raised without sharing them are private to their
reporter and participants: they count in the organization's contract
(``portal.visibility.organization_requests``) and the statement gives their hours as one
line, never their keys or summaries. Its contract position is
``portal.contracts.contract_usages`` of the organization's contract for that month, the
figures of Contract management.

Statements exist only on projects that share requests with organizations (**Also requests
shared with their organizations**): elsewhere customers see no organization's requests, and a
statement would show them. They are drawn up from hours read after the month ended (a sync of
the hours source that finished on or after the 1st), never from an older read.

Which organizations: those of the project (or with a contract in it) with hours on requests
shared with them in the month, or with a contract running in it. One with a contract and no
hours gets a statement that says so, with its contract position, and the hours of its
customers' unshared requests as one line (they count in the contract); one with neither gets
none. A customer in no organization gets none. Project-wide contracts appear on no statement.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from jsm.models import Customer, JiraProject, Organization, Request
from portal.contracts import ContractUsage, contract_usages
from portal.exports import write_report
from portal.models import Contract, ReportSettings
from portal.periods import Period, add_months, month_end
from portal.reports import Report, build_report, hours_available, last_updated, worklogs_in
from portal.visibility import (
    organization_requests,
    organization_scope_allowed,
    requests_shared_with,
)

from . import sentences
from .documents import PdfUnavailable, render_pdf
from .models import Statement, StatementDelivery, StatementRun, opted_out

logger = logging.getLogger("worklog_report.statements")


class NotDrawn(Exception):
    """A project's statements cannot be drawn up; the message is a sentence for people."""


@dataclass
class Drawn:
    """What one drawing up did: the statements made, how many already existed, and the
    organizations whose statement failed (name → sentence), which are tried again."""

    made: list[Statement] = field(default_factory=list)
    existing: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s."""
    return add_months(today.replace(day=1), -1)


def month_period(month: dt.date) -> Period:
    """The whole calendar month of ``month`` (its local days)."""
    return Period(month.replace(day=1), month_end(month), "custom")


def draw_due_statements(today: dt.date | None = None) -> list[Statement]:
    """After a sync: last month's statements of every project that sends them and has not
    drawn them up yet. A project that cannot draw them now (hours unavailable or not read
    since the month ended) is left for a later sync; so is one where an organization's
    statement failed (the others are kept; only the missing ones are drawn up next time)."""
    today = today or timezone.localdate()
    month = previous_month(today)
    made = []
    projects = JiraProject.objects.filter(
        report_settings__enabled=True, report_settings__monthly_statements=True
    ).exclude(pk__in=StatementRun.objects.filter(month=month).values("project"))
    for project in projects.select_related("report_settings", "tempo_sync_state"):
        try:
            drawn = draw_statements(project, month, today=today)
        except NotDrawn as exc:
            logger.info("statements not drawn", extra={"project": project.key, "why": str(exc)})
            continue
        made += drawn.made
        if not drawn.failed:
            record_run(project, month)
    return made


def record_run(project: JiraProject, month: dt.date) -> None:
    """The project's statements of ``month`` are all drawn up: the worker draws no more of
    them (``StatementRun.statements``: how many there are)."""
    StatementRun.objects.get_or_create(
        project=project,
        month=month,
        defaults={"statements": Statement.objects.filter(project=project, month=month).count()},
    )


def draw_statements(project: JiraProject, month: dt.date, *, today: dt.date) -> Drawn:
    """The statements of ``project`` for ``month`` (any day of it) that do not exist yet;
    those that do are kept as issued. Each new one gets an e-mail row per recipient.

    Raises ``NotDrawn`` for a month that is not over, a project whose report is off or that
    does not share requests with organizations, hours that are not available now or not
    read since the month ended. An organization whose statement fails (its PDF, say) is
    logged and named in ``Drawn.failed``; the others go on. ``PdfUnavailable`` (no Pango)
    is raised as soon as the first PDF needs it.
    """
    month = month.replace(day=1)
    if month_end(month) >= today:
        raise NotDrawn(f"{month:%B %Y} is not over yet: a statement covers a whole past month.")
    report_settings = ReportSettings.for_project(project)
    _check_drawable(report_settings, month)
    period = month_period(month)
    contracts = _contracts_by_organization(project, period)
    usages = contract_usages(contracts.values(), report_settings, period.end)
    with_hours = _organizations_with_shared_hours(report_settings, period)
    drawn = Drawn()
    existing = set(
        Statement.objects.filter(project=project, month=month).values_list(
            "organization_id", flat=True
        )
    )
    for organization in statement_organizations(project).order_by("name", "pk"):
        if organization.pk in existing:
            drawn.existing += 1
            continue
        contract = contracts.get(organization.pk)
        if organization.pk not in with_hours and contract is None:
            continue
        try:
            statement = _draw(
                report_settings, organization, period, usages[contract.pk] if contract else None
            )
        except PdfUnavailable:
            raise
        except Exception as exc:  # one organization's fault must not stop the others
            logger.exception(
                "statement failed",
                extra={"project": project.key, "organization": organization.name},
            )
            drawn.failed[organization.name] = sentences.statement_failed(exc)
            continue
        if statement is not None:
            drawn.made.append(statement)
    return drawn


def _check_drawable(report_settings: ReportSettings, month: dt.date) -> None:
    project = report_settings.project
    if not report_settings.enabled:
        raise NotDrawn(f"Worklog Report is not enabled on {project.key}.")
    if not organization_scope_allowed(report_settings):
        raise NotDrawn(sentences.needs_organization_scope(project.key))
    if not hours_available(report_settings):
        raise NotDrawn(
            f"The hours of {project.key} are not available now (no working Tempo "
            "connection, or its approvals were not read): try again after the next sync."
        )
    read_at = last_updated(report_settings)
    month_over = timezone.make_aware(dt.datetime.combine(add_months(month, 1), dt.time()))
    if read_at is None or read_at < month_over:
        raise NotDrawn(
            f"The hours of {project.key} were not read since {month:%B %Y} ended: the "
            "statements are drawn up after the next sync that reads them."
        )


def _draw(report_settings, organization, period, usage) -> Statement | None:
    """One organization's statement, stored with its e-mail rows (None: another worker
    stored it first)."""
    project = report_settings.project
    report = build_report(report_settings, shared_requests(project, organization), period)
    content = statement_content(project, organization, report_settings, report, usage, period.start)
    if usage is not None:
        # Its customers' unshared requests: private, but counted in the contract's "used".
        unshared = build_report(
            report_settings,
            organization_requests(project.pk, organization.pk).exclude(organizations=organization),
            period,
        )
        content |= {
            "unshared_seconds": unshared.total_seconds,
            "unshared_requests": len(unshared.rows),
        }
    return _save(project, organization, period.start, report, content)


def statement_organizations(project: JiraProject):
    """The organizations a project's statements may be drawn up for: those of the project
    and those with a contract in it."""
    return Organization.objects.filter(
        Q(projects=project) | Q(contracts__project=project)
    ).distinct()


def _organizations_with_shared_hours(report_settings: ReportSettings, period: Period) -> set[int]:
    """Ids of the organizations with counted hours on requests of the project shared with
    them in the period (one query)."""
    requests = worklogs_in(
        report_settings,
        Request.objects.filter(project=report_settings.project_id),
        period,
    ).values("request")
    return set(Organization.objects.filter(requests__in=requests).values_list("pk", flat=True))


def shared_requests(project: JiraProject, organization: Organization):
    """The project's requests shared with the organization: what a statement lists."""
    return requests_shared_with(organization.pk).filter(project=project)


def _contracts_by_organization(project: JiraProject, period: Period) -> dict[int, Contract]:
    """{organization id: its contract running in the period}: when two follow each other
    within the month, the later one (the one running at the month's end)."""
    contracts = (
        Contract.objects.filter(project=project, organization__isnull=False)
        .overlapping(period.start, period.end)
        .select_related("organization")
        .order_by("start_date")
    )
    return {contract.organization_id: contract for contract in contracts}


def statement_content(
    project: JiraProject,
    organization: Organization,
    report_settings: ReportSettings,
    report: Report,
    usage: ContractUsage | None,
    month: dt.date,
) -> dict:
    """The statement as drawn up, kept as JSON: ``project`` {key, name}, ``organization``
    (name), ``month``/``start``/``end`` (ISO local days), ``hours_source`` (label),
    ``time_format``, ``rounding_minutes``, ``requests`` [{key, summary, status, seconds}]
    (newest request first), ``total_seconds``, ``contract`` (None, or its position in the
    month: ``type``, ``title``, ``description``, ``period``, ``start``, ``end``,
    ``allowance_seconds``, ``used_seconds``, ``remaining_seconds`` (negative: overrun), and
    ``carried_seconds``/``carry_over`` (monthly) or ``used_before_seconds`` (fixed)),
    ``unshared_seconds``/``unshared_requests`` (hours and count of its customers' requests
    not shared with it; with a contract only), ``drawn_at`` (ISO UTC)."""
    return {
        "project": {"key": project.key, "name": project.name},
        "organization": organization.name,
        "month": month.isoformat(),
        "start": report.period.start.isoformat(),
        "end": report.period.end.isoformat(),
        "hours_source": report_settings.get_hours_source_display(),
        "time_format": report_settings.time_format,
        "rounding_minutes": report_settings.rounding_minutes,
        "requests": [
            {"key": row.key, "summary": row.summary, "status": row.status, "seconds": row.seconds}
            for row in report.rows
        ],
        "total_seconds": report.total_seconds,
        "contract": _position(usage, month) if usage else None,
        "unshared_seconds": 0,
        "unshared_requests": 0,
        "drawn_at": timezone.now().isoformat(),
    }


def _position(usage, month: dt.date) -> dict:
    """The contract's position in ``month``: its month of the ledger behind Contract
    management (``ContractUsage.months``)."""
    contract = usage.contract
    row = next(m for m in usage.months if m.month == month)
    position = {
        "type": contract.type,
        "title": contract.get_type_display(),
        "description": contract.description,
        "period": contract.period_label,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "used_seconds": row.used_seconds,
        "remaining_seconds": row.remaining_seconds,
    }
    if contract.is_monthly:
        position |= {
            "allowance_seconds": row.allowance_seconds,
            "carried_seconds": row.brought_forward_seconds,
            "carry_over": contract.carry_over,
        }
    else:
        position |= {
            "allowance_seconds": contract.seconds,
            "used_before_seconds": contract.seconds - row.available_seconds,
        }
    return position


def statement_csv(report, organization_name: str) -> str:
    """The statement's CSV: the report's CSV of that month and scope (without the byte-order
    mark the download adds)."""
    buffer = io.StringIO()
    write_report(csv.writer(buffer), report, organization_name)
    return buffer.getvalue()


def _save(project, organization, month, report, content) -> Statement | None:
    """Store the statement and its e-mail rows; None when another worker stored it first."""
    pdf = render_pdf(content)
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                project=project,
                organization=organization,
                organization_name=organization.name,
                month=month,
                total_seconds=report.total_seconds,
                request_count=len(report.rows),
                content=content,
                pdf=pdf,
                csv=statement_csv(report, organization.name),
            )
            StatementDelivery.objects.bulk_create(
                [
                    StatementDelivery(statement=statement, email=email)
                    for email in recipient_addresses(statement)
                ],
                ignore_conflicts=True,
            )
    except IntegrityError:
        if Statement.objects.filter(
            project=project, organization=organization, month=month
        ).exists():
            return None  # another worker stored it first
        raise
    logger.info(
        "statement drawn up",
        extra={
            "project": project.key,
            "organization": organization.name,
            "month": f"{month:%Y-%m}",
            "seconds": report.total_seconds,
        },
    )
    return statement


def recipients(statement: Statement):
    """The customers a statement is e-mailed to, as they stand now: active members of its
    organization with an address who did not opt out of the project's statement e-mails."""
    if statement.organization_id is None:
        return Customer.objects.none()
    return (
        Customer.objects.filter(organizations=statement.organization_id, active=True)
        .exclude(email="")
        .exclude(opted_out(statement.project_id))
    )


def recipient_addresses(statement: Statement) -> set[str]:
    """Lower-case addresses of ``recipients``: one e-mail per address."""
    return {email.lower() for email in recipients(statement).values_list("email", flat=True)}
