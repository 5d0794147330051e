"""The alert check, queued after every sync and run by the worker (never inside the sync)."""

from __future__ import annotations

from django_tasks import task

from .checks import check_alerts


@task()
def check_contract_alerts() -> dict[str, int]:
    """Send the contract alerts that are due: ``{"sent", "failed", "skipped"}``."""
    counts = check_alerts()
    return {"sent": counts.sent, "failed": counts.failed, "skipped": counts.skipped}
