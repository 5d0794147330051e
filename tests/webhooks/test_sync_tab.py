"""The Sync tab's Webhooks card ({% webhook_status %}): live or not, and why, the last
event, and that polling remains; never a secret."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from tests.tempo_integration.factories import stored_integration
from webhooks import registration
from webhooks.models import Subscription

from .conftest import JIRA_SECRET, TEMPO_SECRET, post_tempo, subscription, tempo_body

pytestmark = pytest.mark.django_db
TAB = "/configuration/sync/"


@pytest.fixture(autouse=True)
def _addresses(webhook_settings):
    pass


def card(response) -> str:
    html = response.content.decode()
    start = html.index("data-webhook-status")
    return html[start : html.index("</section>", start)]


def test_it_shows_live_webhooks_and_the_last_event(admin_client, admin_user, settings):
    settings.JIRA_BASE_URL = "http://jira.test"
    stored_integration(admin_user)
    for event in registration.TEMPO_EVENTS:
        subscription("tempo", event, TEMPO_SECRET)
    Subscription.objects.filter(event="worklog.updated").update(
        last_event_at=timezone.now() - dt.timedelta(minutes=2)
    )
    subscription("jira", "jira", JIRA_SECRET)
    html = card(admin_client.get(TAB))
    assert html.count(">Live</span>") == 2
    assert "Last event <time" in html
    assert "2\xa0minutes ago" in html
    assert "No event yet" in html
    assert "Polling every 15\xa0minutes remains the safety net" in html
    assert TEMPO_SECRET not in admin_client.get(TAB).content.decode()
    assert JIRA_SECRET not in admin_client.get(TAB).content.decode()


def test_it_shows_an_inactive_subscription_reactivating(admin_client, admin_user):
    stored_integration(admin_user)
    for event in registration.TEMPO_EVENTS:
        subscription("tempo", event, TEMPO_SECRET)
    Subscription.objects.filter(event="worklog.created").update(
        status="inactive", problem=registration.REACTIVATING
    )
    html = card(admin_client.get(TAB))
    assert "Inactive — re-activating" in html
    assert registration.REACTIVATING in html


def test_it_says_why_nothing_is_registered(admin_client, admin_user, settings):
    settings.WEBHOOK_BASE_URL = "http://hours.example.com"
    html = card(admin_client.get(TAB))
    assert html.count("Not registered") == 2
    assert "Webhooks need an HTTPS address: set WEBHOOK_BASE_URL." in html


def test_it_says_when_tempo_is_not_connected(admin_client):
    html = card(admin_client.get(TAB))
    assert "No Tempo integration is stored." in html
    assert "Jira is not configured (JIRA_BASE_URL)." in html


def test_it_shows_a_failure_sentence_escaped(admin_client, admin_user, settings):
    settings.JIRA_BASE_URL = "http://jira.test"
    row = Subscription.objects.create(service="jira", event="jira")
    row.fail("Jira could not register the webhook: <b>nope</b>.")
    html = card(admin_client.get(TAB))
    assert "&lt;b&gt;nope&lt;/b&gt;" in html
    assert "<b>nope</b>" not in html


def test_it_is_for_staff_only(alice_client):
    assert alice_client.get(TAB).status_code == 403


def test_the_secret_never_reaches_a_log(client, admin_user, caplog):
    caplog.set_level(logging.DEBUG)
    row = subscription("tempo", "worklog.updated", TEMPO_SECRET)
    post_tempo(client, row, tempo_body(), signature="f" * 64)  # refused
    post_tempo(client, row, tempo_body(event_id="evt-9"))  # accepted
    assert TEMPO_SECRET not in caplog.text
    assert TEMPO_SECRET[60:90] not in caplog.text
    assert "signature does not match" in caplog.text


def test_the_secret_is_stored_encrypted(db):
    row = subscription("tempo", "worklog.updated", TEMPO_SECRET)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_ciphertext FROM webhooks_subscription WHERE id = %s", [row.pk]
        )
        (stored,) = cursor.fetchone()
    assert TEMPO_SECRET not in stored
    assert "S3cr3tTempoShared" not in stored
    assert Subscription.objects.get(pk=row.pk).secret() == TEMPO_SECRET
