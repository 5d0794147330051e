"""Worklogs deleted in Tempo found through its audit log between two full reads
(tempo_integration/deletions.py): `POST /4/papertrail/search` paged by `nextPageToken`, its
180-day window, a token Tempo refuses it, and removal only once a direct read confirms."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jsm.models import Request
from tempo_integration import deletions
from tempo_integration.client import TempoAuthError, TempoClient, TempoUnavailable
from tempo_integration.models import Worklog

from .fake_tempo import worklog

AUDIT_URL = re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/papertrail/search.*")
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


class Lease:
    renewals = 0

    def renew(self) -> None:
        self.renewals += 1


class Counts:
    skipped_malformed = 0


def event(entity_id, *, entity="worklog", action="Deleted"):
    return {
        "action": action,
        "author": "agent-1",
        "changes": [],
        "entityId": str(entity_id),
        "entityType": entity,
        "parentId": "20001",
        "timestamp": "2026-11-30T10:00:00.000Z",
        "worker": "agent-1",
    }


WORKLOG_URL = re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/(\d+)$")


class AuditLog:
    """Tempo's audit log and direct worklog reads as `responses` callbacks: `pages`
    answered in turn, each with a `nextPageToken` but the last (every call's query and body
    kept in `calls`); `existing` the worklog ids a direct read still finds (`reads`)."""

    def __init__(self, rsps, pages=(), status=200, existing=()):
        self.pages = list(pages)
        self.status = status
        self.calls = []
        self.existing = set(existing)
        self.reads = []
        self.malformed: set[int] = set()
        rsps.add_callback(responses.POST, AUDIT_URL, self.answer)
        rsps.add_callback(responses.GET, WORKLOG_URL, self.worklog)

    def answer(self, request):
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.calls.append((query, json.loads(request.body)))
        if self.status != 200:
            return self.status, {}, json.dumps({"errors": [{"message": "No."}]})
        number = len(self.calls) - 1
        metadata = {"limit": int(query.get("limit", 100))}
        if number + 1 < len(self.pages):
            metadata["nextPageToken"] = f"token-{number + 1}"
        body = {"self": request.url, "metadata": metadata, "results": self.pages[number]}
        return 200, {}, json.dumps(body)

    def worklog(self, request):
        tempo_id = int(urlsplit(request.url).path.rsplit("/", 1)[1])
        self.reads.append(tempo_id)
        if tempo_id not in self.existing:
            return 404, {}, json.dumps({"errors": [{"message": "Worklog does not exist"}]})
        answer = worklog(tempo_id, 20001)
        if tempo_id in self.malformed:
            answer["timeSpentSeconds"] = "lots"
        return 200, {}, json.dumps(answer)


@pytest.fixture
def rsps(projects):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client(settings):
    settings.TEMPO_RETRY_BUDGET = 0
    return TempoClient("tok", min_interval=0, sleep=lambda seconds: None)


def store(*tempo_ids, updated="2026-10-01T10:00:00Z"):
    """Stored copies of Tempo worklogs on request 20001."""
    request = Request.objects.get(jira_id="20001")
    for tempo_id in tempo_ids:
        Worklog.objects.create(
            tempo_id=tempo_id,
            request=request,
            author_account_id="agent-1",
            time_spent_seconds=3600,
            billable_seconds=3600,
            start_date=dt.date(2026, 10, 1),
            tempo_updated_at=dt.datetime.fromisoformat(updated),
        )


def stored_ids():
    return sorted(Worklog.objects.values_list("tempo_id", flat=True))


# -- deleted_worklog_ids ----------------------------------------------------------------


def test_reads_every_page_by_next_page_token(rsps, client):
    audit = AuditLog(
        rsps,
        [
            [event(11), event(12), event(13, action="Updated"), event(14, entity="account")],
            [event(15), event("not-a-number")],
            [event(12)],
        ],
    )
    since = NOW - dt.timedelta(hours=2)

    ids = deletions.deleted_worklog_ids(client, since, now=NOW)

    assert ids == {11, 12, 15}
    queries = [query for query, _ in audit.calls]
    assert queries == [
        {"limit": "1000"},
        {"limit": "1000", "nextPageToken": "token-1"},
        {"limit": "1000", "nextPageToken": "token-2"},
    ]
    bodies = [body for _, body in audit.calls]
    assert bodies == 3 * [
        {"entityType": ["worklog"], "action": ["Deleted"], "from": "2026-12-01T08:00:00Z"}
    ]


def test_no_deletions_is_an_empty_set(rsps, client):
    AuditLog(rsps, [[]])

    assert deletions.deleted_worklog_ids(client, NOW, now=NOW) == set()


def test_since_is_clamped_to_179_days(rsps, client):
    audit = AuditLog(rsps, [[]])

    deletions.deleted_worklog_ids(client, NOW - dt.timedelta(days=400), now=NOW)

    assert audit.calls[0][1]["from"] == "2026-06-05T10:00:00Z"  # NOW - 179 days
    assert NOW - dt.timedelta(days=179) == dt.datetime(2026, 6, 5, 10, 0, tzinfo=dt.UTC)


def test_since_in_another_zone_is_sent_in_utc(rsps, client):
    audit = AuditLog(rsps, [[]])
    since = dt.datetime(2026, 12, 1, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))

    deletions.deleted_worklog_ids(client, since, now=NOW)

    assert audit.calls[0][1]["from"] == "2026-12-01T09:30:00Z"


@pytest.mark.parametrize("status", [403, 404])
def test_a_token_tempo_refuses_the_audit_log_is_none(rsps, client, caplog, status):
    AuditLog(rsps, status=status)

    with caplog.at_level(logging.INFO, logger="tempo_integration.deletions"):
        assert deletions.deleted_worklog_ids(client, NOW, now=NOW) is None

    records = [r for r in caplog.records if r.name == "tempo_integration.deletions"]
    assert len(records) == 1 and records[0].levelno == logging.INFO
    assert "audit log is not readable" in records[0].getMessage()


@pytest.mark.parametrize("status", [400, 500])
def test_other_trouble_is_none_and_a_warning(rsps, client, caplog, status):
    AuditLog(rsps, status=status)

    with caplog.at_level(logging.INFO, logger="tempo_integration.deletions"):
        assert deletions.deleted_worklog_ids(client, NOW, now=NOW) is None

    records = [r for r in caplog.records if r.name == "tempo_integration.deletions"]
    assert [r.levelno for r in records] == [logging.WARNING]


def test_an_answer_that_is_no_audit_page_is_none(rsps, client):
    rsps.add(responses.POST, AUDIT_URL, json={"results": "nope"})

    assert deletions.deleted_worklog_ids(client, NOW, now=NOW) is None


def test_a_rejected_token_is_raised(rsps, client):
    AuditLog(rsps, status=401)

    with pytest.raises(TempoAuthError):
        deletions.deleted_worklog_ids(client, NOW, now=NOW)


# -- remove_deleted ---------------------------------------------------------------------


def test_removes_only_what_a_direct_read_confirms_gone(rsps, client):
    # Tempo still has worklogs 2 and 3; 7 and 8 were deleted there.
    store(2, 3, 7, 8)
    audit = AuditLog(rsps, existing={2, 3})
    lease, counts = Lease(), Counts()

    removed = deletions.remove_deleted(client, lease, {2, 7, 8, 999}, counts)

    assert removed == 2
    assert stored_ids() == [2, 3]
    # Only stored ids are read: 999 was never here.
    assert audit.reads == [2, 7, 8]
    assert lease.renewals == 3


def test_a_worklog_that_still_answers_is_kept_untouched(rsps, client):
    store(1, updated="2026-09-01T08:00:00Z")
    audit = AuditLog(rsps, existing={1})
    before = Worklog.objects.values().get(tempo_id=1)

    assert deletions.remove_deleted(client, Lease(), [1], Counts()) == 0

    assert Worklog.objects.values().get(tempo_id=1) == before
    assert audit.reads == [1]


def test_nothing_stored_reads_nothing(rsps, client):
    store(1)
    audit = AuditLog(rsps)

    assert deletions.remove_deleted(client, Lease(), {50, 51}, Counts()) == 0

    assert audit.reads == []
    assert stored_ids() == [1]


def test_direct_reads_are_capped(rsps, client, monkeypatch):
    monkeypatch.setattr(deletions, "CONFIRM_LIMIT", 2)
    store(7, 8, 9)
    audit = AuditLog(rsps)

    assert deletions.remove_deleted(client, Lease(), {7, 8, 9}, Counts()) == 2

    # Beyond the cap, left to the next full read.
    assert audit.reads == [7, 8]
    assert stored_ids() == [9]


def test_confirmed_ones_go_in_one_statement(rsps, client):
    store(7, 8, 9)
    AuditLog(rsps)

    with CaptureQueriesContext(connection) as queries:
        assert deletions.remove_deleted(client, Lease(), {7, 8, 9}, Counts()) == 3

    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 1
    assert stored_ids() == []


def test_a_worklog_that_cannot_be_read_is_counted_and_kept(rsps, client):
    store(1, 7)
    audit = AuditLog(rsps, existing={1})
    audit.malformed = {1}
    counts = Counts()

    assert deletions.remove_deleted(client, Lease(), {1, 7}, counts) == 1

    assert counts.skipped_malformed == 1
    assert stored_ids() == [1]


def test_together_a_dropped_webhook_is_caught(rsps, client):
    store(1, 7)
    AuditLog(rsps, [[event(7), event(1)]], existing={1})
    since = timezone.now() - dt.timedelta(minutes=10)

    ids = deletions.deleted_worklog_ids(client, since)

    assert deletions.remove_deleted(client, Lease(), ids, Counts()) == 1
    assert stored_ids() == [1]


def test_tempo_down_while_confirming_keeps_what_was_confirmed(rsps, client, monkeypatch):
    store(7, 8, 9)
    audit = AuditLog(rsps)
    read = client.worklog

    def worklog(tempo_id):
        if tempo_id == 8:
            raise TempoUnavailable("Tempo is down")
        return read(tempo_id)

    monkeypatch.setattr(client, "worklog", worklog)

    assert deletions.remove_deleted(client, Lease(), {7, 8, 9}, Counts()) == 1

    assert stored_ids() == [8, 9]
    assert audit.reads == [7]
