"""Select project to configure, project configuration (General) and the Sync tab."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from jsm.models import JiraProject
from portal.models import ReportSettings
from sync.models import SyncRun
from sync.views import TEMPO_SKIPPED_NO_TOKEN
from tempo_integration import sentences as tempo_sentences
from tempo_integration.client import TempoRequestError
from tempo_integration.models import ProjectSyncState, TempoIntegration

SELECT = reverse("configuration_projects:select_project")
SYNC = reverse("sync:tab")
SYNC_NOW = reverse("sync:now")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def itsd(db):
    return JiraProject.objects.create(
        jira_id="10000", key="ITSD", name="IT Service Desk", service_desk_id="1"
    )


def configure_url(key: str) -> str:
    return reverse("configuration_projects:configure_project", args=[key])


def test_without_projects_says_so_and_offers_sync_now(admin_client):
    page = admin_client.get(SELECT).content.decode()
    assert "No Jira Service Management projects yet" in page
    assert f'action="{SYNC_NOW}"' in page and "Sync now" in page


def test_lists_projects_as_name_and_key(admin_client, itsd):
    page = admin_client.get(SELECT).content.decode()
    assert "Select Jira Service Management project" in page
    assert '<option value="ITSD">IT Service Desk (ITSD)</option>' in page
    assert "Go to project" in page


def test_go_to_project_redirects_to_its_page(admin_client, itsd):
    response = admin_client.get(SELECT, {"project": "ITSD"})
    assert response["Location"] == configure_url("ITSD")


def test_go_to_an_unknown_project_is_refused(admin_client, itsd):
    response = admin_client.get(SELECT, {"project": "NOPE"}, follow=True)
    assert messages_of(response) == ["Choose one of the listed projects."]


@pytest.mark.parametrize("key", ["NOPE", "itsd", "IT SD", "PLAT", "<b>", "ITSD%00"])
def test_unknown_or_odd_keys_are_404(admin_client, itsd, key):
    assert admin_client.get(f"/configuration/projects/{key}/").status_code == 404


def test_general_tab_shows_every_setting_with_defaults(admin_client, itsd):
    page = admin_client.get(configure_url("ITSD")).content.decode()
    for label in [
        "Enable Worklog Report",
        "Hours shown to customers",
        "Billable hours (Tempo)",
        "Logged time (Jira)",
        "Requests customers see",
        "Requests they raised or take part in",
        "Also requests shared with their organizations",
        "Show worklog descriptions",
        "Show worker names",
        "Decimal hours (1.50 h)",
        "Hours and minutes (1h 30m)",
        "Round each worklog up to",
        "Go to Customer Portal",
    ]:
        assert label in page, label
    settings = ReportSettings.objects.get(project=itsd)
    assert not settings.enabled and settings.show_descriptions and not settings.show_worker_names


def test_saving_settings_flags_success_and_persists(admin_client, itsd):
    response = admin_client.post(
        configure_url("ITSD"),
        {
            "enabled": "on",
            "hours_source": "jira_logged",
            "visibility": "organizations",
            "show_worker_names": "on",
            "time_format": "hours_minutes",
            "rounding_minutes": "15",
        },
        follow=True,
    )
    assert messages_of(response) == ["Settings saved."]
    settings = ReportSettings.objects.get(project=itsd)
    assert settings.enabled and settings.hours_source == "jira_logged"
    assert settings.visibility == "organizations" and not settings.show_descriptions
    assert settings.show_worker_names and settings.rounding_minutes == 15


@pytest.mark.parametrize(
    "field,value", [("rounding_minutes", "7"), ("hours_source", "guess"), ("time_format", "")]
)
def test_invalid_values_save_nothing(admin_client, itsd, field, value):
    data = {
        "hours_source": "tempo_billable",
        "visibility": "participants",
        "time_format": "decimal",
        "rounding_minutes": "0",
        field: value,
    }
    response = admin_client.post(configure_url("ITSD"), data)
    assert response.status_code == 400
    assert b"field-error" in response.content
    assert ReportSettings.objects.get(project=itsd).rounding_minutes == 0
    assert ReportSettings.objects.get(project=itsd).hours_source == "tempo_billable"


def test_invalid_token_message_when_tempo_hours_and_no_token(admin_client, itsd, admin_user):
    page = admin_client.get(configure_url("ITSD")).content.decode()
    assert tempo_sentences.INVALID_TOKEN in page
    TempoIntegration.store("Zq3tL9xVb7RkP2mW5yH8cN4dF6gJ1sA0", admin_user)
    assert (
        tempo_sentences.INVALID_TOKEN
        not in admin_client.get(configure_url("ITSD")).content.decode()
    )
    TempoIntegration.current().mark_invalid("test")
    assert tempo_sentences.INVALID_TOKEN in admin_client.get(configure_url("ITSD")).content.decode()


def test_no_token_message_when_the_project_shows_jira_time(admin_client, itsd):
    ReportSettings.objects.create(project=itsd, hours_source="jira_logged")
    assert (
        tempo_sentences.INVALID_TOKEN
        not in admin_client.get(configure_url("ITSD")).content.decode()
    )


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", SELECT),
        ("get", "/configuration/projects/ITSD/"),
        ("post", "/configuration/projects/ITSD/"),
        ("get", SYNC),
        ("post", SYNC_NOW),
    ],
)
def test_customer_gets_403_everywhere(alice_client, itsd, method, url):
    assert getattr(alice_client, method)(url).status_code == 403


def test_sync_tab_without_runs(admin_client):
    page = admin_client.get(SYNC).content.decode()
    assert "No sync has run yet" in page and "Sync now" in page
    # Jira has not run yet; Tempo, without a token, is skipped and says why.
    assert page.count("Has not run yet.") == 1
    assert TEMPO_SKIPPED_NO_TOKEN in page


def test_sync_tab_shows_runs_with_counts_and_errors(admin_client):
    SyncRun.objects.create(
        kind="jira", status="failed", error="Jira rejected the e-mail address and API token."
    )
    SyncRun.objects.create(
        kind="jira",
        status="succeeded",
        counts={"projects": 2, "requests": 300, "requests_removed": 0},
    )
    page = admin_client.get(SYNC).content.decode()
    assert "2 projects, 300 requests" in page
    assert "Jira rejected the e-mail address and API token." in page


def test_run_summaries_say_one_in_the_singular():
    run = SyncRun(
        counts={"projects": 1, "requests": 0, "requests_removed": 1, "jira_worklogs": 1},
        requests_made=1,
    )
    assert run.summary == "1 project, 0 requests, 1 request removed, 1 Jira worklog; 1 API call"


def test_sync_now_get_is_405(admin_client):
    assert admin_client.get(SYNC_NOW).status_code == 405


def test_sync_now_runs_a_sync_and_reports_back(admin_client, settings):
    settings.JIRA_BASE_URL = ""  # the immediate backend runs it here; it fails in words
    response = admin_client.post(SYNC_NOW, {"next": SELECT}, follow=True)
    assert response.redirect_chain[-1][0] == SELECT
    assert messages_of(response) == [
        "Sync started. The results appear on the Sync tab when it ends."
    ]
    run = SyncRun.objects.get()
    assert run.status == "failed" and "JIRA_BASE_URL" in run.error


def test_sync_now_while_one_runs_says_so(admin_client):
    from sync.locks import sync_lock

    with sync_lock("jira"):
        response = admin_client.post(SYNC_NOW, follow=True)
    assert messages_of(response) == [
        "A sync is already running. Its results appear on the Sync tab when it ends."
    ]
    assert not SyncRun.objects.exists()


def test_sync_now_ignores_an_offsite_next(admin_client, settings):
    settings.JIRA_BASE_URL = ""
    response = admin_client.post(SYNC_NOW, {"next": "https://evil.example/"})
    assert response["Location"] == SYNC


def _task_left_running(started_minutes_ago: int):
    from django_tasks_db.models import DBTaskResult

    from sync.tasks import sync_everything

    started = timezone.now() - dt.timedelta(minutes=started_minutes_ago)
    return DBTaskResult.objects.create(
        task_path=sync_everything.module_path,
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=started,
        started_at=started,
        exception_class_path="",
        traceback="",
    )


def test_sync_now_is_not_blocked_for_ever_by_the_task_of_a_killed_worker(admin_client, settings):
    """A worker killed mid-task leaves its task "running"; with no lock held and the lease
    long over, it is dead and Sync now queues a new sync."""
    settings.JIRA_BASE_URL = ""
    _task_left_running(started_minutes_ago=60)
    response = admin_client.post(SYNC_NOW, follow=True)
    assert messages_of(response) == [
        "Sync started. The results appear on the Sync tab when it ends."
    ]
    assert SyncRun.objects.count() == 1


def test_sync_now_right_after_the_worker_picked_up_a_sync_says_it_runs(admin_client):
    _task_left_running(started_minutes_ago=0)  # not yet holding the lock
    response = admin_client.post(SYNC_NOW, follow=True)
    assert messages_of(response) == [
        "A sync is already running. Its results appear on the Sync tab when it ends."
    ]
    assert not SyncRun.objects.exists()


def test_a_project_jira_no_longer_lists_is_flagged_where_admins_look(admin_client, itsd):
    itsd.missing_since = timezone.now()
    itsd.save()
    title = "Jira no longer lists IT Service Desk (ITSD)"
    for url in (SYNC, configure_url("ITSD")):
        page = admin_client.get(url).content.decode()
        assert title in page and "the next sync then removes it" in page, url
    select = admin_client.get(SELECT).content.decode()
    assert "IT Service Desk (ITSD) — no longer listed by Jira" in select
    JiraProject.objects.filter(pk=itsd.pk).update(missing_since=None)
    assert title not in admin_client.get(SYNC).content.decode()


def test_a_project_the_last_sync_could_not_read_is_flagged_where_admins_look(admin_client, itsd):
    problem = tempo_sentences.project_unreadable(
        itsd, TempoRequestError(404, "Project cannot be found in the system")
    )
    ProjectSyncState.objects.create(project=itsd, problem=problem, problem_since=timezone.now())
    SyncRun.objects.create(kind="tempo", status="partly", error=problem, counts={"projects": 1})
    title = "The last sync could not read IT Service Desk (ITSD)"
    for url in (SYNC, configure_url("ITSD")):
        page = admin_client.get(url).content.decode()
        assert title in page and "Tempo cannot read IT Service Desk (ITSD) yet" in page, url
    assert "Partly succeeded" in admin_client.get(SYNC).content.decode()
    ProjectSyncState.objects.update(problem="")
    assert title not in admin_client.get(SYNC).content.decode()
