"""The alert e-mail: multipart, plain text and HTML in the product's look, from templates
(templates/alerts/email/), sent through Django's mail (``EMAIL_URL``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from portal import contract_sentences
from portal.contracts import ContractUsage
from portal.forecast import Forecast
from portal.models import ReportSettings
from worklog_report.deliveries import site_url


@dataclass(frozen=True)
class AlertMail:
    """What every e-mail of one contract's check says (the level and address vary)."""

    usage: ContractUsage
    forecast: Forecast
    report_settings: ReportSettings
    today: dt.date


def render_alert(mail: AlertMail, *, is_staff: bool, level: int) -> EmailMultiAlternatives:
    usage, contract = mail.usage, mail.usage.contract
    project = contract.project
    context = {
        "level": level,
        "usage": usage,
        "contract": contract,
        "project": project,
        "time_format": mail.report_settings.time_format,
        "forecast": contract_sentences.run_out(mail.forecast, mail.today),
        "report_url": site_url(reverse("portal:worklog_report", kwargs={"key": project.key})),
        "contracts_url": (
            site_url(reverse("configuration_projects:contracts", kwargs={"key": project.key}))
            if is_staff
            else ""
        ),
    }
    subject = " ".join(render_to_string("alerts/email/alert_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("alerts/email/alert.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
    )
    message.attach_alternative(render_to_string("alerts/email/alert.html", context), "text/html")
    return message


def send_alert(mail: AlertMail, email: str, *, is_staff: bool, level: int) -> None:
    """Send one alert to one address; raises what the mail backend raises."""
    message = render_alert(mail, is_staff=is_staff, level=level)
    message.to = [email]
    message.send()
