"""The report is computed once per change of the data and per group of viewers
(portal.report_cache, docs/product.md §8); the next change shows on the next page."""

from __future__ import annotations

import datetime as dt
import pickle
import zlib
from dataclasses import fields

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jsm.models import JiraProject
from portal import report_cache, reports
from portal.models import ReportSettings
from portal.periods import Period, preset_period
from portal.visibility import MINE, ORGANIZATION
from sync.models import SyncRun
from tempo_integration.models import TempoIntegration, Worklog

from .conftest import THIS_MONTH, TODAY
from .test_contract_usage_cache import ANNOUNCEMENTS, _bulk_worklogs

URL = "/portal/ITSD/worklog-report/"
ORG_URL = URL + "?scope=organization"
WORKLOGS = "tempo_integration_worklog"


@pytest.fixture
def shared(world):
    world.settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    world.settings.save()
    return world


def _worklog_reads(queries) -> int:
    return sum(1 for q in queries.captured_queries if WORKLOGS in q["sql"])


def _total(client, url: str = URL) -> str:
    page = client.get(url).content.decode()
    return page.split('<p class="total">', 1)[1].split("</p>", 1)[0]


def test_a_second_view_reads_no_worklog(world, as_user):
    client = as_user("alice")
    with CaptureQueriesContext(connection) as first:
        assert _total(client) == "1.75 h"
    with CaptureQueriesContext(connection) as second:
        assert _total(client) == "1.75 h"
    assert _worklog_reads(first) == 1
    assert _worklog_reads(second) == 0
    assert len(second) < len(first)


def test_a_worklog_saved_shows_on_the_next_view(world, as_user):
    client = as_user("alice")
    assert _total(client) == "1.75 h"
    Worklog.objects.create(  # through the ORM: post_save bumps the data's version
        tempo_id=7001,
        request=world.requests["ITSD-1"],
        author_account_id="agent-1",
        time_spent_seconds=3600,
        billable_seconds=3600,
        start_date=THIS_MONTH,
        tempo_updated_at=timezone.now(),
    )
    assert _total(client) == "2.75 h"


@ANNOUNCEMENTS
def test_a_worklog_written_in_bulk_shows_once_announced(world, as_user, announce):
    client = as_user("alice")
    assert _total(client) == "1.75 h"
    _bulk_worklogs(world.requests["ITSD-1"], 1800)
    assert _total(client) == "1.75 h"  # written, not yet announced: the cached report
    announce(world)
    assert _total(client) == "2.25 h"


def test_members_of_an_organization_share_its_report_not_their_own(shared, as_user):
    alice, bob = shared.users["alice"], shared.users["bob"]
    period = preset_period("this_month", TODAY)
    settings = shared.settings
    project = shared.project

    def key(user, scope):
        return report_cache.report_key(user, project, settings, scope, period)

    assert key(alice, ORGANIZATION) == key(bob, ORGANIZATION)
    assert key(alice, MINE) != key(bob, MINE)
    assert key(alice, MINE) != key(alice, ORGANIZATION)
    # Their own requests differ: alice sees ITSD-1, bob ITSD-1 and ITSD-2.
    assert _total(as_user("alice")) == "1.75 h"
    assert _total(as_user("bob")) == "3.75 h"
    assert _total(as_user("alice"), ORG_URL) == _total(as_user("bob"), ORG_URL) == "2.75 h"
    carol = shared.users["carol"]
    assert key(carol, ORGANIZATION) != key(alice, ORGANIZATION)
    assert _total(as_user("carol"), ORG_URL) == "3.00 h"


def test_staff_preview_and_a_stranger_do_not_share_a_customers_report(world, as_user):
    period = preset_period("this_month", TODAY)
    staff = world.users["alice"].__class__.objects.create_user("preview", is_staff=True)
    stranger = world.users["alice"].__class__.objects.create_user("stranger")
    key = report_cache.report_key
    assert key(staff, world.project, world.settings, MINE, period) != key(
        world.users["alice"], world.project, world.settings, MINE, period
    )
    assert key(stranger, world.project, world.settings, MINE, period) is None


def test_a_change_of_the_hours_rules_is_a_new_report(world, as_user):
    client = as_user("alice")
    assert _total(client) == "1.75 h"
    world.settings.rounding_minutes = 60  # 1.5 h → 2 h, 0.25 h → 1 h
    world.settings.save()
    assert _total(client) == "3.00 h"


