"""Connect with OAuth 2.0 against the real sandbox process (issue 16): connect, renew before
expiry and on a 401, two workers renewing at once, the application deleted or its secret
changed, a replayed code, the token endpoint failing, and Revoke at Tempo."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from jsm.models import JiraProject
from portal.models import ReportSettings
from sync.models import SyncRun
from sync.runs import sync_jira, sync_tempo
from tempo_integration import oauth_renewal, sentences
from tempo_integration.access import check_access, open_client
from tempo_integration.client import TempoAuthError, TempoClient
from tempo_integration.models import IntegrationEvent, TempoIntegration, Worklog
from tempo_integration.views import CHECK_ACCEPTED

pytestmark = pytest.mark.integration

CONNECT = reverse("tempo_integration:oauth_connect")
CALLBACK = reverse("tempo_integration:oauth_callback")
REDIRECT_URI = f"http://testserver{CALLBACK}"


@pytest.fixture
def tempo(sandbox_clean, settings):
    settings.TEMPO_BASE_URL = sandbox_clean.tempo_url
    settings.JIRA_BASE_URL = sandbox_clean.jira_url
    settings.JIRA_EMAIL = sandbox_clean.jira_email
    settings.JIRA_API_TOKEN = sandbox_clean.jira_api_token
    settings.TEMPO_RETRY_BUDGET = settings.JIRA_RETRY_BUDGET = 3
    yield sandbox_clean
    sandbox_clean.client.reset_oauth_lifetimes()
    sandbox_clean.client.clear_faults()


@pytest.fixture
def application(tempo, request):
    return tempo.client.create_oauth_application(request.node.name[:60], [REDIRECT_URI])


def flags(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def start(client, application) -> str:
    """Connect with OAuth 2.0 on the tab; returns the state sent to Tempo's consent page."""
    response = client.post(
        CONNECT,
        {
            "application_name": application["name"],
            "client_id": application["client_id"],
            "client_secret": application["client_secret"],
        },
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["redirect_uri"] == [REDIRECT_URI]
    return query["state"][0]


def connect(client, tempo, application) -> list[str]:
    state = start(client, application)
    code = tempo.client.oauth_authorize(application["client_id"], REDIRECT_URI)
    return flags(client.get(CALLBACK, {"code": code, "state": state}, follow=True))


def test_connect_then_the_sync_renews_an_expiring_token_and_reads_the_hours(
    admin_client, tempo, application
):
    tempo.client.oauth_lifetimes(access_seconds=3)
    assert connect(admin_client, tempo, application) == [sentences.ADDED]
    integration = TempoIntegration.current()
    first_access = integration.token()
    assert integration.is_oauth and integration.oauth_application_name == application["name"]

    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    for project in JiraProject.objects.all():
        ReportSettings.objects.update_or_create(project=project, defaults={"enabled": True})
    time.sleep(3.2)  # the access token has expired at Tempo
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert Worklog.objects.count() > 1000
    renewed = TempoIntegration.current()
    assert renewed.token() != first_access and renewed.is_active
    assert IntegrationEvent.objects.filter(kind="renewed").exists()
    # Rotation: the old access token no longer works at Tempo.
    with TempoClient(first_access, retry_budget=0) as old, pytest.raises(TempoAuthError):
        old.check_access()


def test_a_401_renews_once_and_check_now_says_accepted(admin_client, tempo, application):
    assert connect(admin_client, tempo, application) == [sentences.ADDED]
    # Tempo expires the token while the app still thinks it has 60 days.
    assert tempo.client.expire_oauth_tokens(application["client_id"]) == 1
    response = admin_client.post(reverse("tempo_integration:check"), follow=True)
    assert flags(response) == [CHECK_ACCEPTED]
    assert TempoIntegration.current().is_active
    assert IntegrationEvent.objects.filter(kind="renewed").count() == 1
    counts = tempo.client.oauth_token_counts(application["client_id"])
    assert counts["live"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_renewing_at_once_keep_the_connection(admin_client, tempo, application):
    assert connect(admin_client, tempo, application) == [sentences.ADDED]
    integration = TempoIntegration.current()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(oauth_renewal.renew(integration.pk, integration.credentials_version))
        except Exception as exc:  # noqa: BLE001 - reported below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(result, oauth_renewal.Access) for result in results), results
    assert results[0].token == results[1].token
    after = TempoIntegration.current()
    assert after.is_active and after.credentials_version == integration.credentials_version + 1
    assert IntegrationEvent.objects.filter(kind="renewed").count() == 1
    assert check_access(after)[0] == "accepted"


def test_deleting_the_application_turns_the_integration_invalid(admin_client, tempo, application):
    assert connect(admin_client, tempo, application) == [sentences.ADDED]
    tempo.client.delete_oauth_application(application["client_id"])
    outcome, _ = check_access(TempoIntegration.current(), retry_budget=0)
    assert outcome == "rejected"
    assert TempoIntegration.current().status == "invalid"
    page = admin_client.get(reverse("tempo_integration:tab")).content.decode()
    assert sentences.INVALID_TOKEN in page and sentences.OAUTH_RECONNECT in page
    with pytest.raises(TempoAuthError):
        open_client(TempoIntegration.current()).check_access()


def test_revoke_integration_revokes_the_tokens_at_tempo(admin_client, tempo, application):
    assert connect(admin_client, tempo, application) == [sentences.ADDED]
    assert tempo.client.oauth_token_counts(application["client_id"])["live"] == 1
    response = admin_client.post(reverse("tempo_integration:revoke"), follow=True)
    assert flags(response) == [sentences.REVOKED]
    assert tempo.client.oauth_token_counts(application["client_id"])["live"] == 0


def test_a_secret_changed_meanwhile_connects_nothing(admin_client, tempo, application):
    state = start(admin_client, application)
    code = tempo.client.oauth_authorize(application["client_id"], REDIRECT_URI)
    tempo.client.new_oauth_secret(application["client_id"])
    response = admin_client.get(CALLBACK, {"code": code, "state": state}, follow=True)
    assert flags(response) == [sentences.OAUTH_INVALID_CLIENT]
    assert not TempoIntegration.objects.exists()


def test_a_replayed_or_expired_code_connects_nothing(admin_client, tempo, application):
    state = start(admin_client, application)
    code = tempo.client.oauth_authorize(application["client_id"], REDIRECT_URI)
    assert flags(admin_client.get(CALLBACK, {"code": code, "state": state}, follow=True)) == [
        sentences.ADDED
    ]
    TempoIntegration.objects.all().delete()
    state = start(admin_client, application)
    response = admin_client.get(CALLBACK, {"code": code, "state": state}, follow=True)
    assert flags(response) == [sentences.OAUTH_INVALID_GRANT]
    assert not TempoIntegration.objects.exists()

    tempo.client.oauth_lifetimes(code_seconds=1)
    state = start(admin_client, application)
    code = tempo.client.oauth_authorize(application["client_id"], REDIRECT_URI)
    time.sleep(1.2)
    response = admin_client.get(CALLBACK, {"code": code, "state": state}, follow=True)
    assert flags(response) == [sentences.OAUTH_INVALID_GRANT]


def test_a_redirect_url_that_is_not_the_registered_one_connects_nothing(
    admin_client, tempo, request
):
    other = tempo.client.create_oauth_application(
        request.node.name[:60], ["https://elsewhere.example/callback"]
    )
    state = start(admin_client, other)
    # Tempo's consent page refuses the unregistered URL itself, so no code ever comes back
    # here; a code issued for another URL is refused at the token endpoint.
    code = tempo.client.oauth_authorize(other["client_id"], "https://elsewhere.example/callback")
    response = admin_client.get(CALLBACK, {"code": code, "state": state}, follow=True)
    assert flags(response) == [sentences.OAUTH_INVALID_GRANT]


@pytest.mark.parametrize("kind", ["503", "html", "slow"])
def test_the_token_endpoint_failing_connects_nothing(
    admin_client, tempo, application, settings, kind
):
    settings.HTTP_CALL_DEADLINE = 1
    state = start(admin_client, application)
    code = tempo.client.oauth_authorize(application["client_id"], REDIRECT_URI)
    tempo.client.add_fault("tempo_oauth", kind, count=100, retry_after=0, delay=2)
    response = admin_client.get(CALLBACK, {"code": code, "state": state}, follow=True)
    tempo.client.clear_faults()
    assert flags(response) == [sentences.OAUTH_UNREACHABLE]
    assert not TempoIntegration.objects.exists()
