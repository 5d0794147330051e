"""Worklogs in Tempo's JSON shape (API-CONTRACTS.md §1, "Worklog object").

A page holds up to 5,000 worklogs, so rows are read with `.values()` and dates and
timestamps come from the database as text: building model instances, or letting Django turn
every timestamp into an aware datetime, would take most of the response time.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

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
        worklog_id = row["id"]
        start_date = row["start_date_text"][:10]
        start_time = row["start_time_text"][:8]
        own_url = f"{self.worklogs_url}/{worklog_id}"
        worklog: dict[str, Any] = {
            "self": own_url,
            "tempoWorklogId": worklog_id,
            "issue": {
                "self": f"{self.jira_site}/rest/api/2/issue/{row['issue_id']}",
                "id": row["issue_id"],
            },
            "timeSpentSeconds": row["time_spent_seconds"],
        }
        if row["billable_seconds"] is not None:
            worklog["billableSeconds"] = row["billable_seconds"]
        worklog.update(
            {
                "startDate": start_date,
                "startTime": start_time,
                # Sandbox workers all live in UTC, so local and UTC start coincide.
                "startDateTimeUtc": f"{start_date}T{start_time}Z",
                "description": row["description"],
                "createdAt": timestamp(row["created_at_text"]),
                "updatedAt": timestamp(row["updated_at_text"]),
                "author": {
                    "self": (
                        f"{self.jira_site}/rest/api/2/user?accountId={row['author_account_id']}"
                    ),
                    "accountId": row["author_account_id"],
                },
                "attributes": {
                    "self": f"{own_url}/work-attribute-values",
                    "values": row["attributes"],
                },
            }
        )
        return worklog
