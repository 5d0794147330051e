"""The statements' work, queued after every sync and run by the worker (never inside the
sync or a web request)."""

from __future__ import annotations

import logging

from django_tasks import task

from .documents import PdfUnavailable
from .drawing import draw_due_statements
from .sending import send_due_statements

logger = logging.getLogger("worklog_report.statements")


@task()
def issue_statements() -> dict[str, int]:
    """Draw up last month's statements where due, then send the e-mails that are due:
    ``{"drawn", "sent", "failed", "skipped"}``."""
    drawn = 0
    try:
        drawn = len(draw_due_statements())
    except PdfUnavailable as exc:
        logger.error("statements not drawn", extra={"why": str(exc)})
    except Exception:  # never let a drawing fault hold up the e-mails that are due
        logger.exception("statements not drawn")
    counts = send_due_statements()
    return {
        "drawn": drawn,
        "sent": counts.sent,
        "failed": counts.failed,
        "skipped": counts.skipped,
    }
