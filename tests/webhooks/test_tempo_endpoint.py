"""POST and GET /webhooks/tempo/<public_id>/: every refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from webhooks.models import PendingChange, SeenEvent, Subscription
from webhooks.tasks import apply_pending_changes

from .conftest import assert_nothing_written, post_tempo, tempo_body, tempo_signature, tempo_stamp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queue(queued_tasks):
    return queued_tasks


def test_delivery_it_works(client, tempo_subscription, queued_tasks):
    response = post_tempo(client, tempo_subscription, tempo_body(1001))
    assert response.status_code == 204
    change = PendingChange.objects.get()
    assert (change.kind, change.remote_id) == ("tempo_worklog", "1001")
    assert SeenEvent.objects.get().event_id == "evt-1"
    assert queued_tasks(apply_pending_changes) == 1
    tempo_subscription.refresh_from_db()
    assert tempo_subscription.events_received == 1
    assert tempo_subscription.last_event_at is not None


def test_delivery_it_refuses_a_bad_signature(client, tempo_subscription, queued_tasks):
    response = post_tempo(client, tempo_subscription, tempo_body(), signature="0" * 64)
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_delivery_it_refuses_a_missing_signature(client, tempo_subscription, queued_tasks):
    response = post_tempo(client, tempo_subscription, tempo_body(), signature="")
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_delivery_it_refuses_another_secret(client, tempo_subscription, queued_tasks):
    body, stamp = tempo_body(), tempo_stamp()
    signature = tempo_signature(body, stamp, secret="another-secret-" * 8)
    response = post_tempo(client, tempo_subscription, body, stamp=stamp, signature=signature)
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_delivery_it_refuses_the_signature_of_another_body(
    client, tempo_subscription, queued_tasks
):
    stamp = tempo_stamp()
    signature = tempo_signature(tempo_body(2002), stamp)
    response = post_tempo(
        client, tempo_subscription, tempo_body(1001), stamp=stamp, signature=signature
    )
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_delivery_it_refuses_the_signature_of_another_timestamp(
    client, tempo_subscription, queued_tasks
):
    body = tempo_body()
    signature = tempo_signature(body, tempo_stamp(timezone.now() - dt.timedelta(minutes=1)))
    response = post_tempo(client, tempo_subscription, body, signature=signature)
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


@pytest.mark.parametrize(
    "stamp",
    [
        "",  # missing
        "yesterday",
        "2026-13-45T99:00:00Z",
        "2026-11-01T10:00:00",  # no zone
    ],
)
def test_delivery_it_refuses_a_missing_or_unreadable_timestamp(
    client, tempo_subscription, queued_tasks, stamp
):
    body = tempo_body()
    response = post_tempo(
        client, tempo_subscription, body, stamp=stamp, signature=tempo_signature(body, stamp)
    )
    assert response.status_code == 400
    assert_nothing_written(queued_tasks)


@pytest.mark.parametrize(
    "offset", [dt.timedelta(hours=-3, minutes=-1), dt.timedelta(minutes=6)], ids=["old", "future"]
)
def test_delivery_it_refuses_an_old_or_future_timestamp(
    client, tempo_subscription, queued_tasks, offset
):
    response = post_tempo(
        client, tempo_subscription, tempo_body(), stamp=tempo_stamp(timezone.now() + offset)
    )
    assert response.status_code == 400
    assert_nothing_written(queued_tasks)


def test_delivery_it_accepts_a_retry_two_and_a_half_hours_late(client, tempo_subscription):
    stamp = tempo_stamp(timezone.now() - dt.timedelta(minutes=150))
    response = post_tempo(client, tempo_subscription, tempo_body(), stamp=stamp)
    assert response.status_code == 204


def test_delivery_it_answers_a_replay_200_and_writes_nothing_new(
    client, tempo_subscription, queued_tasks
):
    body = tempo_body(1001, event_id="evt-same")
    assert post_tempo(client, tempo_subscription, body).status_code == 204
    PendingChange.objects.all().delete()  # as if the targeted sync had read it
    response = post_tempo(client, tempo_subscription, body)
    assert response.status_code == 200
    assert PendingChange.objects.count() == 0
    assert SeenEvent.objects.count() == 1
    tempo_subscription.refresh_from_db()
    assert tempo_subscription.events_received == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"eventType": "worklog.updated", "payload": {"tempoWorklogId": 1}}',  # no eventId
        b'{"eventId": "e", "eventType": "worklog.updated", "payload": {}}',  # no worklog id
        b'{"eventId": "e", "eventType": "worklog.updated", "payload": {"tempoWorklogId": "x"}}',
        b'{"eventId": "e", "eventType": "worklog.updated"}',
    ],
)
def test_delivery_it_refuses_a_body_without_what_it_needs(
    client, tempo_subscription, queued_tasks, body
):
    response = post_tempo(client, tempo_subscription, body)
    assert response.status_code == 400
    assert_nothing_written(queued_tasks)


def test_delivery_it_refuses_an_oversized_body(client, tempo_subscription, queued_tasks):
    body = b'{"eventId": "e", "pad": "' + b"x" * (64 * 1024) + b'"}'
    response = post_tempo(client, tempo_subscription, body)
    assert response.status_code == 413
    assert_nothing_written(queued_tasks)


def test_delivery_it_handles_an_unknown_address(client, tempo_subscription, queued_tasks):
    response = client.post(
        "/webhooks/tempo/not-a-known-id/",
        data=tempo_body(),
        content_type="application/json",
        HTTP_TEMPO_TIMESTAMP=tempo_stamp(),
    )
    assert response.status_code == 404
    assert_nothing_written(queued_tasks)


def test_delivery_it_refuses_the_jira_address_with_tempo_signing(
    client, jira_subscription, queued_tasks
):
    body, stamp = tempo_body(), tempo_stamp()
    response = client.post(
        f"/webhooks/tempo/{jira_subscription.public_id}/",
        data=body,
        content_type="application/json",
        HTTP_TEMPO_TIMESTAMP=stamp,
        HTTP_TEMPO_SIGNATURE=tempo_signature(body, stamp),
    )
    assert response.status_code == 404
    assert_nothing_written(queued_tasks)


def test_delivery_it_rejects_put(client, tempo_subscription):
    assert client.put(f"/webhooks/tempo/{tempo_subscription.public_id}/").status_code == 405


def test_a_flood_of_deliveries_is_three_changes_and_one_task(
    client, tempo_subscription, queued_tasks
):
    for n in range(500):
        body = tempo_body(worklog_id=1000 + n % 3, event_id=f"evt-{n}")
        assert post_tempo(client, tempo_subscription, body).status_code == 204
    assert sorted(PendingChange.objects.values_list("remote_id", flat=True)) == [
        "1000",
        "1001",
        "1002",
    ]
    assert queued_tasks(apply_pending_changes) == 1
    tempo_subscription.refresh_from_db()
    assert tempo_subscription.events_received == 500


def test_a_delivery_marks_an_inactive_subscription_live(client, tempo_subscription):
    Subscription.objects.filter(pk=tempo_subscription.pk).update(status="inactive")
    post_tempo(client, tempo_subscription, tempo_body())
    tempo_subscription.refresh_from_db()
    assert tempo_subscription.status == "live"


# -- Subscription verification (GET) -------------------------------------------------


def test_verification_it_echoes_random_string(client, tempo_subscription):
    value = "Ab9" * 42 + "xy"  # 128 characters
    response = client.get(f"/webhooks/tempo/{tempo_subscription.public_id}/?randomString={value}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == value


def test_verification_it_answers_a_pending_row(client, db):
    row = Subscription.objects.create(service="tempo", event="worklog.created")
    response = client.get(f"/webhooks/tempo/{row.public_id}/?randomString=abc123")
    assert response.content == b"abc123"


@pytest.mark.parametrize(
    "value", ["<script>", "abc%20def", "a-b", "", "x" * 129], ids=lambda v: v[:10] or "empty"
)
def test_verification_it_refuses_a_bad_random_string(client, tempo_subscription, value):
    response = client.get(f"/webhooks/tempo/{tempo_subscription.public_id}/?randomString={value}")
    assert response.status_code == 400
    assert value.encode() not in response.content or value == ""


def test_verification_it_handles_an_unknown_address(client, tempo_subscription):
    assert client.get("/webhooks/tempo/unknown/?randomString=abc").status_code == 404


def test_verification_it_needs_random_string(client, tempo_subscription):
    assert client.get(f"/webhooks/tempo/{tempo_subscription.public_id}/").status_code == 404


def test_delivery_it_refuses_when_the_secret_cannot_be_decrypted(
    client, tempo_subscription, queued_tasks, settings
):
    from cryptography.fernet import Fernet

    from webhooks import models

    models._secrets.clear()
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is gone
    response = post_tempo(client, tempo_subscription, tempo_body())
    assert response.status_code == 401
    assert_nothing_written(queued_tasks)


def test_delivery_of_another_event_type_is_answered_and_ignored(
    client, tempo_subscription, queued_tasks
):
    response = post_tempo(client, tempo_subscription, tempo_body(event_type="worklog.approved"))
    assert response.status_code == 204
    assert PendingChange.objects.count() == 0
    assert queued_tasks(apply_pending_changes) == 0
