"""The Sync tab tells what is true now: progress without a reload, a skipped Tempo sync and
why, readable counts and durations (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jsm.models import Organization
from sync.locks import sync_lock
from sync.models import SyncRun
from sync.views import TEMPO_SKIPPED_INVALID, TEMPO_SKIPPED_NO_TOKEN
from tempo_integration.models import TempoIntegration

SYNC = reverse("sync:tab")
STATUS = reverse("sync:status")
TOKEN = "Zq3tL9xVb7RkP2mW5yH8cN4dF6gJ1sA0-us"


@pytest.fixture
def token(admin_user):
    return TempoIntegration.store(TOKEN, admin_user)


def finished(kind: str, seconds: float = 2.0, **fields) -> SyncRun:
    run = SyncRun.objects.create(kind=kind, **fields)
    SyncRun.objects.filter(pk=run.pk).update(
        finished_at=run.started_at + dt.timedelta(seconds=seconds)
    )
    return SyncRun.objects.get(pk=run.pk)


def test_status_while_a_sync_runs(admin_client, token):
    SyncRun.objects.create(kind="jira")
    with sync_lock("jira"):
        status = admin_client.get(STATUS).json()
        page = admin_client.get(SYNC).content.decode()
    assert (status["pending"], status["jira"], status["tempo"]) == (True, "running", None)
    assert "A sync is running now." in status["html"]
    assert "Running since" in status["html"]
    # Without JavaScript the page asks for a reload; with it, live_status.js polls.
    assert "Reload this page to see its result." in page
    assert 'data-pending="true"' in page
    assert f'data-status-url="{STATUS}"' in page
    assert '<script src="/static/js/live_status.js" defer></script>' in page


def test_status_once_the_sync_finished(admin_client, token):
    finished("jira", status="succeeded", counts={"projects": 2, "requests": 1160})
    finished("tempo", status="succeeded", counts={"projects": 1, "worklogs": 1160})
    status = admin_client.get(STATUS).json()
    assert (status["pending"], status["jira"], status["tempo"]) == (False, "succeeded", "succeeded")
    assert status["tempo_skipped"] is None
    assert "A sync is" not in status["html"]
    assert "2 projects, 1,160 requests" in status["html"]
    assert "1 project, 1,160 worklogs" in status["html"]
    page = admin_client.get(SYNC).content.decode()
    assert 'data-pending="false"' in page


def test_status_says_tempo_was_skipped_without_a_token(admin_client):
    finished("jira", status="succeeded", counts={"projects": 1})
    status = admin_client.get(STATUS).json()
    assert (status["jira"], status["tempo"]) == ("succeeded", "skipped")
    assert status["tempo_skipped"] == TEMPO_SKIPPED_NO_TOKEN
    assert TEMPO_SKIPPED_NO_TOKEN in status["html"]


def test_sync_tab_says_tempo_is_skipped_with_an_invalid_token(admin_client, token):
    finished("tempo", status="succeeded", counts={"projects": 1, "worklogs": 3})
    token.mark_invalid("test")
    page = admin_client.get(SYNC).content.decode()
    assert TEMPO_SKIPPED_INVALID in page
    assert '<span class="lozenge skipped">Skipped</span>' in page
    assert "Its last run" in page  # the earlier run stays visible below the reason


def test_sync_now_with_an_invalid_token_says_why_tempo_was_skipped(admin_client, token, settings):
    settings.JIRA_BASE_URL = ""  # the immediate backend runs it here; Jira fails in words
    token.mark_invalid("test")
    response = admin_client.post(reverse("sync:now"), follow=True)
    assert SyncRun.objects.filter(kind="tempo").count() == 0
    assert TEMPO_SKIPPED_INVALID in response.content.decode()


def test_status_is_staff_only(client, alice_client):
    assert alice_client.get(STATUS).status_code == 403
    response = client.logout() or client.get(STATUS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_status_post_is_405(admin_client):
    assert admin_client.post(STATUS).status_code == 405


def test_durations_read_naturally(admin_client, token):
    finished("jira", seconds=0.01, status="succeeded", counts={"projects": 0})
    page = admin_client.get(SYNC).content.decode()
    assert "took under 0.1 s" in page and "0.0 s" not in page
    assert "just now</time>" in page and "0 minutes ago" not in page


def test_local_data_counts_have_thousands_separators(admin_client, token):
    Organization.objects.bulk_create(
        Organization(jira_id=str(n), name=f"Org {n}") for n in range(1160)
    )
    page = admin_client.get(SYNC).content.decode()
    assert "<dt>Organizations</dt><dd>1,160</dd>" in page


def test_dates_use_one_format(admin_client, token):
    run = finished("jira", status="succeeded", counts={"projects": 0})
    when = timezone.localtime(run.started_at).strftime("%-d %b %Y, %H:%M")
    page = admin_client.get(SYNC).content.decode()
    assert f">{when}</time>" in page


def test_summary_uses_thousands_separators():
    run = SyncRun(counts={"projects": 3, "worklogs": 1160}, requests_made=1234)
    assert run.summary == "3 projects, 1,160 worklogs; 1,234 API calls"
