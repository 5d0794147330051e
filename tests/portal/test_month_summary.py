"""The month summaries and the reports that read them (worklog_report.month_summary, §8).

On PostgreSQL triggers keep ``WorklogMonth`` / ``JiraWorklogMonth`` equal to a recount of the
worklogs whatever writes them, and a report over months read from them equals the same report
read from the worklogs alone, for every hours source, rounding, scope and kind of period
(whole months, partial edges, days). On SQLite the summaries stay empty and every report
reads the worklogs.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jsm.models import JiraWorklog, JiraWorklogMonth, Request
from portal import reports
from portal.models import ReportSettings
from portal.periods import Period, preset_period
from portal.visibility import MINE, ORGANIZATION, requests_visible_to
from tempo_integration.models import Worklog, WorklogMonth
from worklog_report import month_summary
from worklog_report.bulk import upsert

from .conftest import TODAY

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the summaries are kept on PostgreSQL only"
)


def recount(model, seconds: str, approved: bool = True) -> dict:
    """The summary a model's worklogs should have: {(request, month, approved): sums}."""
    expected = {}
    rows = (
        model.objects.annotate(month=TruncMonth("start_date"))
        .values("request_id", "month", *(["approved"] if approved else []))
        .annotate(n=Count("id"), s=Sum(seconds))
    )
    for row in rows:
        key = (row["request_id"], _day(row["month"]), row.get("approved", False))
        worklogs = model.objects.filter(
            request_id=row["request_id"],
            start_date__year=key[1].year,
            start_date__month=key[1].month,
            **({"approved": key[2]} if approved else {}),
        ).values_list(seconds, flat=True)
        expected[key] = (
            row["n"],
            row["s"],
            *(sum(-(-s // (m * 60)) * m * 60 for s in worklogs) for m in (15, 30, 60)),
        )
    return expected


def stored(summary) -> dict:
    return {
        (r.request_id, r.month, r.approved): (
            r.worklogs,
            r.seconds,
            r.seconds_15,
            r.seconds_30,
            r.seconds_60,
        )
        for r in summary.objects.all()
    }


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _tempo_row(n: int, request: Request, day: dt.date, billable: int) -> dict:
    return {
        "tempo_id": n,
        "request": request.pk,
        "author_account_id": "agent-1",
        "time_spent_seconds": billable,
        "billable_seconds": billable,
        "start_date": day,
        "start_time": None,
        "description": f"w{n}",
        "tempo_updated_at": timezone.now(),
        "sync_generation": 1,
    }


@postgresql_only
def test_the_migration_filled_the_summary_and_triggers_keep_it(world):
    # The world's worklogs were created one by one (Model.save: one INSERT each).
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")
    assert stored(WorklogMonth)  # not vacuously equal
    assert stored(JiraWorklogMonth) == recount(JiraWorklog, "time_spent_seconds", approved=False)


@postgresql_only
def test_every_writer_keeps_the_tempo_summary_equal_to_a_recount(world):
    rng = random.Random(19)
    requests = list(world.requests.values())
    months = [TODAY.replace(day=1) - dt.timedelta(days=40 * i) for i in range(6)]

    def some_rows(first: int, count: int) -> list[dict]:
        return [
            _tempo_row(
                n,
                rng.choice(requests),
                rng.choice(months).replace(day=rng.randint(1, 28)),
                rng.choice([0, 1, 60, 899, 900, 901, 1799, 3600, 3601, 7200]),
            )
            for n in range(first, first + count)
        ]

    upsert(Worklog, some_rows(1000, 300), unique="tempo_id")  # a sync's page: one INSERT
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")

    # A re-read: the same ids moved to other requests, months and seconds (ON CONFLICT UPDATE),
    # mixed with new ones.
    upsert(Worklog, some_rows(1100, 300), unique="tempo_id")
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")

    # Approvals set in bulk (QuerySet.update), then some worklogs deleted in bulk.
    Worklog.objects.filter(tempo_id__lt=1200).update(approved=True)
    Worklog.objects.filter(tempo_id__gte=1300).delete()
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")

    # One worklog edited on its own (Model.save: an UPDATE of one row).
    worklog = Worklog.objects.get(tempo_id=1150)
    worklog.billable_seconds += 1
    worklog.start_date = months[-1]
    worklog.save()
    # A request deleted: its worklogs go with it (Django's cascade).
    world.requests["ITSD-3"].delete()
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")

    # Everything removed: nothing left over, no row of zeros.
    Worklog.objects.all().delete()
    assert not WorklogMonth.objects.exists()


@postgresql_only
def test_every_writer_keeps_the_jira_summary_equal_to_a_recount(world):
    request = world.requests["ITSD-2"]
    for n in range(5):
        JiraWorklog.objects.create(
            jira_id=str(5000 + n),
            request=request,
            author_account_id="agent-1",
            time_spent_seconds=600 * n + 1,
            start_date=TODAY - dt.timedelta(days=20 * n),
            jira_updated_at=timezone.now(),
        )
    JiraWorklog.objects.filter(jira_id="5001").update(time_spent_seconds=3599)
    JiraWorklog.objects.filter(jira_id="5002").delete()
    assert stored(JiraWorklogMonth) == recount(JiraWorklog, "time_spent_seconds", approved=False)
    assert not JiraWorklogMonth.objects.filter(approved=True).exists()


def test_sqlite_keeps_no_summary_and_reads_the_worklogs(world):
    if connection.vendor == "postgresql":
        assert month_summary.available()
        return
    assert not month_summary.available()
    assert not WorklogMonth.objects.exists()
    report = reports.build_report(
        world.settings,
        Request.objects.filter(project=world.project),
        preset_period("this_year", TODAY),
    )
    assert report.total_seconds == 5400 + 900 + 7200 + 10800 + 3600


@pytest.mark.parametrize(
    ("start", "end", "whole"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), (dt.date(2026, 1, 1), dt.date(2026, 12, 1))),
        (dt.date(2026, 1, 15), dt.date(2026, 4, 30), (dt.date(2026, 2, 1), dt.date(2026, 4, 1))),
        (dt.date(2026, 1, 15), dt.date(2026, 4, 29), (dt.date(2026, 2, 1), dt.date(2026, 3, 1))),
        (dt.date(2026, 1, 15), dt.date(2026, 2, 27), None),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28), (dt.date(2026, 2, 1), dt.date(2026, 2, 1))),
        (dt.date(2025, 12, 2), dt.date(2026, 1, 31), (dt.date(2026, 1, 1), dt.date(2026, 1, 1))),
    ],
)
def test_whole_months_of_a_period(start, end, whole):
    assert reports.whole_months(Period(start, end, "custom")) == whole


