"""POST /webhooks/jira/<public_id>/: every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from webhooks.models import PendingChange, SeenEvent
from webhooks.tasks import apply_pending_changes

from .conftest import (
    assert_nothing_written,
    jira_issue_body,
    jira_signature,
    jira_worklog_body,
    post_jira,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queue(queued_tasks):
    return queued_tasks


def test_issue_event_it_works(client, jira_subscription, queued_tasks):
    body = jira_issue_body("20001")
    response = post_jira(client, jira_subscription, body)
    assert response.status_code == 204
    change = PendingChange.objects.get()
    assert (change.kind, change.remote_id) == ("jira_issue", "20001")
    seen = set(SeenEvent.objects.values_list("event_id", flat=True))
    # The identifier, and the signed body (the identifier is a header it does not cover).
    assert seen == {"wh-1", "body:" + hashlib.sha256(body).hexdigest()}
    assert queued_tasks(apply_pending_changes) == 1


def test_worklog_event_it_keeps_the_issue(client, jira_subscription):
    response = post_jira(client, jira_subscription, jira_worklog_body("501", "20001"))
    assert response.status_code == 204
    change = PendingChange.objects.get()
    assert (change.kind, change.remote_id, change.issue_id) == ("jira_worklog", "501", "20001")


def test_it_refuses_a_bad_signature(client, jira_subscription, queued_tasks):
    response = post_jira(
        client, jira_subscription, jira_issue_body(), signature="sha256=" + "0" * 64
    )
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


@pytest.mark.parametrize("signature", ["", "sha1=abc", "0" * 64])
def test_it_refuses_a_missing_or_other_signature(
    client, jira_subscription, queued_tasks, signature
):
    response = post_jira(client, jira_subscription, jira_issue_body(), signature=signature)
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_it_refuses_another_secret(client, jira_subscription, queued_tasks):
    body = jira_issue_body()
    response = post_jira(
        client, jira_subscription, body, signature=jira_signature(body, "another-secret-123")
    )
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_it_refuses_the_signature_of_another_body(client, jira_subscription, queued_tasks):
    signature = jira_signature(jira_issue_body("20002"))
    response = post_jira(client, jira_subscription, jira_issue_body("20001"), signature=signature)
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_it_refuses_a_delivery_without_identifier(client, jira_subscription, queued_tasks):
    response = post_jira(client, jira_subscription, jira_issue_body(), identifier=None)
    assert response.status_code == 400
    assert_nothing_written(queued_tasks)


def test_it_refuses_an_old_delivery(client, jira_subscription, queued_tasks):
    body = jira_issue_body(timestamp=timezone.now() - dt.timedelta(hours=4))
    response = post_jira(client, jira_subscription, body)
    assert response.status_code == 400
    assert_nothing_written(queued_tasks)


def test_it_answers_a_retry_200_and_writes_nothing_new(client, jira_subscription, queued_tasks):
    body = jira_issue_body()
    assert post_jira(client, jira_subscription, body, identifier="same").status_code == 204
    PendingChange.objects.all().delete()
    response = post_jira(client, jira_subscription, body, identifier="same")
    assert response.status_code == 200
    assert PendingChange.objects.count() == 0
    assert SeenEvent.objects.count() == 2  # the identifier and the body, once each


def test_a_replay_under_a_new_identifier_is_seen_by_its_body(
    client, jira_subscription, queued_tasks
):
    """X-Atlassian-Webhook-Identifier is not signed: a captured delivery re-sent with a new
    one is still the same signed body."""
    body = jira_issue_body()
    assert post_jira(client, jira_subscription, body, identifier="first").status_code == 204
    PendingChange.objects.all().delete()
    response = post_jira(client, jira_subscription, body, identifier="made-up")
    assert response.status_code == 200
    assert PendingChange.objects.count() == 0
    assert not SeenEvent.objects.filter(event_id="made-up").exists()


@pytest.mark.parametrize("timestamp", [None, '"1700000000000"', "1700000000000.5", "true"], ids=str)
def test_an_issue_or_worklog_event_needs_its_timestamp(
    client, jira_subscription, queued_tasks, timestamp
):
    field = "" if timestamp is None else f'"timestamp": {timestamp}, '
    for event in (
        '"webhookEvent": "jira:issue_updated", "issue": {"id": "20001"}',
        '"webhookEvent": "worklog_updated", "worklog": {"id": "5", "issueId": "20001"}',
    ):
        body = ("{" + field + event + "}").encode()
        response = post_jira(client, jira_subscription, body)
        assert response.status_code == 400, body
    assert_nothing_written(queued_tasks)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'"a string"',
        b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "ITSD-1"}}',
        b'{"webhookEvent": "jira:issue_updated", "issue": {"id": "12a"}}',
        b'{"webhookEvent": "worklog_created", "worklog": {"id": "5"}}',
        b'{"issue": {"id": "1"}}',
    ],
)
def test_it_refuses_a_body_without_what_it_needs(client, jira_subscription, queued_tasks, body):
    response = post_jira(client, jira_subscription, body)
    assert response.status_code == 400
    assert_nothing_written(queued_tasks)


def test_it_ignores_another_event(client, jira_subscription, queued_tasks):
    body = b'{"webhookEvent": "comment_created", "comment": {"id": "1"}}'
    assert post_jira(client, jira_subscription, body).status_code == 204
    assert PendingChange.objects.count() == 0
    assert queued_tasks(apply_pending_changes) == 0


def test_it_refuses_an_oversized_body(client, jira_subscription, queued_tasks):
    body = b'{"pad": "' + b"x" * (64 * 1024) + b'"}'
    assert post_jira(client, jira_subscription, body).status_code == 413
    assert_nothing_written(queued_tasks)


def test_it_handles_an_unknown_address(client, jira_subscription, queued_tasks):
    body = jira_issue_body()
    response = client.post(
        "/webhooks/jira/unknown/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=jira_signature(body),
        HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER="wh-1",
    )
    assert response.status_code == 404
    assert_nothing_written(queued_tasks)


def test_it_rejects_get(client, jira_subscription):
    assert client.get(f"/webhooks/jira/{jira_subscription.public_id}/").status_code == 405
