"""`{% alert_problems project %}` on the Contract management tab: the contract alerts that
could not be sent, so an administrator sees them (the portal's pages do not know alerts)."""

from __future__ import annotations

from django import template

from ..models import AlertDelivery
from ..sentences import failed

register = template.Library()

SHOWN = 10


@register.inclusion_tag("alerts/_problems.html")
def alert_problems(project) -> dict:
    deliveries = list(
        AlertDelivery.objects.filter(contract__project=project)
        .problems()
        .select_related("contract")[: SHOWN + 1]
    )
    return {
        "problems": [failed(d) for d in deliveries[:SHOWN]],
        "more": len(deliveries) > SHOWN,
    }