def _mixed_world(world):
    """Worklogs over 14 months on every request, some approved, with odd seconds."""
    rng = random.Random(7)
    rows = []
    first = TODAY.replace(day=1)
    for n in range(400):
        month = first.replace(year=first.year - 1) if n % 3 else first
        day = (month + dt.timedelta(days=rng.randint(0, 400))).replace(day=rng.randint(1, 28))
        request = rng.choice(list(world.requests.values()))
        rows.append(_tempo_row(10_000 + n, request, day, rng.choice([0, 59, 900, 1000, 3601])))
    upsert(Worklog, rows, unique="tempo_id")
    Worklog.objects.filter(tempo_id__gte=10_000, billable_seconds__in=[59, 1000]).update(
        approved=True
    )
    for n, row in enumerate(rows[:100]):
        JiraWorklog.objects.create(
            jira_id=str(70_000 + n),
            request_id=row["request"],
            author_account_id="agent-1",
            time_spent_seconds=row["billable_seconds"] + 7,
            start_date=row["start_date"],
            jira_updated_at=timezone.now(),
        )


PERIODS = [
    preset_period("this_year", TODAY),
    preset_period("last_3_months", TODAY),
    preset_period("this_month", TODAY),
    Period(TODAY.replace(month=1, day=10), TODAY, "custom"),
    Period(TODAY.replace(year=TODAY.year - 1, month=3, day=5), TODAY, "custom"),
    Period(TODAY.replace(year=TODAY.year - 1, month=6, day=1), TODAY.replace(day=1), "custom"),
]


