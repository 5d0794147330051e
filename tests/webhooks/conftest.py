"""Registered webhooks with known secrets, signed deliveries, and the database task backend
(so a test sees what was queued instead of running it at once)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.utils import timezone

from webhooks.models import PendingChange, SeenEvent, Subscription
from webhooks.tasks import apply_pending_changes

TEMPO_SECRET = "t" * 64 + "S3cr3tTempoShared" + "x" * 47  # 128 characters, as Tempo's
JIRA_SECRET = "jira-generated-secret-0123456789abcdefghijk"


@pytest.fixture
def queued_tasks(settings):
    """Tasks are written to the database, not run: returns a function counting the queued
    ones of a task."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def count(task) -> int:
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(task_path=task.module_path, status="READY").count()

    return count


@pytest.fixture
def webhook_settings(settings):
    settings.WEBHOOKS = True
    settings.WEBHOOK_BASE_URL = "https://hours.example.com"


def subscription(service: str, event: str, secret: str, **fields) -> Subscription:
    row = Subscription(
        service=service,
        event=event,
        status=Subscription.Status.LIVE,
        remote_id=fields.pop("remote_id", f"{service}-{event}-remote"),
        registered_at=timezone.now(),
        **fields,
    )
    row.seal(secret)
    row.save()
    return row


@pytest.fixture
def tempo_subscription(db):
    return subscription(Subscription.Service.TEMPO, "worklog.updated", TEMPO_SECRET)


@pytest.fixture
def jira_subscription(db):
    return subscription(Subscription.Service.JIRA, "jira", JIRA_SECRET, remote_id="7")


def tempo_stamp(when: dt.datetime | None = None) -> str:
    """``Tempo-Timestamp``: ISO-8601 UTC with millis."""
    when = (when or timezone.now()).astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def tempo_body(worklog_id=1001, event_id="evt-1", event_type="worklog.updated") -> bytes:
    return json.dumps(
        {
            "eventId": event_id,
            "eventType": event_type,
            "payload": {
                "tempoWorklogId": worklog_id,
                "issue": {"id": 20001},
                "author": {"accountId": "agent-1"},
                "timeSpentSeconds": 3600,
                "billableSeconds": 3600,
                "startDate": "2026-11-01",
                "startTime": "09:30:00",
                "description": "Work",
                "createdAt": "2026-11-01T10:00:00Z",
                "updatedAt": "2026-11-01T10:00:00Z",
                "updater": {"accountId": "agent-1"},
            },
        }
    ).encode()


def tempo_signature(body: bytes, stamp: str, secret: str = TEMPO_SECRET) -> str:
    return hmac.new(secret.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()


def post_tempo(client, row, body: bytes, *, stamp=None, signature=None, **headers):
    stamp = tempo_stamp() if stamp is None else stamp
    signature = tempo_signature(body, stamp) if signature is None else signature
    extra = {}
    if stamp != "":
        extra["HTTP_TEMPO_TIMESTAMP"] = stamp
    if signature != "":
        extra["HTTP_TEMPO_SIGNATURE"] = signature
    return client.post(
        f"/webhooks/tempo/{row.public_id}/",
        data=body,
        content_type="application/json",
        **extra,
        **headers,
    )


def jira_issue_body(issue_id="20001", event="jira:issue_updated", timestamp=None) -> bytes:
    ms = int((timestamp or timezone.now()).timestamp() * 1000)
    return json.dumps(
        {"timestamp": ms, "webhookEvent": event, "issue": {"id": issue_id, "key": "ITSD-1"}}
    ).encode()


def jira_worklog_body(worklog_id="501", issue_id="20001", event="worklog_created") -> bytes:
    ms = int(timezone.now().timestamp() * 1000)
    return json.dumps(
        {"timestamp": ms, "webhookEvent": event, "worklog": {"id": worklog_id, "issueId": issue_id}}
    ).encode()


def jira_signature(body: bytes, secret: str = JIRA_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_jira(client, row, body: bytes, *, identifier="wh-1", signature=None):
    extra = {"HTTP_X_HUB_SIGNATURE": jira_signature(body) if signature is None else signature}
    if identifier is not None:
        extra["HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER"] = identifier
    return client.post(
        f"/webhooks/jira/{row.public_id}/", data=body, content_type="application/json", **extra
    )


def assert_nothing_written(queued_tasks) -> None:
    """A refused delivery left no pending change, no seen id and no queued drain."""
    assert PendingChange.objects.count() == 0
    assert SeenEvent.objects.count() == 0
    assert queued_tasks(apply_pending_changes) == 0
