"""Sending the statement e-mails, run by the worker after the statements are drawn up and
after every sync while some are due (``worklog_report.deliveries``: once per address, retried
after a failure, never repeated after a dead worker).

Recipients are checked again when the e-mail goes out: a customer removed from the
organization, made inactive, or who opted out since the statement was drawn up is not sent
it (the row says why).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from worklog_report import deliveries

from . import sentences
from .drawing import recipients
from .mail import send_statement
from .models import StatementDelivery, StatementOptOut

logger = logging.getLogger("worklog_report.statements")


@dataclass
class Counts:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def send_due_statements() -> Counts:
    """Send every statement e-mail that is due now."""
    counts = Counts()
    deliveries.give_up_stale_sends(StatementDelivery)
    due = deliveries.due(StatementDelivery.objects.all()).select_related(
        "statement__project", "statement__organization"
    )
    for delivery in due.order_by("statement_id", "email"):
        _send(delivery, counts)
    return counts


def _send(delivery: StatementDelivery, counts: Counts) -> None:
    statement = delivery.statement
    customer = recipients(statement).filter(email__iexact=delivery.email).first()
    if customer is None:
        reason = (
            sentences.OPTED_OUT
            if StatementOptOut.objects.filter(
                project=statement.project_id, customer__email__iexact=delivery.email
            ).exists()
            else sentences.not_a_customer_any_more(statement.organization_name)
        )
        if deliveries.skip(delivery, reason):
            counts.skipped += 1
        return
    outcome = deliveries.deliver(
        delivery, lambda: send_statement(statement, customer, delivery.email)
    )
    fields = {
        "project": statement.project.key,
        "organization": statement.organization_name,
        "month": f"{statement.month:%Y-%m}",
        "to": delivery.email,
    }
    if outcome == "failed":
        counts.failed += 1
        logger.warning(
            "statement e-mail failed",
            extra=fields | {"attempt": delivery.attempts, "error": delivery.error},
        )
    elif outcome == "sent":
        counts.sent += 1
        logger.info("statement e-mail sent", extra=fields)
