"""worklog_report.bulk: upserts (every row, or only the changed ones) and temporary tables
of ids, on SQLite and (with DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from jsm.models import JiraProject, Request
from tempo_integration.models import Worklog
from worklog_report.bulk import TemporaryIds, upsert

pytestmark = pytest.mark.django_db

CONTENT = ("request", "description", "start_time", "tempo_updated_at")


@pytest.fixture
def request_pk():
    project = JiraProject.objects.create(jira_id="1", key="P", name="P", service_desk_id="1")
    now = timezone.now()
    request = Request.objects.create(
        jira_id="11",
        key="P-1",
        project=project,
        summary="s",
        status="Open",
        created=now,
        updated=now,
    )
    return request.pk


def row(request_pk, tempo_id, *, description="Work", generation=1, start_time=None):
    return {
        "tempo_id": tempo_id,
        "request": request_pk,
        "author_account_id": "agent-1",
        "time_spent_seconds": 3600,
        "billable_seconds": 1800,
        "start_date": dt.date(2026, 11, 1),
        "start_time": start_time,
        "description": description,
        "tempo_updated_at": dt.datetime(2026, 11, 1, 10, 0, 0, 250, tzinfo=dt.UTC),
        "sync_generation": generation,
    }


def stored(tempo_id):
    return Worklog.objects.values().get(tempo_id=tempo_id)


def test_upsert_inserts_then_updates_every_clashing_row(request_pk):
    assert upsert(Worklog, [row(request_pk, 1), row(request_pk, 2)], unique="tempo_id") == 2
    assert (
        upsert(Worklog, [row(request_pk, 1, description="New", generation=2)], unique="tempo_id")
        == 1
    )
    first = stored(1)
    assert first["description"] == "New" and first["sync_generation"] == 2
    assert first["tempo_updated_at"] == dt.datetime(2026, 11, 1, 10, 0, 0, 250, tzinfo=dt.UTC)
    assert stored(2)["description"] == "Work" and Worklog.objects.count() == 2


def test_with_compare_an_unchanged_row_is_left_as_it_is(request_pk):
    upsert(
        Worklog,
        [row(request_pk, 1), row(request_pk, 2, start_time=dt.time(9, 30))],
        unique="tempo_id",
    )

    sent = upsert(
        Worklog,
        [
            row(request_pk, 1, generation=5),  # same content (NULL start time equal to NULL)
            row(request_pk, 2, generation=5, start_time=dt.time(10, 0)),  # changed
            row(request_pk, 3, generation=5),  # new
        ],
        unique="tempo_id",
        compare=CONTENT,
    )

    assert sent == 3
    assert stored(1)["sync_generation"] == 1  # not rewritten: not even its generation
    assert stored(2)["sync_generation"] == 5 and stored(2)["start_time"] == dt.time(10, 0)
    assert stored(3)["sync_generation"] == 5


def test_with_compare_a_stored_value_can_force_the_rewrite(request_pk):
    upsert(
        Worklog,
        [row(request_pk, 1, generation=0), row(request_pk, 2, generation=3)],
        unique="tempo_id",
    )

    upsert(
        Worklog,
        [row(request_pk, 1, generation=7), row(request_pk, 2, generation=7)],
        unique="tempo_id",
        compare=CONTENT,
        rewrite_stored={"sync_generation": 0},
    )

    assert stored(1)["sync_generation"] == 7  # carried 0: rewritten though unchanged
    assert stored(2)["sync_generation"] == 3


def test_two_upserts_in_one_transaction_and_other_columns(request_pk):
    with transaction.atomic():
        upsert(Worklog, [row(request_pk, 1)], unique="tempo_id")
        upsert(Worklog, [row(request_pk, 2)], unique="tempo_id")
        # Another column list on the same table: a staging table of its own (PostgreSQL).
        fewer = row(request_pk, 1, description="Only this")
        del fewer["start_time"]
        upsert(Worklog, [fewer], unique="tempo_id")
    assert sorted(Worklog.objects.values_list("tempo_id", "description")) == [
        (1, "Only this"),
        (2, "Work"),
    ]


def test_a_row_with_other_columns_is_refused(request_pk):
    rows = [row(request_pk, 1), {**row(request_pk, 2), "approved": True}]
    with pytest.raises(ValueError, match="exactly the columns"):
        upsert(Worklog, rows, unique="tempo_id")


def test_text_that_needs_escaping_travels_intact(request_pk):
    text = "Tab\there, new\nline, back\\slash, 'quotes' \"too\", {braces}, ,commas, \\N, é ✓"
    upsert(Worklog, [row(request_pk, 1, description=text)], unique="tempo_id")
    assert stored(1)["description"] == text


def test_temporary_ids(request_pk):
    ids = TemporaryIds("test_bulk_ids")
    ids.create()
    ids.add([3, 1, 2, 3])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT id FROM ({ids.sql}) t ORDER BY id")
        assert [r[0] for r in cursor.fetchall()] == [1, 2, 3]
    with pytest.raises(RuntimeError), transaction.atomic():
        ids.add([4])
        raise RuntimeError  # rolled back with its transaction
    ids.create()  # made empty again
    ids.add(i for i in [9])
    with connection.cursor() as cursor:
        cursor.execute(ids.sql)
        assert cursor.fetchall() == [(9,)]
    ids.drop()
    ids.drop()  # idempotent


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the binary COPY is PostgreSQL's")
def test_staging_tables_of_plain_types_are_copied_in_binary_others_as_text():
    from worklog_report import bulk

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bulk_plain (a bigint, b varchar(9), c date, "
            "d time, e timestamptz, f boolean)"
        )
        cursor.execute("CREATE TEMPORARY TABLE bulk_other (a bigint, b numeric(9, 2))")
        assert bulk._binary_types(cursor, "bulk_plain") == [20, 1043, 1082, 1083, 1184, 16]
        assert bulk._binary_types(cursor, "bulk_other") is None
        cursor.execute("DROP TABLE bulk_plain, bulk_other")


def test_a_page_written_in_binary_reads_back_as_sent(request_pk):
    sent = row(request_pk, 1, description="Tab\there é ✓", start_time=dt.time(9, 30, 15))
    sent["tempo_updated_at"] = dt.datetime(2026, 11, 2, 8, 0, 1, 123456, tzinfo=dt.UTC)
    upsert(Worklog, [sent, row(request_pk, 2)], unique="tempo_id")
    got = Worklog.objects.get(tempo_id=1)
    assert (got.description, got.start_time, got.tempo_updated_at) == (
        sent["description"],
        sent["start_time"],
        sent["tempo_updated_at"],
    )
    assert Worklog.objects.get(tempo_id=2).start_time is None
