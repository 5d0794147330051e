"""Add on the Manage Tempo integration tab: every row of docs/product.md §4.1's flags table."""

from __future__ import annotations

import pytest
import requests
import responses
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from tempo_integration import crypto, sentences
from tempo_integration.models import IntegrationEvent, TempoIntegration

ADD_URL = reverse("tempo_integration:add")
TAB_URL = reverse("tempo_integration:tab")
TOKEN = "Zq3tL9xVb7RkP2mW5yH8cN4dF6gJ1sA0-us"


def worklogs_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/4/worklogs"


def flags(response) -> list[tuple[str, str]]:
    return [(m.tags, str(m)) for m in get_messages(response.wsgi_request)]


def add(client, token):
    return client.post(ADD_URL, {"token": token}, follow=True)


@pytest.mark.parametrize("token", ["", "   ", "\t \n"])
@responses.activate
def test_empty_or_spaces_only_asks_for_a_token_without_calling_tempo(admin_client, token):
    response = add(admin_client, token)
    assert flags(response) == [("error", sentences.ENTER_TOKEN)]
    assert len(responses.calls) == 0
    assert not TempoIntegration.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "x" * 513,
        "x" * 10_000,
        "abc def",
        "abc\tdef",
        "abc\ndef",
        "abc\x00def",
        "tökén-ünïcödé",
        "токен",
    ],
    ids=["513", "10000", "space", "tab", "newline", "nul", "latin1", "cyrillic"],
)
@responses.activate
def test_malformed_token_is_refused_without_calling_tempo(admin_client, token):
    response = add(admin_client, token)
    assert flags(response) == [("error", sentences.NOT_A_TOKEN)]
    assert len(responses.calls) == 0
    assert not TempoIntegration.objects.exists()


@responses.activate
def test_512_characters_is_still_a_token(admin_client):
    responses.get(worklogs_url(), json={"metadata": {"count": 0}, "results": []})
    response = add(admin_client, "y" * 512)
    assert flags(response) == [("success", sentences.ADDED)]


@responses.activate
def test_accepted_token_is_stored_encrypted_with_its_last_four(admin_client, admin_user):
    responses.get(worklogs_url(), json={"metadata": {"count": 0}, "results": []})
    response = add(admin_client, f"  {TOKEN}  ")
    assert flags(response) == [("success", sentences.ADDED)]
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    integration = TempoIntegration.current()
    assert integration.status == TempoIntegration.Status.ACTIVE
    assert integration.token_last4 == "0-us"
    assert TOKEN not in integration.token_ciphertext
    assert crypto.decrypt(integration.token_ciphertext) == TOKEN
    assert integration.key_id == crypto.key_id(settings.ENCRYPTION_KEYS[0])
    assert integration.added_by == admin_user
    assert integration.last_verified_at is not None
    page = response.content.decode()
    assert "••••••••0-us" in page and TOKEN not in page
    assert IntegrationEvent.objects.get().kind == IntegrationEvent.Kind.ADDED


@pytest.mark.parametrize(
    "status,body,message",
    [
        (401, "<html>Unauthorized</html>", sentences.INVALID_TOKEN),
        (403, "<html>Forbidden</html>", sentences.NO_WORKLOG_SCOPE),
        (500, "<html>Internal error</html>", sentences.UNREACHABLE),
        (503, "down for maintenance", sentences.UNREACHABLE),
    ],
)
@responses.activate
def test_tempo_refusals_store_nothing(admin_client, status, body, message):
    responses.get(worklogs_url(), status=status, body=body)
    response = add(admin_client, TOKEN)
    assert flags(response) == [("error", message)]
    assert not TempoIntegration.objects.exists()
    event = IntegrationEvent.objects.get()
    assert event.kind == IntegrationEvent.Kind.ADD_FAILED
    assert TOKEN not in event.detail


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectTimeout("connect timed out"),
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("connection refused"),
    ],
    ids=["connect-timeout", "read-timeout", "refused"],
)
@responses.activate
def test_tempo_down_or_slow_stores_nothing(admin_client, failure):
    responses.get(worklogs_url(), body=failure)
    response = add(admin_client, TOKEN)
    assert flags(response) == [("error", sentences.UNREACHABLE)]
    assert not TempoIntegration.objects.exists()


@responses.activate
def test_429_for_longer_than_the_retry_budget_stores_nothing(admin_client):
    responses.get(worklogs_url(), status=429, headers={"Retry-After": "1"})
    response = add(admin_client, TOKEN)
    assert flags(response) == [("error", sentences.UNREACHABLE)]
    assert not TempoIntegration.objects.exists()
    assert len(responses.calls) > 1  # it did retry, within its budget


@responses.activate
def test_200_with_html_is_not_tempo(admin_client):
    responses.get(worklogs_url(), body="<html>Sign in</html>", content_type="text/html")
    response = add(admin_client, TOKEN)
    assert flags(response) == [("error", sentences.UNREACHABLE)]
    assert not TempoIntegration.objects.exists()


@responses.activate
def test_script_tag_token_is_escaped_and_refused(admin_client):
    responses.get(worklogs_url(), status=401)
    response = add(admin_client, "<script>alert(1)</script>")
    assert flags(response) == [("error", sentences.INVALID_TOKEN)]
    assert b"<script>alert(1)</script>" not in response.content


@responses.activate
def test_add_clicked_twice_keeps_one_integration(admin_client):
    responses.get(worklogs_url(), json={"metadata": {"count": 0}, "results": []})
    add(admin_client, TOKEN)
    response = add(admin_client, TOKEN)
    assert flags(response) == [("success", sentences.ADDED)]
    assert TempoIntegration.objects.count() == 1


@responses.activate
def test_a_new_token_replaces_the_stored_one_only_when_tempo_accepts_it(admin_client):
    responses.get(worklogs_url(), json={"metadata": {"count": 0}, "results": []})
    add(admin_client, TOKEN)
    responses.replace(responses.GET, worklogs_url(), status=401)
    add(admin_client, "Another-Token-9999")
    assert TempoIntegration.current().token_last4 == "0-us"
    responses.replace(responses.GET, worklogs_url(), json={"metadata": {"count": 0}, "results": []})
    response = add(admin_client, "Another-Token-9999")
    assert flags(response) == [("success", sentences.ADDED)]
    assert TempoIntegration.current().token_last4 == "9999"
    assert TempoIntegration.objects.count() == 1


@responses.activate
def test_adding_a_good_token_repairs_an_invalid_integration(admin_client, admin_user):
    responses.get(worklogs_url(), json={"metadata": {"count": 0}, "results": []})
    add(admin_client, TOKEN)
    TempoIntegration.current().mark_invalid("Tempo rejected the stored token (401).")
    add(admin_client, "Fresh-Token-1234")
    assert TempoIntegration.current().status == TempoIntegration.Status.ACTIVE
