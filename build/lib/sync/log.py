"""One structured log line per sync run, whoever started it (the periodic `sync --loop`, the
task worker after Sync now or Add, a one-off `manage.py sync`)."""

from __future__ import annotations

import logging

from .models import SyncRun

logger = logging.getLogger("worklog_report.sync")


def log_sync_run(kind: str, run: SyncRun | None, trigger: str) -> None:
    """`kind` is jira or tempo; `run` None means skipped (no working Tempo token)."""
    if run is None:
        logger.info(
            "sync skipped",
            extra={"kind": kind, "trigger": trigger, "outcome": "skipped", "reason": "no_token"},
        )
        return
    fields = {
        "kind": kind,
        "trigger": trigger,
        "outcome": run.status,
        "run_id": run.pk,
        "duration_s": run.duration.total_seconds() if run.duration else None,
        "api_calls": run.requests_made,
        **{f"count_{name}": value for name, value in run.counts.items()},
    }
    if run.error:
        fields["error"] = run.error
    level = logging.INFO if run.status == SyncRun.Status.SUCCEEDED else logging.WARNING
    logger.log(level, f"sync {run.status}", extra=fields)


def log_sync_already_running(kind: str, trigger: str) -> None:
    logger.info(
        "sync skipped",
        extra={"kind": kind, "trigger": trigger, "outcome": "skipped", "reason": "running"},
    )


def log_sync_database_unavailable(kind: str, trigger: str) -> None:
    """The run could not start, or not even be recorded: the database did not answer."""
    logger.warning(
        "sync skipped",
        extra={"kind": kind, "trigger": trigger, "outcome": "skipped", "reason": "database"},
    )
