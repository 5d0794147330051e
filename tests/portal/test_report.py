"""The Worklog Report page: hours, settings, periods, chart, CSV and bad input."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sync.models import SyncRun
from tempo_integration.models import Worklog

from .conftest import THIS_MONTH

URL = "/portal/ITSD/worklog-report/"


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_bob_sees_billable_hours_and_the_total(world, as_user):
    page = as_user("bob").get(URL).content.decode()
    assert "1.75 h" in page  # ITSD-1: 1.5 h + 0.25 h billable (2 h logged, 0.5 h not billable)
    assert "2.00 h" in page  # ITSD-2
    assert "3.75 h" in page  # total


def test_csv_has_the_same_rows_and_total(world, as_user):
    rows = csv_rows(as_user("bob").get(URL, {"format": "csv"}))
    assert rows[1:3] == [
        ["ITSD-2", "VPN access for Bob", "In Progress", "2.00"],
        ["ITSD-1", "Laptop will not boot", "In Progress", "1.75"],
    ]
    assert rows[-1][0] == "Total" and rows[-1][-1] == "3.75"


def test_csv_opens_in_excel_with_its_umlauts_and_dashes(world, as_user):
    """A UTF-8 byte-order mark first, so Excel on Windows does not read the file as ANSI."""
    world.requests["ITSD-2"].summary = "Überprüfung Drucker – Büro Zürich"
    world.requests["ITSD-2"].save()
    response = as_user("bob").get(URL, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    assert rows[0] == ["Request", "Summary", "Status", "Hours"]
    assert rows[1] == ["ITSD-2", "Überprüfung Drucker – Büro Zürich", "In Progress", "2.00"]


def test_csv_cells_cannot_be_formulas(world, as_user):
    world.requests["ITSD-2"].summary = '=HYPERLINK("http://evil")'
    world.requests["ITSD-2"].save()
    rows = csv_rows(as_user("bob").get(URL, {"format": "csv"}))
    assert rows[1][1].startswith("'=")


def test_rounding_is_per_worklog_before_adding_up(world, as_user):
    world.settings.rounding_minutes = 60
    world.settings.save()
    page = as_user("alice").get(URL).content.decode()
    assert "3.00 h" in page  # 1.5 h -> 2 h and 0.25 h -> 1 h; the 0 h worklog stays 0


def test_hours_and_minutes_format(world, as_user):
    world.settings.time_format = "hours_minutes"
    world.settings.save()
    page = as_user("alice").get(URL).content.decode()
    assert "1h 45m" in page


def test_logged_time_from_jira(world, as_user):
    world.settings.hours_source = "jira_logged"
    world.settings.save()
    page = as_user("alice").get(URL).content.decode()
    assert "2.78 h" in page  # 10,000 s from the Jira worklog


def test_worklog_lines_follow_the_description_and_worker_settings(world, as_user):
    client = as_user("alice")
    page = client.get(f"{URL}ITSD-1/").content.decode()
    assert "Work item 1" in page and "Agent Smith" not in page
    world.settings.show_descriptions = False
    world.settings.show_worker_names = True
    world.settings.save()
    page = client.get(f"{URL}ITSD-1/", headers={"X-Requested-With": "fetch"}).content.decode()
    assert "Work item 1" not in page and "Agent Smith" in page
    assert "<html" not in page  # a fragment for the table


def test_periods_presets_and_custom(world, as_user):
    client = as_user("alice")
    year_ago = THIS_MONTH.replace(year=THIS_MONTH.year - 1)
    page = client.get(URL, {"from": year_ago.isoformat(), "to": THIS_MONTH.isoformat()})
    assert "5.75 h" in page.content.decode()  # 4 h last year + 1.75 h this month
    assert "1.75 h" in client.get(URL, {"period": "this_month"}).content.decode()


@pytest.mark.parametrize(
    "params,message",
    [
        ({"from": "2026-13-01", "to": "2026-12-01"}, "Enter both dates as YYYY-MM-DD"),
        ({"from": "yesterday", "to": "2026-12-01"}, "Enter both dates as YYYY-MM-DD"),
        ({"from": "2026-05-01"}, "Enter both dates as YYYY-MM-DD"),
        ({"from": "2026-06-01", "to": "2026-05-01"}, "start date is after the end date"),
        ({"from": "2015-01-01", "to": "2026-01-01"}, "at most 5 years"),
    ],
)
def test_bad_dates_fall_back_to_this_month_with_a_message(world, as_user, params, message):
    response = as_user("alice").get(URL, params)
    assert response.status_code == 200
    (flag,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message in flag
    assert "1.75 h" in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"scope": "everything"}, {"format": "xlsx"}, {"period": "ever"}]
)
def test_unknown_values_get_sensible_defaults(world, as_user, params):
    response = as_user("alice").get(URL, params)
    assert response.status_code == 200 and "1.75 h" in response.content.decode()


def test_chart_is_server_rendered_svg_per_day_for_a_month(world, as_user):
    page = as_user("alice").get(URL).content.decode()
    assert '<svg width="100%" height="220" role="img"' in page
    assert "Hours per day" in page
    page = as_user("alice").get(URL, {"period": "this_year"}).content.decode()
    assert "Hours per month" in page


def test_updated_time_from_the_last_successful_sync(world, as_user):
    client = as_user("alice")
    assert "Not synced yet" in client.get(URL).content.decode()
    SyncRun.objects.create(kind="tempo", status="succeeded", finished_at=timezone.now())
    assert "Updated <time" in client.get(URL).content.decode()


def test_query_count_does_not_depend_on_data_size(world, as_user):
    client = as_user("alice")
    client.get(URL)  # warm up the session
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    request = world.requests["ITSD-1"]
    Worklog.objects.bulk_create(
        Worklog(
            tempo_id=1000 + n,
            request=request,
            author_account_id="a",
            time_spent_seconds=60,
            billable_seconds=60,
            start_date=THIS_MONTH,
            tempo_updated_at=timezone.now(),
        )
        for n in range(300)
    )
    with CaptureQueriesContext(connection) as large:
        client.get(URL)
    assert len(large) == len(small)


def test_staff_preview_sees_every_request_with_a_banner(world, admin_client):
    page = admin_client.get(URL).content.decode()
    assert "previewing as an administrator" in page
    assert "7.75 h" in page  # 1.75 + 2 + 3 + 1: every request of the project


@pytest.mark.parametrize(
    "params,wrong,right",
    [
        ({"from": "yesterday", "to": "2026-12-01"}, "from", "to"),
        ({"from": "2026-05-01", "to": ""}, "to", "from"),
        ({"from": "2026-06-01", "to": "2026-05-01"}, "to", "from"),
        ({"from": "2015-01-01", "to": "2026-01-01"}, "from", "to"),
    ],
)
def test_bad_custom_period_keeps_the_typed_dates_and_marks_the_wrong_one(
    world, as_user, params, wrong, right
):
    page = as_user("alice").get(URL, params).content.decode()
    assert f'name="from" id="period-from" value="{params["from"]}"' in page
    assert f'name="to" id="period-to" value="{params["to"]}"' in page
    assert (
        f'id="period-{wrong}" value="{params[wrong]}" required aria-invalid="true" '
        f'aria-describedby="period-{wrong}-error">' in page
    )
    assert f'<p class="field-error" id="period-{wrong}-error">' in page
    assert f'id="period-{right}" value="{params[right]}" required>' in page
    assert f'id="period-{right}-error"' not in page


def test_good_custom_period_shows_its_dates_unmarked(world, as_user):
    page = as_user("alice").get(URL, {"from": "2025-02-01", "to": "2025-03-31"}).content.decode()
    assert 'id="period-from" value="2025-02-01" required>' in page
    assert 'id="period-to" value="2025-03-31" required>' in page
    assert "aria-invalid" not in page
    assert 'class="preset active" href="#custom-period" data-focus="period-from"' in page


def test_custom_preset_leads_to_the_dates(world, as_user):
    page = as_user("alice").get(URL).content.decode()
    assert '<a class="preset" href="#custom-period" data-focus="period-from">Custom</a>' in page
    assert '<div class="custom-dates" id="custom-period" role="group"' in page


def test_empty_report_suggests_this_year_for_a_shorter_period(world, as_user):
    page = as_user("alice").get(URL, {"from": "2001-01-01", "to": "2001-01-31"}).content.decode()
    assert "No hours in this period" in page
    assert 'Try a longer period, such as <a href="?scope=mine&amp;period=this_year">' in page


@pytest.mark.parametrize(
    "params",
    [{"period": "this_year"}, {"from": "2001-01-01", "to": "2002-12-31"}],
)
def test_empty_report_does_not_suggest_the_period_it_shows(world, as_user, params):
    Worklog.objects.all().delete()
    page = as_user("alice").get(URL, params).content.decode()
    assert "No hours in this period" in page
    assert "Try a longer period" not in page
    assert 'Try earlier dates under <a href="#custom-period" data-focus="period-from">' in page
