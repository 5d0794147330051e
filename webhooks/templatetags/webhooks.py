"""`{% webhook_status %}` on the Sync tab: per service, whether webhooks bring changes in,
when the last one arrived, and that polling every SYNC_INTERVAL remains the safety net (the
sync app's page does not know the webhooks app)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils.timesince import timesince

from tempo_integration.models import TempoIntegration

from ..models import Subscription
from ..registration import JIRA_NOT_CONFIGURED, base_url_problem

register = template.Library()

WAITING = "Not registered yet: the worker registers them after the next sync."
NO_TEMPO = "No Tempo integration is stored."


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    state: str  # the lozenge's class: succeeded (live), partly (inactive), skipped
    label: str  # Live, Inactive — re-activating, Not registered
    reason: str  # a sentence, or ""
    last_event_at: object  # datetime or None


@register.inclusion_tag("webhooks/_status.html")
def webhook_status() -> dict:
    rows = list(Subscription.objects.all())
    return {
        "services": [
            _status("Tempo", [r for r in rows if r.service == Subscription.Service.TEMPO]),
            _status("Jira", [r for r in rows if r.service == Subscription.Service.JIRA]),
        ],
        "interval": timesince_seconds(settings.SYNC_INTERVAL),
    }


def _status(name: str, rows: list[Subscription]) -> ServiceStatus:
    last = max((r.last_event_at for r in rows if r.last_event_at), default=None)
    problem = _not_registered_because(name, rows)
    if problem:
        return ServiceStatus(name, "skipped", "Not registered", problem, last)
    if any(r.status == Subscription.Status.INACTIVE for r in rows):
        reason = next(r.problem for r in rows if r.status == Subscription.Status.INACTIVE)
        return ServiceStatus(name, "partly", "Inactive — re-activating", reason, last)
    return ServiceStatus(name, "succeeded", "Live", "", last)


def _not_registered_because(name: str, rows: list[Subscription]) -> str:
    """Why the service's webhooks are not live, or "" when they are (or re-activating)."""
    switched_off = base_url_problem()
    if switched_off and not any(r.status == Subscription.Status.LIVE for r in rows):
        return switched_off
    if name == "Tempo" and TempoIntegration.current() is None:
        return NO_TEMPO
    if name == "Jira" and not settings.JIRA_BASE_URL:
        return JIRA_NOT_CONFIGURED
    failed = [r for r in rows if r.status == Subscription.Status.FAILED]
    if failed:
        return failed[0].problem or WAITING
    pending = [r for r in rows if r.status == Subscription.Status.PENDING]
    if not rows or pending:
        return (pending[0].problem if pending else "") or WAITING
    return ""


def timesince_seconds(seconds: int) -> str:
    """900 → "15 minutes"; 3600 → "1 hour"."""
    now = dt.datetime(2000, 1, 1)
    return timesince(now - dt.timedelta(seconds=max(seconds, 60)), now)
