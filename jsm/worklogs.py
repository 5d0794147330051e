"""Jira's own worklogs, for *Logged time (Jira)* and for worker names (docs/product.md §6).

Uses Jira's change feeds rather than one call per issue: ``/worklog/updated?since=`` lists
the ids changed since a point in time (1000 a page), ``/worklog/list`` fetches them 1000 at
a time, and ``/worklog/deleted?since=`` lists deletions. A full read (the first time, once a
day, or ``sync --full``) starts from 0 and also removes local worklogs Jira no longer has.
Only worklogs on synced requests are kept; the author names fill ``Worker``.

Three things real Jira does that the customer's hours must survive (docs/outside-apis.md §6):
a worklog restricted to a group or role (``visibility``) is internal, so its comment is not
kept; ``started`` is an instant written in the API account's time zone, so the day is taken
in the author's own zone; and the comment is an ADF document (``jsm.adf``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from worklog_report.bulk import chunked, upsert

from . import records
from .adf import plain_text
from .client import JiraClient
from .models import JiraWorklog, JiraWorklogCursor, Request, Worker

if TYPE_CHECKING:  # the sync app runs this module and hands it the lease
    from sync.locks import Lease

LIST_LIMIT = 1000
FULL_SYNC_EVERY = dt.timedelta(days=1)
# New requests in one run whose worklogs are read one request at a time; more make the
# run's worklog read a full one (a page of the feed lists 1000 worklogs).
NEW_REQUEST_READS = 200


@dataclass
class WorklogCounts:
    jira_worklogs: int = 0
    jira_worklogs_removed: int = 0


def worker_day(started: dt.datetime, time_zone: str | None) -> dt.date:
    """The day the work was done: ``started``'s local date in the author's time zone.

    Jira writes ``started`` as an instant in the *API account's* profile zone
    (``2026-11-01T01:30:00.000+0000`` and ``2026-10-31T21:30:00.000-0400`` are the same
    moment), so its own date would depend on whose token syncs. The worker's day is the date
    where the author is (``author.timeZone``, an IANA name in Jira's ``UserDetails``), as
    Tempo's ``startDate`` is. When privacy settings hide the zone (None) or it is not a zone
    we know, the offset written in ``started`` is the best there is.
    """
    zone = _zone(time_zone)
    if zone is None or started.tzinfo is None:
        return started.date()
    return started.astimezone(zone).date()


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    # Unknown, not a zone name at all, or a folder of the zone database ("America").
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def sync_jira_worklogs(
    client: JiraClient,
    lease: Lease,
    *,
    full: bool = False,
    known_requests: Collection[str] | None = None,
) -> WorklogCounts:
    """Read Jira's worklog change feeds into ``JiraWorklog`` (see the module docstring).

    Nothing is deleted on an incomplete observation (docs/product.md §6): a full read removes a
    local worklog the feed did not list only once ``/worklog/list`` confirms Jira no longer
    has it (the feed hides the last minute, and a list can change while it is paged).

    ``known_requests`` are the Jira ids of the requests stored before this run (None: every
    stored request counts as known); the others are new. The
    feed may have passed their worklogs before (a request the eventually consistent search
    had left out, or created while the last run read), when they were not requests yet:
    an incremental read reads each one's worklogs directly (``GET /issue/{id}/worklog``),
    and more than ``NEW_REQUEST_READS`` of them make it a full read instead.
    """
    counts = WorklogCounts()
    cursor, _ = JiraWorklogCursor.objects.get_or_create(pk=1)
    request_pk = dict(Request.objects.values_list("jira_id", "pk"))
    new_requests = set() if known_requests is None else request_pk.keys() - set(known_requests)
    full = (
        full
        or cursor.last_full_sync_at is None
        or timezone.now() - cursor.last_full_sync_at > FULL_SYNC_EVERY
        or len(new_requests) > NEW_REQUEST_READS
    )
    since = 0 if full else cursor.since_ms
    seen: set[str] = set()
    until = since
    for page in client.updated_worklog_pages(since):
        ids = page.worklog_ids
        until = max(until, page.until or until)
        for start in range(0, len(ids), LIST_LIMIT):
            worklogs = client.worklogs_by_id(ids[start : start + LIST_LIMIT])
            with transaction.atomic():
                lease.renew()
                counts.jira_worklogs += upsert_worklogs(worklogs, request_pk, seen)
    if full:
        counts.jira_worklogs_removed = _remove_confirmed_gone(client, lease, request_pk, seen)
        cursor.last_full_sync_at = timezone.now()
    else:
        worklogs = []
        for n, jira_id in enumerate(sorted(new_requests, key=int)):
            if n % 50 == 0:
                lease.renew()  # every few calls: the query count stays flat with requests
            lease.check_stop()
            worklogs += client.issue_worklogs(jira_id)
        if worklogs:
            with transaction.atomic():
                counts.jira_worklogs += upsert_worklogs(worklogs, request_pk, seen)
        gone = []
        for page in client.deleted_worklog_pages(since):
            lease.check_stop()
            gone += [str(worklog_id) for worklog_id in page.worklog_ids]
        counts.jira_worklogs_removed = JiraWorklog.objects.filter(jira_id__in=gone).delete()[0]
    cursor.since_ms = until
    cursor.save()
    return counts


def _remove_confirmed_gone(
    client: JiraClient, lease: Lease, request_pk: dict[str, int], seen: set[str]
) -> int:
    """After a full read: remove the local worklogs it did not list that ``/worklog/list``
    (1000 ids a call) no longer returns; refresh the ones it does. Returns the removed count.
    """
    unlisted = sorted(set(JiraWorklog.objects.values_list("jira_id", flat=True)) - seen, key=int)
    gone: list[str] = []
    for start in range(0, len(unlisted), LIST_LIMIT):
        chunk = unlisted[start : start + LIST_LIMIT]
        found = client.worklogs_by_id([int(i) for i in chunk])
        confirmed: set[str] = set()
        with transaction.atomic():
            lease.renew()
            upsert_worklogs(found, request_pk, confirmed)
        gone += [i for i in chunk if i not in confirmed]
    return sum(JiraWorklog.objects.filter(jira_id__in=chunk).delete()[0] for chunk in chunked(gone))


def upsert_worklogs(
    worklogs: list[records.JiraWorklog], request_pk: dict[str, int], seen: set[str]
) -> int:
    """Write the worklogs on synced requests (their ids join ``seen``) and their authors'
    names; returns how many were written.

    One ``worklog_report.bulk.upsert`` per table (a prepared ``INSERT … ON CONFLICT`` through
    ``executemany``), as the Tempo sync writes its pages: Django's ``bulk_create`` built the
    SQL value by value, which cost more than the database's work (``make bench``). A worklog
    listed twice is written once, as its last record says.
    """
    rows: dict[str, dict[str, object]] = {}
    workers: dict[str, str] = {}
    for worklog in worklogs:
        if worklog.issue_id not in request_pk:
            continue
        if worklog.author_account_id and worklog.author_display_name:
            workers[worklog.author_account_id] = worklog.author_display_name
        seen.add(worklog.id)
        rows[worklog.id] = {
            "jira_id": worklog.id,
            "request": request_pk[worklog.issue_id],
            "author_account_id": worklog.author_account_id,
            "time_spent_seconds": worklog.time_spent_seconds,
            "start_date": worker_day(worklog.started, worklog.author_time_zone),
            # A restricted comment is not even read (the record holds none).
            "description": "" if worklog.internal else plain_text(worklog.comment)[:10_000],
            "internal": worklog.internal,
            "jira_updated_at": worklog.updated,
        }
    written = upsert(JiraWorklog, list(rows.values()), unique="jira_id")
    upsert(
        Worker,
        [{"account_id": a, "display_name": n} for a, n in workers.items()],
        unique="account_id",
    )
    return written
