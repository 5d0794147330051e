"""The Manage Tempo integration tab: what it shows, the stale check, expiry and history."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tempo_integration import sentences
from tempo_integration.models import IntegrationEvent, TempoIntegration

from .factories import TOKEN, stored_integration

TAB = reverse("tempo_integration:tab")
EXPIRY = reverse("tempo_integration:expiry")


def worklogs_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/4/worklogs"


def age(integration: TempoIntegration, minutes: float) -> None:
    TempoIntegration.objects.filter(pk=integration.pk).update(
        last_verified_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_without_integration_shows_the_howto_and_the_add_form(admin_client):
    page = admin_client.get(TAB).content.decode()
    assert "View worklogs" in page and "New Token" in page
    assert '<label for="id_token" class="field-label">Tempo API Token</label>' in page
    assert 'type="password"' in page and 'autocomplete="off"' in page
    assert ">Add</button>" in page


@responses.activate
def test_with_integration_shows_status_mask_who_and_when(admin_client, admin_user):
    stored_integration(admin_user)
    page = admin_client.get(TAB).content.decode()
    assert "Active" in page and "••••••••0-us" in page
    assert "by <strong>admin</strong>" in page
    assert "Revoke integration" in page
    assert TOKEN not in page
    assert len(responses.calls) == 0  # verified just now: no stale check


@responses.activate
def test_stale_check_runs_after_a_minute_and_records_success(admin_client, admin_user):
    integration = stored_integration(admin_user)
    age(integration, 2)
    responses.get(worklogs_url(), json={"metadata": {"count": 0}, "results": []})
    admin_client.get(TAB)
    assert len(responses.calls) == 1
    integration.refresh_from_db()
    assert timezone.now() - integration.last_verified_at < dt.timedelta(minutes=1)


@responses.activate
def test_stale_check_is_skipped_within_a_minute(admin_client, admin_user):
    age(stored_integration(admin_user), 0.9)
    admin_client.get(TAB)
    assert len(responses.calls) == 0


@responses.activate
def test_stale_check_401_turns_the_integration_invalid(admin_client, admin_user):
    age(stored_integration(admin_user), 30)
    responses.get(worklogs_url(), status=401)
    page = admin_client.get(TAB).content.decode()
    assert TempoIntegration.current().status == TempoIntegration.Status.INVALID
    assert sentences.INVALID_TOKEN in page
    assert "Invalid" in page
    assert IntegrationEvent.objects.first().kind == IntegrationEvent.Kind.INVALIDATED
    # Invalid tokens are not re-checked on every visit.
    admin_client.get(TAB)
    assert len(responses.calls) == 1


@responses.activate
def test_stale_check_when_tempo_is_down_changes_nothing(admin_client, admin_user):
    age(stored_integration(admin_user), 30)
    responses.get(worklogs_url(), status=503)
    response = admin_client.get(TAB)
    assert response.status_code == 200
    assert TempoIntegration.current().status == TempoIntegration.Status.ACTIVE
    assert len(responses.calls) == 1  # one quick attempt while a person waits


def test_undecryptable_token_turns_invalid_instead_of_failing(admin_client, admin_user):
    integration = stored_integration(admin_user)
    age(integration, 30)
    TempoIntegration.objects.filter(pk=integration.pk).update(token_ciphertext="gAAAAAgarbage")
    response = admin_client.get(TAB)
    assert response.status_code == 200
    assert TempoIntegration.current().status == TempoIntegration.Status.INVALID


def test_expiry_date_is_saved_and_warned_about_seven_days_before(admin_client, admin_user):
    stored_integration(admin_user)
    soon = timezone.localdate() + dt.timedelta(days=5)
    response = admin_client.post(EXPIRY, {"expires_on": soon.isoformat()}, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [sentences.EXPIRY_SAVED]
    assert TempoIntegration.current().expires_on == soon
    page = response.content.decode()
    assert sentences.expiry_warning(5, soon.strftime("%-d %b %Y")) in page  # 30 Nov 2026
    assert f"Recorded the expiry date {soon.strftime('%-d %b %Y')}." in page


def test_no_warning_more_than_seven_days_before(admin_client, admin_user):
    stored_integration(admin_user)
    later = timezone.localdate() + dt.timedelta(days=8)
    response = admin_client.post(EXPIRY, {"expires_on": later.isoformat()}, follow=True)
    assert "expires in" not in response.content.decode()


@pytest.mark.parametrize("value", ["2020-01-01", "31/12/2030", "tomorrow"])
def test_bad_expiry_dates_change_nothing(admin_client, admin_user, value):
    stored_integration(admin_user)
    response = admin_client.post(EXPIRY, {"expires_on": value}, follow=True)
    (message,) = get_messages(response.wsgi_request)
    assert message.tags == "error"
    assert TempoIntegration.current().expires_on is None


def test_empty_expiry_clears_it(admin_client, admin_user):
    integration = stored_integration(admin_user)
    integration.expires_on = timezone.localdate() + dt.timedelta(days=3)
    integration.save()
    response = admin_client.post(EXPIRY, {"expires_on": ""}, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [sentences.EXPIRY_CLEARED]
    assert TempoIntegration.current().expires_on is None


def test_expiry_without_integration_is_refused(admin_client):
    response = admin_client.post(EXPIRY, {"expires_on": "2099-01-01"}, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        sentences.NO_INTEGRATION_FOR_EXPIRY
    ]


def test_history_lists_what_happened_never_the_token(admin_client, admin_user):
    stored_integration(admin_user)
    TempoIntegration.current().revoke(admin_user)
    page = admin_client.get(TAB).content.decode()
    assert "Added the token ending in 0-us." in page
    assert "Revoked the token ending in 0-us and erased 0 synced Tempo worklogs." in page
    assert TOKEN not in page
