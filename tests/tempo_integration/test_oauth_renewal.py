"""Silent renewal of the OAuth 2.0 access token, revocation at Tempo, and key rotation of
the OAuth secrets (docs/product.md §4.1, §7; docs/outside-apis.md §2, §5)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import responses
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.utils import timezone

from tempo_integration import crypto, oauth, oauth_renewal, sentences
from tempo_integration.access import open_client
from tempo_integration.client import TempoAuthError, TempoUnavailable
from tempo_integration.models import IntegrationEvent, TempoIntegration

from .oauth_fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    TAB_URL,
    form,
    oauth_error,
    revoke_url,
    token_answer,
    token_url,
    worklogs_url,
)

PAGE = {"self": "x", "metadata": {"count": 0, "offset": 0, "limit": 1}, "results": []}
REDIRECT = "https://reports.example.com/configuration/tempo/oauth/callback/"


def connected(user, *, lifetime=dt.timedelta(days=60), access="access-0-xxxxxxxx"):
    now = timezone.now()
    tokens = oauth.TokenSet(access, "refresh-0-yyyyyyyy", issued_at=now, expires_at=now + lifetime)
    return TempoIntegration.store_oauth(
        tokens,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        application_name="Worklog Report",
        redirect_uri=REDIRECT,
        user=user,
    )


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def token_calls(rsps):
    return [call for call in rsps.calls if call.request.url == token_url()]


def test_renews_at_is_seven_days_before_a_60_day_token_expires_or_its_last_fifth():
    issued = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert oauth.renews_at(issued, issued + dt.timedelta(days=60)) == issued + dt.timedelta(days=53)
    assert oauth.renews_at(issued, issued + dt.timedelta(seconds=10)) == issued + dt.timedelta(
        seconds=8
    )


def test_a_fresh_token_is_used_without_asking_tempo(admin_user, rsps):
    connected(admin_user)
    rsps.add(responses.GET, worklogs_url(), json=PAGE)
    with open_client(TempoIntegration.current()) as client:
        client.check_access()
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer access-0-xxxxxxxx"
    assert not token_calls(rsps)


def test_a_token_due_for_renewal_is_renewed_first_and_the_new_pair_stored(
    admin_user, rsps, time_machine
):
    integration = connected(admin_user)
    rsps.add_callback(
        responses.POST,
        token_url(),
        callback=lambda r: token_answer("access-1-new", "refresh-1-new"),
    )
    rsps.add(responses.GET, worklogs_url(), json=PAGE)
    time_machine.move_to(integration.renews_at + dt.timedelta(seconds=1))
    with open_client(TempoIntegration.current()) as client:
        client.check_access()
    assert form(token_calls(rsps)[0].request) == {
        "grant_type": "refresh_token",
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": "refresh-0-yyyyyyyy",
    }
    assert rsps.calls[-1].request.headers["Authorization"] == "Bearer access-1-new"
    renewed = TempoIntegration.current()
    assert renewed.token() == "access-1-new" and renewed.refresh_token() == "refresh-1-new"
    assert renewed.credentials_version == integration.credentials_version + 1
    assert renewed.renewal_claimed_until is None
    assert IntegrationEvent.objects.first().kind == "renewed"


def test_a_401_renews_once_and_the_call_is_tried_again(admin_user, rsps):
    connected(admin_user)
    rsps.add_callback(
        responses.POST,
        token_url(),
        callback=lambda r: token_answer("access-1-new", "refresh-1-new"),
    )
    rsps.add(responses.GET, worklogs_url(), status=401, body="<html>no</html>")
    rsps.add(responses.GET, worklogs_url(), json=PAGE)
    with open_client(TempoIntegration.current(), retry_budget=0) as client:
        client.check_access()
    headers = [c.request.headers.get("Authorization") for c in rsps.calls]
    assert headers == ["Bearer access-0-xxxxxxxx", None, "Bearer access-1-new"]
    assert len(token_calls(rsps)) == 1


def test_a_401_after_renewing_is_final_not_a_loop(admin_user, rsps):
    connected(admin_user)
    rsps.add_callback(
        responses.POST,
        token_url(),
        callback=lambda r: token_answer("access-1-new", "refresh-1-new"),
    )
    rsps.add(responses.GET, worklogs_url(), status=401, body="no")
    with (
        open_client(TempoIntegration.current(), retry_budget=0) as client,
        pytest.raises(TempoAuthError),
    ):
        client.check_access()
    assert len(token_calls(rsps)) == 1


@pytest.mark.parametrize(
    "answer", [oauth_error("invalid_grant"), oauth_error("invalid_client", 401)]
)
def test_a_refused_renewal_turns_the_integration_invalid_with_a_reconnect_sentence(
    admin_user, admin_client, rsps, answer
):
    connected(admin_user)
    rsps.add_callback(responses.POST, token_url(), callback=lambda r: answer)
    rsps.add(responses.GET, worklogs_url(), status=401, body="no")
    with (
        open_client(TempoIntegration.current(), retry_budget=0) as client,
        pytest.raises(TempoAuthError),
    ):
        client.check_access()
    integration = TempoIntegration.current()
    assert integration.status == "invalid"
    assert IntegrationEvent.objects.first().kind == "invalidated"
    page = admin_client.get(TAB_URL).content.decode()
    assert sentences.INVALID_TOKEN in page
    assert sentences.OAUTH_RECONNECT in page


def test_tempo_unreachable_while_the_token_still_works_uses_it_and_tries_later(
    admin_user, rsps, time_machine, caplog
):
    integration = connected(admin_user)
    rsps.add(responses.POST, token_url(), status=503)
    rsps.add(responses.GET, worklogs_url(), json=PAGE)
    time_machine.move_to(integration.renews_at + dt.timedelta(seconds=1))
    with caplog.at_level(logging.WARNING), open_client(TempoIntegration.current()) as client:
        client.check_access()
    assert rsps.calls[-1].request.headers["Authorization"] == "Bearer access-0-xxxxxxxx"
    after = TempoIntegration.current()
    assert after.is_active and after.credentials_version == integration.credentials_version
    assert after.renewal_claimed_until is None  # the next client tries again at once
    assert "could not be renewed yet" in caplog.text
    assert CLIENT_SECRET not in caplog.text


def test_an_expired_token_that_cannot_be_renewed_fails_without_changing_anything(
    admin_user, rsps, time_machine
):
    integration = connected(admin_user)
    rsps.add(responses.POST, token_url(), body="<html>maintenance</html>")
    time_machine.move_to(integration.access_token_expires_at + dt.timedelta(seconds=1))
    with pytest.raises(TempoUnavailable):
        open_client(TempoIntegration.current())
    after = TempoIntegration.current()
    assert after.is_active and after.refresh_token() == "refresh-0-yyyyyyyy"


def test_a_renewal_another_process_already_made_is_used_not_repeated(admin_user, rsps):
    integration = connected(admin_user)
    old_version = integration.credentials_version
    # The other process: it renewed while we were still holding the old token.
    TempoIntegration.objects.filter(pk=integration.pk).update(
        token_ciphertext=crypto.encrypt("access-by-other").ciphertext,
        credentials_version=old_version + 1,
    )
    access = oauth_renewal.renew(integration.pk, old_version)
    assert access.token == "access-by-other" and access.version == old_version + 1
    assert not rsps.calls


def test_while_another_process_holds_the_renewal_nobody_spends_the_refresh_token(admin_user, rsps):
    integration = connected(admin_user)
    TempoIntegration.objects.filter(pk=integration.pk).update(
        renewal_claimed_until=timezone.now() + dt.timedelta(seconds=60)
    )
    with pytest.raises(TempoUnavailable, match="Another process"):
        oauth_renewal.renew(integration.pk, integration.credentials_version, wait=0.3)
    assert not rsps.calls


def test_revoke_integration_revokes_both_tokens_at_tempo(admin_user, admin_client, rsps):
    connected(admin_user)
    rsps.add(responses.POST, revoke_url(), body="")
    admin_client.post("/configuration/tempo/revoke/")
    assert [form(c.request)["token_type_hint"] for c in rsps.calls] == [
        "refresh_token",
        "access_token",
    ]
    assert {form(c.request)["client_secret"] for c in rsps.calls} == {CLIENT_SECRET}
    assert not TempoIntegration.objects.exists()
    details = list(IntegrationEvent.objects.values_list("detail", flat=True))
    assert details[1] == "Tempo revoked the tokens of the OAuth 2.0 application Worklog Report."


def test_revoke_integration_erases_locally_even_when_tempo_cannot_be_reached(
    admin_user, admin_client, rsps
):
    connected(admin_user)
    rsps.add(responses.POST, revoke_url(), status=503)
    admin_client.post("/configuration/tempo/revoke/")
    assert not TempoIntegration.objects.exists()
    assert "Delete the application in Tempo" in IntegrationEvent.objects.all()[1].detail


def test_rotate_encryption_keys_covers_the_oauth_secrets(settings, admin_user, capsys):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [key_a]
    connected(admin_user)
    settings.ENCRYPTION_KEYS = [key_b, key_a]
    call_command("rotate_encryption_keys")
    assert "Re-encrypted 3 secret(s)" in capsys.readouterr().out
    settings.ENCRYPTION_KEYS = [key_b]
    integration = TempoIntegration.current()
    assert integration.token() == "access-0-xxxxxxxx"
    assert integration.refresh_token() == "refresh-0-yyyyyyyy"
    assert integration.oauth_credentials() == (CLIENT_ID, CLIENT_SECRET)
    assert integration.key_id == crypto.key_id(key_b)
