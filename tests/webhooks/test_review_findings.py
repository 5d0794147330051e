"""Found in review: the paths where a change announced by a valid delivery could wait for the
next poll (or a day) instead of a minute, and what a delivery costs."""

# The fixtures of test_targeted_tempo are imported to be used by name (F811 is pytest's way).
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.utils import timezone

from sync.locks import sync_lock
from tempo_integration.models import Worklog
from webhooks import draining
from webhooks.models import PendingChange
from webhooks.tasks import apply_pending_changes

from .conftest import post_tempo, tempo_body
from .test_targeted_tempo import ONE_WORKLOG, pending, projects, stored_worklog, tempo  # noqa: F401 fixtures

pytestmark = pytest.mark.django_db


def _during_read(tempo, action):
    """Run ``action`` while the drain reads a worklog directly (as another worker would)."""
    original = tempo.one_worklog
    tempo.rsps.remove(responses.GET, ONE_WORKLOG)

    def read(request):
        action()
        return original(request)

    tempo.rsps.add_callback(responses.GET, ONE_WORKLOG, read)


def test_a_drain_that_lost_the_lock_to_another_drain_is_queued_again(tempo, queued_tasks):
    """Two workers: the second drain finds the Tempo lock held by the first (not by a sync,
    so no sync_finished will follow); the first queues a drain for what arrived meanwhile."""
    pending(1)
    outcomes = []

    def second_worker():
        if outcomes:
            return
        PendingChange.objects.create(kind="tempo_worklog", remote_id="5")
        outcomes.append(draining.drain())

    _during_read(tempo, second_worker)
    apply_pending_changes.call()
    assert outcomes[0]["tempo"] == "sync running"
    assert list(PendingChange.objects.values_list("remote_id", flat=True)) == ["5"]
    assert queued_tasks(apply_pending_changes) == 1  # not left to the next loop tick


def test_a_drain_queues_no_other_when_nothing_arrived_meanwhile(tempo, queued_tasks):
    pending(1)
    apply_pending_changes.call()
    assert PendingChange.objects.count() == 0
    assert queued_tasks(apply_pending_changes) == 0


def test_a_drain_kept_waiting_by_a_sync_does_not_queue_itself_again(tempo, queued_tasks):
    pending(1)
    with sync_lock("tempo"):
        apply_pending_changes.call()
    assert queued_tasks(apply_pending_changes) == 0  # sync_finished does it


def test_a_change_announced_while_a_flood_is_handed_to_a_sync_stays(  # regression guard
    tempo, queued_tasks, monkeypatch
):
    pending(*range(1, draining.BATCH + 2))

    def queued_while_a_delivery_came():
        PendingChange.objects.filter(remote_id="1").update(
            received_at=timezone.now() + dt.timedelta(seconds=1)
        )
        return True

    monkeypatch.setattr(draining, "request_sync", queued_while_a_delivery_came)
    assert draining.drain()["sync"] == "queued"
    assert list(PendingChange.objects.values_list("remote_id", flat=True)) == ["1"]


def test_a_delivery_costs_a_bounded_number_of_queries(
    client, tempo_subscription, queued_tasks, django_assert_max_num_queries
):
    post_tempo(client, tempo_subscription, tempo_body(1000, event_id="warm-up"))
    with django_assert_max_num_queries(10):
        response = post_tempo(client, tempo_subscription, tempo_body(1001, event_id="evt-2"))
    assert response.status_code == 204


def test_a_refused_delivery_costs_one_query(client, tempo_subscription, django_assert_num_queries):
    with django_assert_num_queries(1):  # the address; then the age and the HMAC, no write
        response = post_tempo(client, tempo_subscription, tempo_body(1001), signature="0" * 64)
    assert response.status_code == 401


def test_a_worklog_deleted_during_a_full_sync_is_removed_by_the_drain_after_it(tempo, queued_tasks):
    """A full read re-inserting from a page fetched before the deletion: the delivery waits
    while the sync holds the lock, and the drain after it reads 404 and removes the row."""
    stored_worklog(77)  # as the full sync's upsert of an earlier page left it
    pending(77)
    with sync_lock("tempo"):
        assert draining.drain()["tempo"] == "sync running"
    assert PendingChange.objects.count() == 1
    draining.drain()  # queued by sync_finished
    assert not Worklog.objects.filter(tempo_id=77).exists()
    assert PendingChange.objects.count() == 0


def test_changes_wait_while_the_tempo_credentials_are_invalid(tempo):
    """Before: dropped, and a deletion waited for the next full read (the sync after a new
    token is incremental)."""
    from tempo_integration.models import TempoIntegration

    stored_worklog(1)
    pending(1)
    TempoIntegration.current().mark_invalid("The sync was refused: 401.")
    assert draining.drain()["tempo"] == "token invalid"
    assert PendingChange.objects.count() == 1
    assert tempo.direct_reads == []


def test_the_verification_echo_is_plain_text_never_sniffed(client, tempo_subscription):
    response = client.get(f"/webhooks/tempo/{tempo_subscription.public_id}/?randomString=Ab12")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b"Ab12"


def test_a_unicode_digit_is_not_echoed(client, tempo_subscription):
    response = client.get(f"/webhooks/tempo/{tempo_subscription.public_id}/?randomString=١٢")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b'{"timestamp": 100000000000000000000, "webhookEvent": "jira:issue_updated"}',
        b"[" * 60000,
    ],
    ids=["timestamp-past-year-9999", "json-nested-past-the-stack"],
)
def test_a_signed_body_that_cannot_be_read_is_a_400_not_a_500(client, jira_subscription, body):
    from webhooks.models import SeenEvent

    from .conftest import post_jira

    response = post_jira(client, jira_subscription, body)
    assert response.status_code == 400
    assert not SeenEvent.objects.exists()
