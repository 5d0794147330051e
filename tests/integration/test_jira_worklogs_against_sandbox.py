"""Hours customers can trust, against a real sandbox process: what real Jira does to worklogs.

A request of alice's in ITSD, on *Logged time (Jira)* with descriptions on, gets three Jira
worklogs in the sandbox (docs/outside-apis.md §6), and the customer's report page, worklog
lines and CSV are checked after a sync:

- restricted to a role (1800 s, "INTERNAL: customer on credit hold"): counted, shown as an
  internal worklog, its comment nowhere;
- started 2026-11-01 01:30 UTC by an agent in America/New_York: on 31 October, whether
  the sandbox writes `started` in UTC or in New York time (the API account's zone);
- a rich ADF comment (paragraph with a hard break, a bullet list, a mention, an emoji):
  its lines as the agent wrote them.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from jsm.models import JiraWorklog, Request
from portal.models import ReportSettings
from portal.reports import INTERNAL_WORKLOG
from sandbox.demo import catalog
from sync.models import SyncRun
from sync.runs import sync_jira
from tests.adf_examples import ISSUE_12_COMMENT

pytestmark = pytest.mark.integration

SECRET = "INTERNAL: customer on credit hold"
OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
REPORT = "/portal/ITSD/worklog-report/"
RICH = ISSUE_12_COMMENT


@pytest.fixture
def printer_request(fresh_sandbox, db):
    """alice's new ITSD request with the three worklogs, synced; ITSD on Jira hours."""
    control = fresh_sandbox.client
    created = control.create_request("ITSD", "Printer jams on tray 2", catalog.ALICE.email)
    key = created["key"]
    control.create_jira_worklog(
        key,
        1800,
        started="2026-10-20T10:00:00Z",
        comment=SECRET,
        visibility={"type": "role", "value": "Service Desk Team"},
    )
    control.set_jira_time_zone(catalog.CHIARA.email, "America/New_York")
    control.create_jira_worklog(
        key,
        3600,
        started="2026-11-01T01:30:00Z",
        comment="Night shift",
        author=catalog.CHIARA.email,
    )
    control.create_jira_worklog(key, 900, started="2026-10-21T10:00:00Z", comment=RICH)
    run = sync_jira()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    project = Request.objects.get(key=key).project
    ReportSettings.objects.update_or_create(
        project=project,
        defaults={
            "enabled": True,
            "hours_source": ReportSettings.HoursSource.JIRA_LOGGED,
            "show_descriptions": True,
        },
    )
    return key


@pytest.fixture
def alice():
    client = Client()
    client.force_login(get_user_model().objects.get(email=catalog.ALICE.email))
    return client


def csv_text(client, period) -> str:
    response = client.get(REPORT, {**period, "format": "csv"})
    assert response.status_code == 200
    return response.content.decode()


def csv_row(text: str, key: str) -> list[str]:
    return next(row for row in csv.reader(io.StringIO(text)) if row[0] == key)


def test_the_customer_sees_each_worklog_as_jira_means_it(printer_request, alice):
    key = printer_request
    report = alice.get(REPORT, OCTOBER).content.decode()
    lines = alice.get(f"{REPORT}{key}/", OCTOBER).content.decode()
    october = csv_text(alice, OCTOBER)

    # 1800 + 3600 + 900 s, all in October.
    assert key in report and "1.75 h" in report
    assert csv_row(october, key) == [key, "Printer jams on tray 2", "Waiting for support", "1.75"]
    # Restricted: counted, said so, never shown or exported.
    assert f'<em class="internal-worklog">{INTERNAL_WORKLOG}</em>' in lines
    for text in (report, lines, october):
        assert "credit hold" not in text
    # The worker's day: 21:30 on 31 October in New York.
    assert '<time datetime="2026-10-31">31 Oct 2026</time>' in lines and "Night shift" in lines
    assert key not in csv_text(alice, NOVEMBER)
    # The rich comment, line by line.
    assert (
        "Restarted spooler<br>Replaced toner<br>Tray 1<br>Tray 2<br>Checked with @Site Admin 👍"
    ) in lines


def test_the_day_does_not_depend_on_the_api_accounts_time_zone(
    printer_request, alice, fresh_sandbox
):
    """Jira writes `started` in the API account's zone: New York's now (-0400)."""
    fresh_sandbox.client.set_jira_time_zone(fresh_sandbox.jira_email, "America/New_York")
    try:
        again = sync_jira(full=True)
    finally:
        fresh_sandbox.client.set_jira_time_zone(fresh_sandbox.jira_email, "Etc/UTC")
    assert again.status == SyncRun.Status.SUCCEEDED, again.error

    night = JiraWorklog.objects.get(request__key=printer_request, time_spent_seconds=3600)
    assert str(night.start_date) == "2026-10-31"
    assert csv_row(csv_text(alice, OCTOBER), printer_request)[-1] == "1.75"
    assert printer_request not in csv_text(alice, NOVEMBER)
