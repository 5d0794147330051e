"""What a Jira worklog becomes (jsm/worklogs.py): restricted ones, the worker's day, ADF comments.

The three behaviours of real Jira of docs/outside-apis.md §6, through the sync against the
in-memory Jira (fake_jira.py).
"""

from __future__ import annotations

import datetime as dt

import pytest

from jsm.models import JiraWorklog
from jsm.worklogs import worker_day
from sync.models import SyncRun
from sync.runs import sync_jira
from tests.adf_examples import ISSUE_12_COMMENT, ISSUE_12_TEXT

SECRET = "INTERNAL: customer on credit hold"
ROLE = {"type": "role", "value": "Service Desk Team"}
GROUP = {
    "type": "group",
    "value": "jira-servicemanagement-users-acme",
    "identifier": "5f2e7c84-47a1-4b9b-9d4c-0a3c2f1d6e21",
}


def adf(*paragraphs: str) -> dict:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs
        ],
    }


def synced(fake_jira, worklog_id: str = "1", **changes) -> JiraWorklog:
    """Change Jira's worklog, mark it changed in the feed, sync, return the stored one."""
    worklog = fake_jira.worklogs[worklog_id]
    worklog.update(changes)
    worklog["_updated_ms"] += 1_000
    run = sync_jira()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return JiraWorklog.objects.get(jira_id=worklog_id)


# -- What Jira restricts stays restricted ---------------------------------------------------


@pytest.mark.parametrize("visibility", [ROLE, GROUP], ids=["role", "group"])
def test_a_restricted_worklog_counts_its_hours_and_keeps_no_comment(fake_jira, db, visibility):
    stored = synced(fake_jira, timeSpentSeconds=1800, comment=adf(SECRET), visibility=visibility)

    assert (stored.internal, stored.time_spent_seconds, stored.description) == (True, 1800, "")
    assert not JiraWorklog.objects.filter(description__contains="credit hold").exists()


def test_a_worklog_restricted_later_loses_its_comment_and_gets_it_back_when_opened(fake_jira, db):
    assert synced(fake_jira, comment=adf(SECRET)).description == SECRET

    restricted = synced(fake_jira, visibility=ROLE)
    assert (restricted.internal, restricted.description) == (True, "")

    del fake_jira.worklogs["1"]["visibility"]
    opened = synced(fake_jira)
    assert (opened.internal, opened.description) == (False, SECRET)


def test_an_unrestricted_worklog_is_not_internal(fake_jira, db):
    stored = synced(fake_jira, visibility=None)
    assert (stored.internal, stored.description) == (False, "Jira work 1")


# -- The worker's day -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "started", ["2026-11-01T01:30:00.000+0000", "2026-10-31T21:30:00.000-0400"]
)
def test_the_day_is_the_authors_local_day_whatever_zone_started_is_written_in(
    fake_jira, db, started
):
    author = {**fake_jira.worklogs["1"]["author"], "timeZone": "America/New_York"}
    stored = synced(fake_jira, started=started, author=author)
    assert stored.start_date == dt.date(2026, 10, 31)  # 21:30 in New York


@pytest.mark.parametrize("zone", [None, "", "Mars/Olympus_Mons", "America", "../../etc/passwd"])
@pytest.mark.parametrize(
    ("started", "day"),
    [
        ("2026-11-01T01:30:00.000+0000", dt.date(2026, 11, 1)),
        ("2026-10-31T21:30:00.000-0400", dt.date(2026, 10, 31)),
    ],
)
def test_without_a_known_zone_the_offset_in_started_decides(fake_jira, db, zone, started, day):
    """The zone hidden by privacy settings (null), empty, or not a zone we know."""
    author = {**fake_jira.worklogs["1"]["author"], "timeZone": zone}
    stored = synced(fake_jira, started=started, author=author)
    assert stored.start_date == day


def test_an_author_without_a_time_zone_field_falls_back_to_the_offset(fake_jira, db):
    author = {k: v for k, v in fake_jira.worklogs["1"]["author"].items() if k != "timeZone"}
    stored = synced(fake_jira, started="2026-11-01T01:30:00.000+0000", author=author)
    assert stored.start_date == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("started", "zone", "day"),
    [
        # East of UTC, the local day is the next one.
        (dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC), "Asia/Tokyo", dt.date(2026, 11, 1)),
        # The night New York leaves summer time (02:00 EDT -> 01:00 EST, 1 Nov 2026).
        (dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC), "America/New_York", dt.date(2026, 11, 1)),
        (dt.datetime(2026, 11, 1, 3, 59, tzinfo=dt.UTC), "America/New_York", dt.date(2026, 10, 31)),
        # Half-hour zones.
        (dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC), "Asia/Kolkata", dt.date(2026, 3, 2)),
    ],
)
def test_worker_day(started, zone, day):
    assert worker_day(started, zone) == day


# -- Worklog comments in Atlassian Document Format ------------------------------------------


def test_an_adf_comment_is_stored_as_its_plain_text(fake_jira, db):
    stored = synced(fake_jira, comment=ISSUE_12_COMMENT)
    assert stored.description == ISSUE_12_TEXT
