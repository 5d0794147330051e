"""The alert check (docs/product.md §4.6), run by the worker after every sync.

For each contract running today: the levels its current window has reached, and for each
level and recipient one ``AlertDelivery`` row, sent once whoever checks
(``worklog_report.deliveries``: made once on its unique constraint, claimed before it is
sent, retried after a failure, never repeated after a dead worker). Once a row exists,
dropping below the level and reaching it again in the same window makes no new one. A failed
send is shown on the Contract management page until it goes out.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from jsm.models import Customer
from portal.contracts import ContractUsage, contract_forecasts, contract_usages
from portal.models import Contract, ReportSettings
from portal.reports import hours_available
from worklog_report import deliveries

from . import sentences
from .levels import crossed_levels
from .mail import AlertMail, send_alert
from .models import AlertDelivery, AlertSettings

logger = logging.getLogger("worklog_report.alerts")


@dataclass
class Counts:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def recipients_of(alert_settings: AlertSettings) -> dict[str, bool]:
    """{lower-case address: is staff} of the contract's recipients as they stand now: the
    chosen staff (still active and staff) with an address, and, when switched on for an
    organization's contract, its active customers with an address (one e-mail per address)."""
    recipients: dict[str, bool] = {}
    contract = alert_settings.contract
    if alert_settings.email_customers and contract.organization_id:
        customers = Customer.objects.filter(
            organizations=contract.organization_id, active=True
        ).exclude(email="")
        for email in customers.values_list("email", flat=True):
            recipients[email.lower()] = False
    staff = alert_settings.staff.filter(is_active=True, is_staff=True).exclude(email="")
    for email in staff.values_list("email", flat=True):
        recipients[email.lower()] = True
    return recipients


def check_alerts(today: dt.date | None = None) -> Counts:
    """Check every contract running today and send the e-mails that are due."""
    today = today or timezone.localdate()
    counts = Counts()
    deliveries.give_up_stale_sends(AlertDelivery)
    by_project = defaultdict(list)
    for contract in (
        Contract.objects.active_on(today).select_related("project", "organization").order_by("pk")
    ):
        by_project[contract.project].append(contract)
    for project, contracts in by_project.items():
        report_settings = ReportSettings.for_project(project)
        if not hours_available(report_settings):
            continue  # used hours unknown: no level can be said to be reached
        usages = contract_usages(contracts, report_settings, today)
        due = {}
        for contract in contracts:
            alert_settings = AlertSettings.for_contract(contract)
            usage = usages[contract.pk]
            recipients = recipients_of(alert_settings)
            levels = crossed_levels(
                alert_settings.levels, usage.used_seconds, usage.available_seconds
            )
            AlertDelivery.objects.bulk_create(
                [
                    AlertDelivery(
                        contract=contract, window_start=usage.start, level=level, email=email
                    )
                    for level in levels
                    for email in recipients
                ],
                ignore_conflicts=True,
            )
            waiting = list(
                deliveries.due(
                    AlertDelivery.objects.filter(contract=contract, window_start=usage.start)
                ).order_by("level", "email")
            )
            if waiting:
                due[contract.pk] = (usage, recipients, waiting)
        if not due:
            continue
        forecasts = contract_forecasts([d[0] for d in due.values()], report_settings, today)
        for usage, recipients, waiting in due.values():
            for delivery in waiting:
                _deliver(
                    delivery,
                    recipients,
                    AlertMail(usage, forecasts[usage.contract.pk], report_settings, today),
                    counts,
                )
    return counts


def _deliver(delivery: AlertDelivery, recipients, mail: AlertMail, counts: Counts) -> None:
    if delivery.email not in recipients:
        # Removed from the organization (or the staff list) before the e-mail went out.
        if deliveries.skip(delivery, sentences.REMOVED_RECIPIENT):
            counts.skipped += 1
        return
    outcome = deliveries.deliver(
        delivery,
        lambda: send_alert(
            mail, delivery.email, is_staff=recipients[delivery.email], level=delivery.level
        ),
    )
    if outcome == "failed":
        counts.failed += 1
        logger.warning(
            "contract alert failed",
            extra=_log_fields(delivery, mail.usage)
            | {"attempt": delivery.attempts, "error": delivery.error},
        )
    elif outcome == "sent":
        counts.sent += 1
        logger.info("contract alert sent", extra=_log_fields(delivery, mail.usage))


def _log_fields(delivery: AlertDelivery, usage: ContractUsage) -> dict:
    return {
        "project": usage.contract.project.key,
        "contract": usage.contract.pk,
        "window": usage.start.isoformat(),
        "level": delivery.level,
        "to": delivery.email,
    }
