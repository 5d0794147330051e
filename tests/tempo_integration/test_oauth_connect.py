"""Connect with OAuth 2.0 (docs/product.md §4.1, docs/outside-apis.md §2): every way the
round trip through Tempo can end, with Tempo's endpoints mocked."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import requests
import responses
from django.contrib.messages import get_messages
from django.utils import timezone

from tempo_integration import sentences
from tempo_integration.models import IntegrationEvent, TempoIntegration
from tests.tempo_integration.factories import stored_integration

from .oauth_fakes import (
    APPLICATION,
    CLIENT_ID,
    CLIENT_SECRET,
    TAB_URL,
    come_back,
    form,
    oauth_error,
    revoke_url,
    start,
    token_answer,
    token_url,
    worklogs_url,
)

PAGE = {"self": "x", "metadata": {"count": 0, "offset": 0, "limit": 1}, "results": []}


def flags(response) -> list[tuple[str, str]]:
    return [(m.tags, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def tempo_oauth():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, token_url(), callback=lambda r: token_answer())
        rsps.add(responses.GET, worklogs_url(), json=PAGE)
        rsps.add(responses.POST, revoke_url(), body="")
        yield rsps


def calls_to(rsps, url: str):
    return [call for call in rsps.calls if call.request.url.split("?")[0] == url]


def test_the_tab_shows_the_redirect_url_to_register_and_the_form(admin_client):
    page = admin_client.get(TAB_URL).content.decode()
    assert 'value="http://testserver/configuration/tempo/oauth/callback/"' in page
    assert "Connect with OAuth 2.0" in page
    assert "OAuth 2.0 Applications" in page


def test_connect_sends_the_browser_to_tempos_consent_page_with_a_state(admin_client):
    query = start(admin_client)
    assert query["client_id"] == CLIENT_ID
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver/configuration/tempo/oauth/callback/"
    assert len(query["state"]) >= 32
    # The secret never travels in a URL, and nothing is stored before Tempo answers.
    assert CLIENT_SECRET not in str(query)
    assert not TempoIntegration.objects.exists()


def test_the_tab_lets_its_connect_form_go_on_to_tempo_and_nowhere_else(admin_client, settings):
    def form_action() -> str:
        policy = admin_client.get(TAB_URL)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        return directives["form-action"]

    assert form_action() == "'self' http://127.0.0.1:9"
    settings.TEMPO_OAUTH_AUTHORIZE_URL = "http://tempo.example.com/oauth/authorize/redirect"
    assert form_action() == "'self'"


def test_allow_connects_stores_everything_encrypted_and_says_so(admin_client, tempo_oauth):
    query = start(admin_client)
    response = come_back(admin_client, code="the-code", state=query["state"])
    assert flags(response) == [("success", sentences.ADDED)]
    integration = TempoIntegration.current()
    assert integration.is_oauth and integration.is_active
    assert integration.oauth_application_name == APPLICATION
    assert integration.oauth_client_id == CLIENT_ID
    assert integration.token() == "access-1-aaaaaaaa"
    assert integration.refresh_token() == "refresh-1-bbbbbbbb"
    assert integration.oauth_credentials() == (CLIENT_ID, CLIENT_SECRET)
    for secret in (CLIENT_SECRET, "access-1-aaaaaaaa", "refresh-1-bbbbbbbb"):
        for field in TempoIntegration.SECRET_FIELDS:
            assert secret not in getattr(integration, field)
    assert dt.timedelta(days=59) < integration.renews_at - integration.added_at + dt.timedelta(
        days=7
    )
    exchange = form(calls_to(tempo_oauth, token_url())[0].request)
    assert exchange == {
        "grant_type": "authorization_code",
        "redirect_uri": "http://testserver/configuration/tempo/oauth/callback/",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": "the-code",
    }
    check = calls_to(tempo_oauth, worklogs_url())[0].request
    assert check.headers["Authorization"] == "Bearer access-1-aaaaaaaa"
    page = response.content.decode()
    assert "OAuth 2.0 application <strong>Worklog Report</strong>" in page
    assert "Access token renews" in page
    for secret in (CLIENT_SECRET, "access-1-aaaaaaaa", "refresh-1-bbbbbbbb"):
        assert secret not in page
    kinds = list(IntegrationEvent.objects.values_list("kind", flat=True))
    assert kinds == ["added", "connect_started"]


def test_deny_stores_nothing_and_says_how_to_try_again(admin_client, tempo_oauth):
    query = start(admin_client)
    response = come_back(admin_client, error="access_denied", state=query["state"])
    assert flags(response) == [("error", sentences.OAUTH_DENIED)]
    assert not TempoIntegration.objects.exists()
    assert not tempo_oauth.calls


def test_an_unknown_error_code_is_named_only_when_it_is_a_plain_code(admin_client, tempo_oauth):
    query = start(admin_client)
    response = come_back(admin_client, error="<script>x</script>", state=query["state"])
    assert flags(response) == [("error", sentences.oauth_refused("unknown error"))]
    query = start(admin_client)
    response = come_back(admin_client, error="server_error", state=query["state"])
    assert flags(response) == [("error", sentences.oauth_refused("server_error"))]


@pytest.mark.parametrize("state", [None, "", "forged-state"], ids=["missing", "empty", "forged"])
def test_a_missing_or_wrong_state_stores_nothing(admin_client, tempo_oauth, state):
    start(admin_client)
    query = {"code": "the-code"} | ({"state": state} if state is not None else {})
    response = come_back(admin_client, **query)
    assert flags(response) == [("error", sentences.OAUTH_STATE_MISMATCH)]
    assert not TempoIntegration.objects.exists()
    assert not calls_to(tempo_oauth, token_url())


def test_a_callback_without_a_started_connection_another_browser_stores_nothing(
    admin_client, tempo_oauth
):
    response = come_back(admin_client, code="the-code", state="anything")
    assert flags(response) == [("error", sentences.OAUTH_NOT_STARTED)]
    assert not TempoIntegration.objects.exists()
    assert not tempo_oauth.calls


def test_the_same_callback_twice_is_used_once(admin_client, tempo_oauth):
    query = start(admin_client)
    come_back(admin_client, code="the-code", state=query["state"])
    response = come_back(admin_client, code="the-code", state=query["state"])
    assert flags(response) == [("error", sentences.OAUTH_NOT_STARTED)]
    assert len(calls_to(tempo_oauth, token_url())) == 1


def test_a_callback_after_an_hour_stores_nothing(admin_client, tempo_oauth, time_machine):
    query = start(admin_client)
    time_machine.move_to(timezone.now() + dt.timedelta(hours=1))
    response = come_back(admin_client, code="the-code", state=query["state"])
    assert flags(response) == [("error", sentences.OAUTH_EXPIRED)]
    assert not TempoIntegration.objects.exists()
    assert not calls_to(tempo_oauth, token_url())


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (oauth_error("invalid_client", 401), sentences.OAUTH_INVALID_CLIENT),
        (oauth_error("invalid_grant"), sentences.OAUTH_INVALID_GRANT),
        (oauth_error("unsupported_grant_type"), sentences.oauth_refused("unsupported_grant_type")),
        ((400, {}, "<html>Bad</html>"), sentences.oauth_refused("HTTP 400")),
        ((503, {}, "down"), sentences.OAUTH_UNREACHABLE),
        ((200, {}, "<html>maintenance</html>"), sentences.OAUTH_UNREACHABLE),
        (
            (200, {"Content-Type": "application/json"}, '{"error": "no token"}'),
            sentences.OAUTH_UNREACHABLE,
        ),
        (requests.ConnectTimeout("slow"), sentences.OAUTH_UNREACHABLE),
    ],
    ids=[
        "wrong-secret",
        "replayed-or-expired-code",
        "other",
        "html-400",
        "5xx",
        "html-200",
        "not-a-token",
        "slow",
    ],
)
def test_every_token_endpoint_failure_is_a_sentence_and_stores_nothing(
    admin_client, answer, message, caplog
):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as rsps:
        if isinstance(answer, Exception):
            rsps.add(responses.POST, token_url(), body=answer)
        else:
            rsps.add_callback(responses.POST, token_url(), callback=lambda r: answer)
        query = start(admin_client)
        response = come_back(admin_client, code="the-code", state=query["state"])
    assert flags(response) == [("error", message)]
    assert not TempoIntegration.objects.exists()
    event = IntegrationEvent.objects.first()
    assert event.kind == "add_failed"
    assert CLIENT_SECRET not in event.detail
    assert CLIENT_SECRET not in caplog.text and "the-code" not in caplog.text


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, sentences.INVALID_TOKEN),
        (403, sentences.OAUTH_NO_WORKLOG_ACCESS),
        (503, sentences.OAUTH_UNREACHABLE),
    ],
)
def test_tokens_that_cannot_read_worklogs_are_revoked_and_not_stored(admin_client, status, message):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, token_url(), callback=lambda r: token_answer())
        rsps.add(responses.GET, worklogs_url(), status=status, body="no")
        rsps.add(responses.POST, revoke_url(), body="")
        query = start(admin_client)
        response = come_back(admin_client, code="the-code", state=query["state"])
        revoked = [form(call.request)["token"] for call in calls_to(rsps, revoke_url())]
    assert flags(response) == [("error", message)]
    assert not TempoIntegration.objects.exists()
    assert revoked == ["refresh-1-bbbbbbbb", "access-1-aaaaaaaa"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"client_id": ""}, sentences.ENTER_CLIENT_ID),
        ({"client_secret": "  "}, sentences.ENTER_CLIENT_SECRET),
        ({"client_id": "has space"}, sentences.NOT_A_CLIENT_CREDENTIAL),
        ({"client_secret": "x" * 256}, sentences.NOT_A_CLIENT_CREDENTIAL),
        ({"client_secret": "tök"}, sentences.NOT_A_CLIENT_CREDENTIAL),
        ({"application_name": " "}, sentences.ENTER_APPLICATION_NAME),
        ({"application_name": "x" * 101}, sentences.APPLICATION_NAME_TOO_LONG),
    ],
)
@responses.activate
def test_bad_input_never_leaves_for_tempo(admin_client, fields, message):
    data = {
        "application_name": APPLICATION,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **fields,
    }
    response = admin_client.post("/configuration/tempo/oauth/connect/", data, follow=True)
    assert flags(response) == [("error", message)]
    assert response.redirect_chain[-1][0] == TAB_URL
    assert "tempo_oauth_pending" not in admin_client.session


def test_an_http_authorization_page_that_is_not_loopback_is_refused(admin_client, settings):
    settings.TEMPO_OAUTH_AUTHORIZE_URL = "http://tempo.example.com/oauth/authorize/redirect"
    response = admin_client.post(
        "/configuration/tempo/oauth/connect/",
        {"application_name": APPLICATION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        follow=True,
    )
    assert flags(response) == [("error", sentences.OAUTH_INSECURE)]


def test_the_legacy_authorization_url_is_used_when_configured(admin_client, settings):
    settings.TEMPO_OAUTH_AUTHORIZE_URL = (
        "https://acme.atlassian.net/plugins/servlet/ac/io.tempo.jira/oauth-authorize/"
    )
    response = admin_client.post(
        "/configuration/tempo/oauth/connect/",
        {"application_name": APPLICATION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    assert response["Location"].startswith(
        "https://acme.atlassian.net/plugins/servlet/ac/io.tempo.jira/oauth-authorize/?"
    )


def test_the_secret_waits_in_the_session_encrypted(admin_client):
    start(admin_client)
    pending = admin_client.session["tempo_oauth_pending"]
    assert CLIENT_SECRET not in str(pending)


def test_customers_cannot_start_or_finish_a_connection(alice_client):
    assert alice_client.post("/configuration/tempo/oauth/connect/", {}).status_code in (302, 403)
    response = alice_client.get("/configuration/tempo/oauth/callback/", {"code": "c"})
    assert response.status_code in (302, 403)
    assert not TempoIntegration.objects.exists()


def test_switching_from_an_api_token_keeps_it_until_oauth_is_verified(admin_client, admin_user):
    stored_integration(admin_user)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, token_url(), json={"error": "invalid_grant"}, status=400)
        query = start(admin_client)
        come_back(admin_client, code="the-code", state=query["state"])
    integration = TempoIntegration.current()
    assert not integration.is_oauth and integration.token_last4 == "0-us"


def test_switching_from_oauth_to_an_api_token_revokes_the_oauth_tokens(
    admin_client, admin_user, tempo_oauth
):
    query = start(admin_client)
    come_back(admin_client, code="the-code", state=query["state"])
    stored_integration(admin_user)
    integration = TempoIntegration.current()
    assert not integration.is_oauth and not integration.refresh_token_ciphertext
    assert len(calls_to(tempo_oauth, revoke_url())) == 2


def test_the_error_report_of_a_failed_refresh_hides_the_secrets(admin_user):
    import sys

    from django.views.debug import ExceptionReporter

    from tempo_integration import oauth

    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, token_url(), body=requests.ConnectionError("refused"))
        try:
            with oauth.TempoOAuthClient(CLIENT_ID, CLIENT_SECRET, retry_budget=0) as client:
                client.refresh("refresh-secret-value-123", "http://testserver/cb")
        except oauth.OAuthUnavailable:
            frames = ExceptionReporter(None, *sys.exc_info()).get_traceback_frames()
    ours = [
        f
        for f in frames
        if "/tempo_integration/" in f["filename"] or "/worklog_report/" in f["filename"]
    ]
    assert {f["function"] for f in ours} >= {"refresh", "_token_request", "request_json"}
    shown = repr([f["vars"] for f in ours])
    assert CLIENT_SECRET not in shown
    assert "refresh-secret-value-123" not in shown
