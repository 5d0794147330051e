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

Which organizations: those of the project (or with a contract in it) that have hours in the
month (listed or not) or a contract running in it. One with a contract and no hours gets a
statement that says so, with its contract position; one with neither gets none. A customer
in no organization gets none.
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

from jsm.models import Customer, JiraProject, Organization
from portal.contracts import contract_usages
from portal.exports import write_report
from portal.models import Contract, ReportSettings
from portal.periods import Period, add_months, month_end
from portal.reports import build_report, hours_available
from portal.visibility import organization_requests, requests_shared_with

from .documents import render_pdf
from .models import Statement, StatementDelivery, StatementRun, opted_out

logger = logging.getLogger("worklog_report.statements")


class NotDrawn(Exception):
    """A project's statements cannot be drawn up; the message is a sentence for people."""


@dataclass
class Drawn:
    """What one drawing up did: the statements made, and those that already existed."""

    made: list[Statement] = field(default_factory=list)
    existing: int = 0


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s."""
    return add_months(today.replace(day=1), -1)


def month_period(month: dt.date) -> Period:
    """The whole calendar month of ``month`` (its local days)."""
    return Period(month.replace(day=1), month_end(month), "custom")


def draw_due_statements(today: dt.date | None = None) -> list[Statement]:
    """After a sync: last month's statements of every project that sends them and has not
    drawn them up yet. A project whose hours are not available now (no working Tempo
    connection, approvals not read) is left for a later sync."""
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
        StatementRun.objects.get_or_create(
            project=project, month=month, defaults={"statements": len(drawn.made)}
        )
        made += drawn.made
    return made


def draw_statements(project: JiraProject, month: dt.date, *, today: dt.date) -> Drawn:
    """The statements of ``project`` for ``month`` (any day of it) that do not exist yet;
    those that do are kept as issued. Each new one gets an e-mail row per recipient.

    Raises ``NotDrawn`` for a month that is not over, a project whose report is off, or
    hours that are not available now.
    """
    month = month.replace(day=1)
    if month_end(month) >= today:
        raise NotDrawn(f"{month:%B %Y} is not over yet: a statement covers a whole past month.")
    report_settings = ReportSettings.for_project(project)
    if not report_settings.enabled:
        raise NotDrawn(f"Worklog Report is not enabled on {project.key}.")
    if not hours_available(report_settings):
        raise NotDrawn(
            f"The hours of {project.key} are not available now (no working Tempo "
            "connection, or its approvals were not read): try again after the next sync."
        )
    period = month_period(month)
    contracts = _contracts_by_organization(project, period)
    usages = contract_usages(contracts.values(), report_settings, period.end)
    drawn = Drawn()
    existing = set(
        Statement.objects.filter(project=project, month=month).values_list(
            "organization_id", flat=True
        )
    )
    candidates = Organization.objects.filter(
        Q(projects=project) | Q(contracts__project=project)
    ).distinct()
    for organization in candidates.order_by("name", "pk"):
        if organization.pk in existing:
            drawn.existing += 1
            continue
        report = build_report(report_settings, shared_requests(project, organization), period)
        unshared = build_report(
            report_settings,
            organization_requests(project.pk, organization.pk).exclude(organizations=organization),
            period,
        )
        contract = contracts.get(organization.pk)
        if not report.rows and not unshared.rows and contract is None:
            continue
        content = statement_content(
            project,
            organization,
            report_settings,
            report,
            usages[contract.pk] if contract else None,
            month,
        ) | {"unshared_seconds": unshared.total_seconds, "unshared_requests": len(unshared.rows)}
        statement = _save(project, organization, month, report, content)
        if statement is not None:
            drawn.made.append(statement)
    return drawn


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


def statement_content(project, organization, report_settings, report, usage, month) -> dict:
    """The statement as drawn up: JSON of seconds and ISO dates (local days)."""
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
        return None
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