@postgresql_only
@pytest.mark.parametrize("source", [choice for choice, _ in ReportSettings.HoursSource.choices])
def test_reports_from_the_summary_equal_reports_from_the_worklogs(world, monkeypatch, source):
    _mixed_world(world)
    report_settings = world.settings
    report_settings.hours_source = source
    report_settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    alice = world.users["alice"]
    compared = 0
    for rounding in ReportSettings.Rounding.values:
        report_settings.rounding_minutes = rounding
        for scope in (MINE, ORGANIZATION):
            visible = requests_visible_to(alice, world.project, report_settings, scope)
            for period in PERIODS:
                with monkeypatch.context() as patched:
                    patched.setattr(month_summary, "available", lambda using=None: False)
                    expected = reports.build_report(report_settings, visible, period)
                got = reports.build_report(report_settings, visible, period)
                assert got == expected, (source, rounding, scope, period)
                compared += bool(expected.rows)
    assert compared >= 40  # most of the 48 reports have hours: nothing vacuous


@postgresql_only
def test_a_report_over_months_reads_the_summary_in_one_statement(world):
    _mixed_world(world)
    visible = Request.objects.filter(project=world.project)
    period = preset_period("this_year", TODAY)
    with CaptureQueriesContext(connection) as queries:
        list(reports.report_aggregate(world.settings, visible, period))
    assert len(queries) == 1
    sql = queries[0]["sql"]
    summary, worklogs = f'"{WorklogMonth._meta.db_table}"', f'"{Worklog._meta.db_table}"'
    assert summary in sql and worklogs not in sql  # whole months only

    edged = Period(period.start.replace(day=10), period.end, "custom")
    with CaptureQueriesContext(connection) as queries:
        list(reports.report_aggregate(world.settings, visible, edged))
    assert len(queries) == 1
    assert summary in queries[0]["sql"] and worklogs in queries[0]["sql"]  # and the edge


@postgresql_only
def test_pending_hours_from_the_summary_equal_the_worklogs(world, monkeypatch):
    _mixed_world(world)
    world.settings.hours_source = ReportSettings.HoursSource.TEMPO_APPROVED
    visible = Request.objects.filter(project=world.project)
    for rounding in ReportSettings.Rounding.values:
        world.settings.rounding_minutes = rounding
        for period in PERIODS:
            with monkeypatch.context() as patched:
                patched.setattr(month_summary, "available", lambda using=None: False)
                expected = reports.pending_seconds(world.settings, visible, period)
            assert reports.pending_seconds(world.settings, visible, period) == expected
    assert Worklog.objects.filter(~Q(approved=True), billable_seconds__gt=0).exists()


def test_rebuild_month_summaries_refills_them(world):
    out = io.StringIO()
    if connection.vendor != "postgresql":
        call_command("rebuild_month_summaries", stdout=out)
        assert "Nothing to do" in out.getvalue()
        return
    WorklogMonth.objects.all().delete()  # as after rows written with the triggers off
    JiraWorklogMonth.objects.all().delete()
    call_command("rebuild_month_summaries", stdout=out)
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")
    assert stored(JiraWorklogMonth) == recount(JiraWorklog, "time_spent_seconds", approved=False)
    assert f"refilled: {WorklogMonth.objects.count() + 1} rows" in out.getvalue()


@postgresql_only
def test_a_rewrite_that_changes_nothing_counted_moves_no_sum(world):
    """A re-read writes a worklog as it was (or only its description): no summary row is
    touched (its row version stays), and the sums stay right."""
    before = {r.pk: r for r in WorklogMonth.objects.all()}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text FROM {WorklogMonth._meta.db_table}")
        versions = dict(cursor.fetchall())
    Worklog.objects.update(description="re-read", tempo_updated_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text FROM {WorklogMonth._meta.db_table}")
        assert dict(cursor.fetchall()) == versions
    assert {r.pk: r for r in WorklogMonth.objects.all()}.keys() == before.keys()
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")


@postgresql_only
@pytest.mark.django_db(transaction=True)  # TRUNCATE refuses a table with deferred checks
def test_truncating_the_worklogs_empties_their_summary(world):
    assert WorklogMonth.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Worklog._meta.db_table}")
    assert not WorklogMonth.objects.exists()
    assert JiraWorklogMonth.objects.exists()  # the other source's stays