def test_a_failing_cache_costs_only_the_cache(world, as_user, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    client = as_user("alice")
    assert _total(client) == "1.75 h"
    assert "report cache unreadable" in caplog.text


def test_a_zero_lifetime_turns_the_cache_off(world, as_user, settings):
    settings.REPORT_CACHE_SECONDS = 0
    client = as_user("alice")
    _total(client)
    with CaptureQueriesContext(connection) as second:
        assert _total(client) == "1.75 h"
    assert _worklog_reads(second) == 1


def test_a_cached_report_names_the_period_it_was_asked_for(world):
    alice = world.users["alice"]
    this_month = preset_period("this_month", TODAY)
    same_days = Period(this_month.start, this_month.end, "custom")
    first = report_cache.report_for(alice, world.project, world.settings, MINE, this_month)
    again = report_cache.report_for(alice, world.project, world.settings, MINE, same_days)
    assert again.rows == first.rows and again.period.preset == "custom"


@pytest.mark.parametrize(
    "entry",
    [
        ("not", "a report"),
        b"not compressed",
        zlib.compress(b"not a pickle"),
        zlib.compress(pickle.dumps(("not", "a report"))),
    ],
    ids=["tuple", "bytes", "not-a-pickle", "not-a-report"],
)
def test_an_unreadable_entry_is_computed_again(world, as_user, caplog, entry):
    alice = world.users["alice"]
    client = as_user("alice")
    period = preset_period("this_month", TODAY)
    key = report_cache.report_key(alice, world.project, world.settings, MINE, period)
    cache.set(key, entry)
    assert _total(client) == "1.75 h"
    assert "report cache entry unreadable" in caplog.text
    assert isinstance(cache.get(key), bytes)  # computed and written again, packed


def test_settings_saved_and_settings_read_make_one_key(world):
    """A settings object just saved holds its choices as enums, one read from the database
    as plain values: both must make the same key."""
    period = preset_period("this_month", TODAY)
    alice = world.users["alice"]
    saved = world.settings
    saved.rounding_minutes = ReportSettings.Rounding.QUARTER
    saved.save()
    read = ReportSettings.objects.get(pk=saved.pk)
    assert report_cache.report_key(alice, world.project, saved, MINE, period) == (
        report_cache.report_key(alice, world.project, read, MINE, period)
    )


def test_a_cached_report_reads_back_every_field():
    """``report_as_tuples`` names each field by hand (``dataclasses.astuple`` deep-copies):
    a field added to the report, a row or a bar and not to the tuples comes back different."""

    period = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "this_year")
    report = reports.Report(
        period=period,
        rows=[reports.RequestRow(7, "ITSD-7", "Printer <b>", "Open", "new", 5400)],
        bars=[reports.ChartBar(dt.date(2026, 3, 1), "Mar", 5400)],
        pending_seconds=900,
    )
    assert reports.report_from_tuples(period, reports.report_as_tuples(report)) == report
    # Every field above was given a value no default has.
    assert [f.name for f in fields(reports.Report)] == ["period", "rows", "bars", "pending_seconds"]
    assert len(fields(reports.RequestRow)) == 6
    assert len(fields(reports.ChartBar)) == 3


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("troubled", [False, True], ids=["read", "last-read-failed"])
def test_the_page_state_is_what_each_read_alone_gives(world, troubled, time_zone, settings):
    """report_cache.page_state reads in one query what data_version, the integration's state
    (reports.hours_available) and reports.last_updated read alone, in every state of them."""
    settings.TIME_ZONE = time_zone
    state = world.project.tempo_sync_state
    state.problem = "Tempo answered 500." if troubled else ""
    state.save(update_fields=["problem"])
    project = JiraProject.objects.select_related("report_settings", "tempo_sync_state").get(
        pk=world.project.pk
    )
    report_settings = project.report_settings

    def same() -> None:
        with CaptureQueriesContext(connection) as queries:
            page = report_cache.page_state(report_settings)
        assert len(queries) == 1
        assert page.version == report_cache.data_version()
        assert page.last_updated == reports.last_updated(report_settings)
        integration = TempoIntegration.current()
        assert page.integration_active == (integration is not None and integration.is_active)
        assert reports.hours_available(report_settings, page.integration_active) == (
            reports.hours_available(report_settings)
        )

    same()  # no run yet
    now = timezone.now().replace(microsecond=123456)
    for status, ago in [("succeeded", 3), ("partly", 2), ("failed", 1)]:
        SyncRun.objects.create(
            kind="tempo", status=status, finished_at=now - dt.timedelta(minutes=ago)
        )
        same()
    SyncRun.objects.create(kind="jira", status="succeeded", finished_at=now)
    same()
    assert report_cache.page_state(report_settings).last_updated == now - dt.timedelta(
        minutes=3 if troubled else 2
    )
    integration = TempoIntegration.current()
    for status in TempoIntegration.Status:  # every state the integration can be in
        integration.status = status
        integration.save(update_fields=["status"])
        same()
    TempoIntegration.objects.all().delete()
    same()
