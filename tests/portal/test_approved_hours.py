"""Hours shown to customers: only approved timesheets (Tempo) (docs/product.md §4.3, §5.2).

The world's worklogs are by agent-1; here the ones on ITSD-2 (2 h) and one on ITSD-1 (0.25 h)
await approval: never in a total, a row, the chart, the CSV or a contract's used hours; the
page says how many hours await approval.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import report_sentences
from portal.contracts import Contract, contract_usages, used_seconds_by_day
from portal.forms import ReportSettingsForm
from portal.models import ReportSettings
from portal.periods import Period
from portal.reports import build_report, hours_available, worklog_lines
from tempo_integration import approvals
from tempo_integration.models import ProjectSyncState, Worklog

from .conftest import THIS_MONTH, TODAY

URL = "/portal/ITSD/worklog-report/"
PENDING_NOTE = report_sentences.awaiting_approval(2 * 3600 + 900, "decimal")


@pytest.fixture
def approved_world(world):
    world.settings.hours_source = ReportSettings.HoursSource.TEMPO_APPROVED
    world.settings.save()
    Worklog.objects.update(approved=True)
    Worklog.objects.filter(tempo_id__in=[2, 3]).update(approved=False)  # 0.25 h + 2 h
    ProjectSyncState.objects.filter(project=world.project).update(
        approvals_synced_at=timezone.now()
    )
    return world


def test_the_setting_is_a_third_hours_source(world):
    form = ReportSettingsForm(instance=world.settings)
    labels = [label for _, label in form.fields["hours_source"].choices]
    assert "Billable hours of approved timesheets only (Tempo)" in labels
    world.settings.hours_source = ReportSettings.HoursSource.TEMPO_APPROVED
    assert world.settings.shows_tempo_hours and world.settings.approved_only


def test_pending_hours_are_in_no_total_and_shown_apart(approved_world, as_user):
    page = as_user("bob").get(URL).content.decode()
    # ITSD-1: 1.5 h approved (0.25 h pending); ITSD-2: all pending, so no row.
    assert "1.50 h" in page
    assert "VPN access for Bob" not in page
    assert PENDING_NOTE in page
    assert PENDING_NOTE.startswith("2.25 h awaiting approval")
    assert "approved billable hours" in page


def test_no_pending_line_when_everything_is_approved(approved_world, as_user):
    Worklog.objects.update(approved=True)
    page = as_user("bob").get(URL).content.decode()
    assert "awaiting approval" not in page
    assert "3.75 h" in page


def test_report_rows_chart_and_lines_exclude_pending(approved_world):
    world = approved_world
    requests = world.project.requests.all()
    period = Period(THIS_MONTH.replace(day=1), TODAY, "this_month")
    report = build_report(world.settings, requests, period)
    # 1.5 (ITSD-1) + 3 (ITSD-3) + 1 (ITSD-4) approved; 2.25 h pending.
    assert report.total_seconds == int(5.5 * 3600)
    assert sum(bar.seconds for bar in report.bars) == report.total_seconds
    assert report.pending_seconds == 2 * 3600 + 900
    lines = worklog_lines(world.settings, world.requests["ITSD-1"], period)
    assert [line.seconds for line in lines] == [5400]


def test_csv_leaves_pending_hours_out(approved_world, as_user):
    response = as_user("bob").get(URL, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:-1]] == ["ITSD-1"]
    assert rows[-1][0] == "Total" and rows[-1][-1] == "1.50"


def test_contract_used_hours_and_pace_exclude_pending(approved_world):
    world = approved_world
    contract = Contract.objects.create(
        project=world.project,
        type=Contract.Type.MONTHLY,
        start_date=THIS_MONTH.replace(day=1),
        end_date=THIS_MONTH.replace(month=12, day=31),
        hours=Decimal(40),
    )
    usage = contract_usages([contract], world.settings, TODAY)[contract.pk]
    assert usage.used_seconds == int(5.5 * 3600)
    by_day = used_seconds_by_day([contract], world.settings, [THIS_MONTH])[contract.pk]
    assert by_day == {THIS_MONTH: int(5.5 * 3600)}
    # Approving the rest moves it into used hours.
    Worklog.objects.update(approved=True)
    usage = contract_usages([contract], world.settings, TODAY)[contract.pk]
    assert usage.used_seconds == int(7.75 * 3600)


def test_query_count_is_constant_on_approved_timesheets(approved_world, as_user):
    client = as_user("alice")
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    request = approved_world.requests["ITSD-1"]
    Worklog.objects.bulk_create(
        Worklog(
            tempo_id=1000 + n,
            request=request,
            author_account_id="a",
            time_spent_seconds=60,
            billable_seconds=60,
            start_date=THIS_MONTH,
            tempo_updated_at=timezone.now(),
            approved=n % 2 == 0,
        )
        for n in range(300)
    )
    with CaptureQueriesContext(connection) as large:
        client.get(URL)
    assert len(large) == len(small)


def test_refused_approvals_make_the_hours_unavailable_not_zero(approved_world, as_user):
    ProjectSyncState.objects.filter(project=approved_world.project).update(
        approvals_problem="Tempo refused the timesheet approvals."
    )
    response = as_user("bob").get(URL)
    page = response.content.decode()
    assert report_sentences.APPROVALS_UNAVAILABLE_TITLE in page
    assert report_sentences.APPROVALS_UNAVAILABLE in page
    assert "0.00 h" not in page and "awaiting approval" not in page
    assert as_user("bob").get(URL, {"format": "csv"}).status_code == 503


def test_approvals_not_read_yet_are_unavailable_too(approved_world):
    settings = ReportSettings.objects.select_related("project__tempo_sync_state").get(
        pk=approved_world.settings.pk
    )
    assert hours_available(settings)
    ProjectSyncState.objects.update(approvals_synced_at=None)
    settings = ReportSettings.objects.select_related("project__tempo_sync_state").get(
        pk=approved_world.settings.pk
    )
    assert not hours_available(settings)


def test_choosing_the_setting_asks_the_next_sync_to_read_every_approval(world, admin_client):
    ProjectSyncState.objects.update(approvals_synced_at=timezone.now())
    data = {
        "enabled": "on",
        "hours_source": "tempo_approved",
        "visibility": "participants",
        "show_descriptions": "on",
        "time_format": "decimal",
        "rounding_minutes": "0",
    }
    response = admin_client.post("/configuration/projects/ITSD/", data)
    assert response.status_code == 302
    world.settings.refresh_from_db()
    assert world.settings.approved_only
    assert ProjectSyncState.objects.get().approvals_synced_at is None


def test_the_general_tab_says_why_approvals_are_missing(approved_world, admin_client):
    sentence = approvals.refused(approved_world.project)
    ProjectSyncState.objects.update(problem=sentence, approvals_problem=sentence)
    page = admin_client.get("/configuration/projects/ITSD/").content.decode()
    assert "Tempo refused the timesheet approvals of IT Service Desk (ITSD)" in page
    assert "(the token has no Approvals scope): approved-only hours cannot be shown." in page
