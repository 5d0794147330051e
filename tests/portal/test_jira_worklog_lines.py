"""Jira worklog lines in the report: internal (restricted) worklogs and multi-line comments.

The world (conftest.py) has one public Jira worklog of 10,000 s on ITSD-1; these tests add
an internal one of 1,800 s (the issue's example) on the same request.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from jsm.models import JiraWorklog
from portal.models import ReportSettings
from portal.reports import INTERNAL_WORKLOG

from .conftest import THIS_MONTH

URL = "/portal/ITSD/worklog-report/"
SECRET = "INTERNAL: customer on credit hold"


@pytest.fixture
def jira_hours(world):
    world.settings.hours_source = ReportSettings.HoursSource.JIRA_LOGGED
    world.settings.show_descriptions = True
    world.settings.save()
    return world


def jira_worklog(world, jira_id: str, seconds: int, description: str = "", internal=False):
    return JiraWorklog.objects.create(
        jira_id=jira_id,
        request=world.requests["ITSD-1"],
        author_account_id="agent-1",
        time_spent_seconds=seconds,
        start_date=THIS_MONTH,
        description=description,
        internal=internal,
        jira_updated_at=timezone.now(),
    )


def test_an_internal_worklog_counts_and_says_so(jira_hours, as_user):
    jira_worklog(jira_hours, "901", 1800, internal=True)  # as the sync stores it
    alice = as_user("alice")

    report = alice.get(URL).content.decode()
    lines = alice.get(f"{URL}ITSD-1/").content.decode()
    rows = list(csv.reader(io.StringIO(alice.get(URL, {"format": "csv"}).content.decode())))

    assert "3.28 h" in report  # 10,000 s + 1,800 s
    assert f'<em class="internal-worklog">{INTERNAL_WORKLOG}</em>' in lines
    assert "0.50 h" in lines and "Jira time" in lines
    assert rows[1] == ["ITSD-1", "Laptop will not boot", "In Progress", "3.28"]
    assert rows[-1][-1] == "3.28"


def test_an_internal_worklog_never_shows_a_stored_comment(jira_hours, as_user):
    """The sync keeps no comment of an internal worklog; the page does not rely on that."""
    jira_worklog(jira_hours, "901", 1800, description=SECRET, internal=True)
    alice = as_user("alice")
    for response in (
        alice.get(URL),
        alice.get(f"{URL}ITSD-1/"),
        alice.get(f"{URL}ITSD-1/", headers={"X-Requested-With": "fetch"}),
        alice.get(URL, {"format": "csv"}),
    ):
        assert response.status_code == 200
        assert "credit hold" not in response.content.decode()


def test_without_descriptions_an_internal_line_shows_only_date_and_hours(jira_hours, as_user):
    jira_worklog(jira_hours, "901", 1800, internal=True)
    jira_hours.settings.show_descriptions = False
    jira_hours.settings.save()
    lines = as_user("alice").get(f"{URL}ITSD-1/").content.decode()
    assert "0.50 h" in lines and INTERNAL_WORKLOG not in lines and "Jira time" not in lines


def test_a_comment_of_several_lines_keeps_its_lines(jira_hours, as_user):
    jira_worklog(jira_hours, "902", 900, description="Restarted spooler\nReplaced <toner>")
    lines = as_user("alice").get(f"{URL}ITSD-1/").content.decode()
    assert "Restarted spooler<br>Replaced &lt;toner&gt;" in lines