@postgresql_only
@pytest.mark.parametrize("source", [choice for choice, _ in ReportSettings.HoursSource.choices])
def test_contract_usage_and_unseen_hours_from_the_summary_equal_the_worklogs(
    world, monkeypatch, source
):
    """Contracts over whole months read the summaries; their used hours per month, months
    with data and each person's unseen hours equal those read from the worklogs."""
    from portal.contract_split import hours_unseen_by
    from portal.contracts import contract_usages, months_summarised, used_seconds_by_month
    from portal.models import Contract

    _mixed_world(world)
    settings = world.settings
    settings.hours_source = source
    settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    acme = world.users["alice"].jsm_customer.organizations.get()
    year = TODAY.replace(month=1, day=1)
    contracts = [
        Contract.objects.create(
            project=world.project,
            type="monthly",
            start_date=year,
            end_date=year.replace(month=12, day=31),
            hours=10,
            organization=acme,
        ),
        Contract.objects.create(
            project=world.project,
            type="fixed",
            start_date=year.replace(year=year.year - 1),
            end_date=year.replace(month=6, day=30),
            hours=100,
        ),
    ]
    assert all(months_summarised(c.start_date, c.end_date) for c in contracts)
    compared = 0
    for rounding in ReportSettings.Rounding.values:
        settings.rounding_minutes = rounding
        with monkeypatch.context() as patched:
            patched.setattr(month_summary, "available", lambda using=None: False)
            expected = used_seconds_by_month(contracts, settings)
            usages = contract_usages(contracts, settings, TODAY)
            unseen = {
                (c.pk, name): hours_unseen_by(user, usages[c.pk], settings)
                for c in contracts
                for name, user in world.users.items()
            }
        assert used_seconds_by_month(contracts, settings) == expected, (source, rounding)
        again = contract_usages(contracts, settings, TODAY)
        for (pk, name), hours in unseen.items():
            assert hours_unseen_by(world.users[name], again[pk], settings) == hours
            compared += bool(hours.seconds)
        assert any(expected[0].values())
    assert compared  # somebody does not see some of the hours: nothing vacuous


@postgresql_only
def test_an_update_after_an_upsert_that_updated_nothing_is_planned_with_its_rows(world):
    """PL/pgSQL keeps a static statement's first plan, sized for the transition tables it
    first saw: an upsert that updates nothing (it fires the UPDATE trigger with no rows) made
    the join of an UPDATE's old and new rows a nested loop for the connection's life, and
    5,000 changed worklogs then cost 25 million comparisons per join. The UPDATE's joins are
    planned on each call (``month_summary.apply_function_sql``): auto_explain shows their
    plans, which join the two tables by hash, not by nested loop."""
    rows = [_tempo_row(900 + n, world.requests["ITSD-1"], TODAY, 600) for n in range(400)]
    upsert(Worklog, rows, unique="tempo_id")
    plans: list[str] = []
    raw = connection.connection  # psycopg's connection: notices come to its handlers
    raw.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        cursor.execute("SET LOCAL auto_explain.log_min_duration = 0")
        cursor.execute("SET LOCAL auto_explain.log_nested_statements = on")
        cursor.execute("SET LOCAL auto_explain.log_level = 'notice'")
        # Rewritten as they are: the upsert's DO UPDATE … WHERE updates nothing.
        upsert(Worklog, rows, unique="tempo_id", compare=["billable_seconds"])
        Worklog.objects.filter(tempo_id__gte=900).update(billable_seconds=1200)
    # The UPDATE's three statements with its 400 rows (the empty upsert's are explained too).
    sized = re.compile(r"Named Tuplestore Scan .*rows=400 ")
    joins = [p for p in plans if "JOIN new_rows" in p and sized.search(p)]
    assert len(joins) == 3, plans
    assert all("Hash Join" in p and "Nested Loop" not in p for p in joins), joins
    assert stored(WorklogMonth) == recount(Worklog, "billable_seconds")
