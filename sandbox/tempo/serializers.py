"""Worklog rows in Tempo's JSON shape (docs/outside-apis.md §1, "Worklog object"), which
`sandbox/shapes/tempo.py` builds for the sandbox and the tests' fake Tempo alike.

A page holds up to 5,000 worklogs, so rows are read with `.values()` and dates and
timestamps come from the database as text: building model instances, or letting Django turn
every timestamp into an aware datetime, would take most of the response time.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from sandbox.shapes.tempo import tempo_worklog
from sandbox.tempo.models import Worklog


def worklog_rows(worklogs: QuerySet[Worklog]) -> QuerySet[Worklog, dict[str, Any]]:
    """The columns `WorklogSerializer` needs, with dates and times cast to text.

    Both SQLite and PostgreSQL (whose session runs in UTC under USE_TZ) render them as
    `YYYY-MM-DD`, `HH:MM:SS[.ffffff]` and `YYYY-MM-DD HH:MM:SS[.ffffff][+00]`.
    """
    return worklogs.values(
        "id",
        "issue_id",
        "author_account_id",
        "time_spent_seconds",
        "billable_seconds",
        "description",
        "attributes",
        start_date_text=Cast("start_date", CharField()),
        start_time_text=Cast("start_time", CharField()),
        created_at_text=Cast("created_at", CharField()),
        updated_at_text=Cast("updated_at", CharField()),
    )


def timestamp(text: str) -> str:
    """`2023-11-06 16:48:59.123456` (UTC) → `2023-11-06T16:48:59Z`, as Tempo writes them."""
    return f"{text[:10]}T{text[11:19]}Z"


class WorklogSerializer:
    """Turns `worklog_rows()` rows into Tempo worklog objects.

    `worklogs_url` is this server's absolute `.../4/worklogs`, so `self` links work when
    followed; `jira_site` is the Atlassian site that issue and user links point to.
    """

    def __init__(self, worklogs_url: str, jira_site: str) -> None:
        self.worklogs_url = worklogs_url.rstrip("/")
        self.jira_site = jira_site.rstrip("/")

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        return tempo_worklog(
            worklogs_url=self.worklogs_url,
            jira_site=self.jira_site,
            worklog_id=row["id"],
            issue_id=row["issue_id"],
            author_account_id=row["author_account_id"],
            time_spent_seconds=row["time_spent_seconds"],
            billable_seconds=row["billable_seconds"],
            start_date=row["start_date_text"][:10],
            start_time=row["start_time_text"][:8],
            description=row["description"],
            created_at=timestamp(row["created_at_text"]),
            updated_at=timestamp(row["updated_at_text"]),
            attributes=row["attributes"],
        )
