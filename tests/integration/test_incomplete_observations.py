"""What real Jira and Tempo do that a first sync never shows (issue 12 §1, §2), against a
real sandbox process: a search that leaves a request out once, a request moved to another
project, and a project Tempo cannot read yet. Checked where customers and admins look:
the report page, its CSV, the Sync tab and the project's page.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from jsm.models import JiraProject, JiraWorklog, Request
from portal.models import ReportSettings
from sync.models import SyncRun
from sync.runs import sync_jira, sync_tempo
from tempo_integration.models import TempoIntegration, Worklog

pytestmark = pytest.mark.integration

SEPTEMBER = "from=2026-09-01&to=2026-09-30&scope=mine"


@pytest.fixture
def sandbox(fresh_sandbox, admin_user):
    TempoIntegration.store(fresh_sandbox.client.mint_token(full=True), admin_user)
    return fresh_sandbox.client


def enable_all() -> None:
    for project in JiraProject.objects.all():
        ReportSettings.objects.update_or_create(project=project, defaults={"enabled": True})


def alice() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(email="alice@acme.example"))
    return client


def csv_hours(project_key: str, query: str = SEPTEMBER) -> dict[str, str]:
    """Request key → hours, and "Total", from the customer's CSV."""
    response = alice().get(f"/portal/{project_key}/worklog-report/?{query}&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {row[0]: row[3] for row in rows[1:]}


def page(project_key: str, query: str = SEPTEMBER) -> str:
    response = alice().get(f"/portal/{project_key}/worklog-report/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def request_with_hours(sandbox, project: str, summary: str, seconds: int) -> dict:
    """A request of alice's with Tempo hours logged (and last edited) in September."""
    issue = sandbox.create_request(project, summary, "alice@acme.example")
    sandbox.create_tempo_worklog(
        issue["key"], seconds, start_date="2026-09-14", updated="2026-09-14T12:00:00Z"
    )
    return issue


def test_request_missing_from_one_search_keeps_its_hours_throughout(sandbox):
    itsd1 = request_with_hours(sandbox, "ITSD", "Printer jams", 7200)  # "ITSD-1": 2 h
    itsd2 = request_with_hours(sandbox, "ITSD", "Scanner", 3600)  # "ITSD-2": 1 h
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    enable_all()
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    assert csv_hours("ITSD")[itsd1["key"]] == "2.00" and csv_hours("ITSD")[itsd2["key"]] == "1.00"

    sandbox.switch_on("search_omits_issue", itsd1["key"], count=1)
    assert sync_jira().status == SyncRun.Status.SUCCEEDED  # the run whose search leaves it out
    for _ in range(2):
        assert sync_tempo().status == SyncRun.Status.SUCCEEDED  # the usual incremental read
        assert csv_hours("ITSD")[itsd1["key"]] == "2.00"
        assert itsd1["key"] in page("ITSD")
        assert sync_jira().status == SyncRun.Status.SUCCEEDED  # the next run returns it
    assert Request.objects.get(jira_id=itsd1["id"]).missing_since is None


@pytest.mark.parametrize("old,new", [("SUP", "ITSD"), ("ITSD", "SUP")])
def test_moved_request_shows_its_hours_straight_after_the_sync(sandbox, old, new):
    """SUP ("Customer Support") is synced before ITSD ("IT Service Desk"): both orders."""
    moved = request_with_hours(sandbox, old, "Laptop swap", 7200)
    sandbox.create_jira_worklog(moved["key"], 1800, started="2026-09-15T09:00:00Z")
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    enable_all()
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    jira_worklogs = JiraWorklog.objects.filter(request__jira_id=moved["id"]).count()
    assert jira_worklogs == 1

    new_key = sandbox.move_request(moved["key"], new)["key"]
    assert new_key.startswith(f"{new}-")
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED  # incremental

    assert csv_hours(new)[new_key] == "2.00"
    assert moved["key"] not in csv_hours(old)
    assert JiraWorklog.objects.filter(request__jira_id=moved["id"]).count() == jira_worklogs
    ReportSettings.objects.filter(project__key=new).update(
        hours_source=ReportSettings.HoursSource.JIRA_LOGGED
    )
    assert csv_hours(new)[new_key] == "0.50"  # its Jira worklog followed it too


def test_project_tempo_cannot_read_yet_does_not_stop_the_others(sandbox):
    sup = request_with_hours(sandbox, "SUP", "Password reset", 3600)
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    enable_all()
    sandbox.switch_on("tempo_project_not_found", "ITSD", count=None)

    run = sync_tempo()

    assert run.status == SyncRun.Status.PARTLY
    assert not Worklog.objects.filter(request__project__key="ITSD").exists()
    assert Worklog.objects.filter(request__project__key="SUP").exists()
    assert csv_hours("SUP")[sup["key"]] == "1.00"
    sentence = (
        "Tempo cannot read IT Service Desk (ITSD) yet: Tempo refused the request (404): "
        "Project cannot be found in the system. Tempo can take a while to catch up with a new "
        "project's permissions, and does not show a project whose worklogs the token's user "
        "may not view; its last synced worklogs are kept and the next run tries again."
    )
    assert run.error == sentence
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    for url in ("/configuration/sync/", "/configuration/projects/ITSD/"):
        assert sentence.replace("'", "&#x27;") in admin.get(url).content.decode(), url

    sandbox.switch_off()
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    assert Worklog.objects.filter(request__project__key="ITSD").exists()
    flag = "The last sync could not read IT Service Desk (ITSD)"
    assert flag not in admin.get("/configuration/sync/").content.decode()


def test_request_back_in_a_jsm_project_shows_its_hours_at_once(sandbox):
    """Moved to a software project (removed here: no longer a request), then back: its
    worklogs, last edited in September, are read directly the next time."""
    itsd = request_with_hours(sandbox, "ITSD", "Badge reader", 7200)
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    enable_all()
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED

    sandbox.move_request(itsd["key"], "PLAT")
    assert sync_jira().counts["requests_removed"] == 1
    back = sandbox.move_request(itsd["id"], "ITSD")["key"]
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED  # incremental

    assert csv_hours("ITSD")[back] == "2.00"


def test_jira_project_the_account_lost_does_not_stop_the_others(sandbox):
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    itsd_before = Request.objects.filter(project__key="ITSD").count()
    new_in_sup = sandbox.create_request("SUP", "Monitor flickers", "alice@acme.example")
    sandbox.switch_on("jira_project_forbidden", "ITSD", count=None)

    run = sync_jira()

    assert run.status == SyncRun.Status.PARTLY
    assert Request.objects.filter(jira_id=new_in_sup["id"]).exists()
    assert Request.objects.filter(project__key="ITSD").count() == itsd_before
    sentence = (
        "Jira could not be read for IT Service Desk (ITSD): Jira refused access (403): You do "
        "not have permission to perform this action. Its last synced requests are kept; the "
        "next run tries again."
    )
    assert run.error == sentence
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    for url in ("/configuration/sync/", "/configuration/projects/ITSD/"):
        assert sentence in admin.get(url).content.decode(), url

    sandbox.switch_off()
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    assert JiraProject.objects.get(key="ITSD").sync_problem == ""
