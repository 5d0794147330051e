"""Jira's own worklogs, for *Logged time (Jira)* and for worker names (PRODUCT.md §6).

Uses Jira's change feeds rather than one call per issue: ``/worklog/updated?since=`` lists
the ids changed since a point in time (1000 a page), ``/worklog/list`` fetches them 1000 at
a time, and ``/worklog/deleted?since=`` lists deletions. A full read (the first time, once a
day, or ``sync --full``) starts from 0 and also removes local worklogs Jira no longer has.
Only worklogs on synced requests are kept; the author names fill ``Worker``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from worklog_report.bulk import delete_missing

from .client import JiraClient
from .locks import Lease
from .models import JiraWorklog, JiraWorklogCursor, Request, Worker

LIST_LIMIT = 1000
FULL_SYNC_EVERY = dt.timedelta(days=1)


@dataclass
class WorklogCounts:
    jira_worklogs: int = 0
    jira_worklogs_removed: int = 0


def _adf_text(node) -> str:
    """The plain text of an Atlassian Document Format comment."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    parts = [_adf_text(child) for child in node.get("content") or []]
    separator = "\n" if node.get("type") == "doc" else ""
    return separator.join(p for p in parts if p)


def sync_jira_worklogs(client: JiraClient, lease: Lease, *, full: bool = False) -> WorklogCounts:
    counts = WorklogCounts()
    cursor, _ = JiraWorklogCursor.objects.get_or_create(pk=1)
    full = (
        full
        or cursor.last_full_sync_at is None
        or timezone.now() - cursor.last_full_sync_at > FULL_SYNC_EVERY
    )
    since = 0 if full else cursor.since_ms
    request_pk = dict(Request.objects.values_list("jira_id", "pk"))
    seen: set[str] = set()
    until = since
    for page in client.updated_worklog_pages(since):
        ids = [int(v["worklogId"]) for v in page["values"] if "worklogId" in v]
        until = max(until, int(page.get("until") or until))
        for start in range(0, len(ids), LIST_LIMIT):
            worklogs = client.worklogs_by_id(ids[start : start + LIST_LIMIT])
            with transaction.atomic():
                lease.renew()
                counts.jira_worklogs += _upsert(worklogs, request_pk, seen)
    with transaction.atomic():
        if full:
            counts.jira_worklogs_removed = delete_missing(
                JiraWorklog.objects.all(), "jira_id", seen
            )
            cursor.last_full_sync_at = timezone.now()
        else:
            gone = [
                str(v["worklogId"])
                for page in client.deleted_worklog_pages(since)
                for v in page["values"]
                if "worklogId" in v
            ]
            counts.jira_worklogs_removed = JiraWorklog.objects.filter(jira_id__in=gone).delete()[0]
        cursor.since_ms = until
        cursor.save()
    return counts


def _upsert(worklogs: list[dict], request_pk: dict[str, int], seen: set[str]) -> int:
    rows, workers = [], {}
    for item in worklogs:
        issue_id = str(item.get("issueId", ""))
        started = parse_datetime(str(item.get("started") or ""))
        updated = parse_datetime(str(item.get("updated") or item.get("started") or ""))
        author = item.get("author") or {}
        if issue_id not in request_pk or started is None or updated is None:
            continue
        if author.get("accountId") and author.get("displayName"):
            workers[author["accountId"]] = author["displayName"]
        seen.add(str(item["id"]))
        rows.append(
            JiraWorklog(
                jira_id=str(item["id"]),
                request_id=request_pk[issue_id],
                author_account_id=str(author.get("accountId") or ""),
                time_spent_seconds=max(0, int(item.get("timeSpentSeconds") or 0)),
                start_date=started.date(),
                description=_adf_text(item.get("comment"))[:10_000],
                jira_updated_at=updated,
            )
        )
    JiraWorklog.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["jira_id"],
        update_fields=[
            "request",
            "author_account_id",
            "time_spent_seconds",
            "start_date",
            "description",
            "jira_updated_at",
        ],
        batch_size=500,
    )
    Worker.objects.bulk_create(
        [Worker(account_id=a, display_name=n) for a, n in workers.items()],
        update_conflicts=True,
        unique_fields=["account_id"],
        update_fields=["display_name"],
    )
    return len(rows)
