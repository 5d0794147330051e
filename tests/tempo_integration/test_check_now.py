"""Check now, and the check on opening the tab: at most one Tempo call a minute (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import responses
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tempo_integration import sentences
from tempo_integration.models import IntegrationEvent, TempoIntegration
from tempo_integration.views import (
    CHECK_ACCEPTED,
    CHECKED_RECENTLY_UNREACHABLE,
    NOTHING_TO_CHECK,
    check_unreachable,
)

from .factories import stored_integration

TAB = reverse("tempo_integration:tab")
CHECK = reverse("tempo_integration:check")
PAGE = {"metadata": {"count": 0}, "results": []}


def worklogs_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/4/worklogs"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def age(minutes: float) -> None:
    TempoIntegration.objects.update(last_verified_at=timezone.now() - dt.timedelta(minutes=minutes))


@responses.activate
def test_check_now_accepted_says_so_and_records_it(admin_client, admin_user):
    stored_integration(admin_user)
    age(30)
    responses.get(worklogs_url(), json=PAGE)
    response = admin_client.post(CHECK, follow=True)
    assert messages_of(response) == [CHECK_ACCEPTED]
    assert len(responses.calls) == 1
    event = IntegrationEvent.objects.first()
    assert (event.kind, event.actor_name) == (IntegrationEvent.Kind.CHECKED, "admin")
    assert event.detail == "Tempo accepted the stored token."
    page = response.content.decode()
    assert "just now" in page and "0 minutes ago" not in page


@responses.activate
def test_check_now_401_turns_the_integration_invalid_and_records_it(admin_client, admin_user):
    stored_integration(admin_user)
    responses.get(worklogs_url(), status=401)
    response = admin_client.post(CHECK, follow=True)
    assert messages_of(response) == [sentences.INVALID_TOKEN]
    assert TempoIntegration.current().status == TempoIntegration.Status.INVALID
    kinds = list(IntegrationEvent.objects.values_list("kind", flat=True)[:2])
    assert sorted(kinds) == sorted(
        [IntegrationEvent.Kind.CHECKED, IntegrationEvent.Kind.INVALIDATED]
    )
    page = response.content.decode()
    assert "Tempo rejected the stored token (401)." in page
    assert "Check now</button>" not in page  # Tempo calls stop until a new token is added


@responses.activate
def test_check_now_when_tempo_is_down_says_so_and_changes_nothing(admin_client, admin_user):
    stored_integration(admin_user)
    responses.get(worklogs_url(), body=requests.ConnectionError("connection refused"))
    response = admin_client.post(CHECK, follow=True)
    (message,) = get_messages(response.wsgi_request)
    assert message.tags == "error"
    assert str(message).startswith("Tempo could not be reached to check the token:")
    assert TempoIntegration.current().status == TempoIntegration.Status.ACTIVE
    assert IntegrationEvent.objects.first().kind == IntegrationEvent.Kind.CHECKED


def test_check_now_get_is_405(admin_client, admin_user):
    stored_integration(admin_user)
    assert admin_client.get(CHECK).status_code == 405


def test_check_now_is_staff_only(client, alice_client):
    assert alice_client.post(CHECK).status_code == 403
    client.logout()
    response = client.post(CHECK)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@responses.activate
def test_check_now_without_integration_calls_nothing(admin_client):
    response = admin_client.post(CHECK, follow=True)
    assert messages_of(response) == [NOTHING_TO_CHECK]
    assert len(responses.calls) == 0


@responses.activate
def test_check_now_on_an_invalid_token_calls_nothing(admin_client, admin_user):
    stored_integration(admin_user).mark_invalid("test")
    response = admin_client.post(CHECK, follow=True)
    assert messages_of(response) == [sentences.INVALID_TOKEN]
    assert len(responses.calls) == 0


@responses.activate
def test_two_page_views_make_one_tempo_call(admin_client, admin_user):
    stored_integration(admin_user)
    age(5)
    responses.get(worklogs_url(), status=503)  # unreachable: last_verified_at stays old
    first = admin_client.get(TAB).content.decode()
    second = admin_client.get(TAB).content.decode()
    assert len(responses.calls) == 1
    assert "Tempo could not be reached to check the token:" in first
    assert CHECKED_RECENTLY_UNREACHABLE in second  # the second view says why, without a call


@responses.activate
def test_a_verified_token_is_not_rechecked_within_the_minute(admin_client, admin_user):
    stored_integration(admin_user)
    age(5)
    responses.get(worklogs_url(), json=PAGE)
    admin_client.get(TAB)
    page = admin_client.get(TAB).content.decode()
    assert len(responses.calls) == 1
    assert CHECKED_RECENTLY_UNREACHABLE not in page and "just now</time>" in page


@responses.activate
def test_the_claim_lets_the_next_check_through_a_minute_later(admin_client, admin_user):
    stored_integration(admin_user)
    age(5)
    responses.get(worklogs_url(), status=503)
    admin_client.get(TAB)
    TempoIntegration.objects.update(check_claimed_until=timezone.now() - dt.timedelta(seconds=1))
    admin_client.get(TAB)
    assert len(responses.calls) == 2


@responses.activate
def test_tab_when_tempo_is_unreachable_renders_with_a_sentence(admin_client, admin_user):
    stored_integration(admin_user)
    age(5)
    responses.get(worklogs_url(), body=requests.ConnectTimeout("timed out"))
    response = admin_client.get(TAB)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tempo could not be reached to check the token:" in page
    assert "Its status is unchanged." in page
    assert TempoIntegration.current().status == TempoIntegration.Status.ACTIVE


def test_tab_check_uses_a_short_timeout():
    from tempo_integration.views import ON_VIEW_TIMEOUTS

    assert ON_VIEW_TIMEOUTS["retry_budget"] == 0
    assert ON_VIEW_TIMEOUTS["connect_timeout"] + ON_VIEW_TIMEOUTS["read_timeout"] <= 5


@responses.activate
@pytest.mark.parametrize("seconds", [0, 59])
def test_last_verified_under_a_minute_says_just_now(admin_client, admin_user, seconds):
    stored_integration(admin_user)
    age(seconds / 60)
    page = admin_client.get(TAB).content.decode()
    assert "just now</time>" in page and "0 minutes ago" not in page
    assert len(responses.calls) == 0


def test_ago_and_took_read_naturally():
    from jsm.templatetags.relative_time import ago, took

    now = timezone.now()
    assert ago(now - dt.timedelta(seconds=59), now) == "just now"
    assert ago(now - dt.timedelta(seconds=61), now) == "1\xa0minute ago"
    assert took(dt.timedelta(seconds=0.04)) == "under 0.1 s"
    assert took(dt.timedelta(seconds=2.44)) == "2.4 s"
    assert took(dt.timedelta(seconds=192)) == "3 min 12 s"


def test_check_unreachable_is_a_sentence():
    assert check_unreachable("Tempo took longer than 3 s to answer") == (
        "Tempo could not be reached to check the token: Tempo took longer than 3 s to answer. "
        "Its status is unchanged."
    )
