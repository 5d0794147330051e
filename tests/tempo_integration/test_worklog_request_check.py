"""A Tempo worklog's request is checked by the database's triggers, per statement, instead
of a foreign key (tempo_integration/migrations/0012): a worklog naming no request is
refused, and so is deleting a request that still has worklogs; Django's cascade still
deletes them with it. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from jsm.models import Request
from tempo_integration.models import Worklog
from worklog_report.bulk import upsert


def row(tempo_id: int, request: int) -> dict:
    return {
        "tempo_id": tempo_id,
        "request": request,
        "author_account_id": "a",
        "time_spent_seconds": 3600,
        "billable_seconds": 3600,
        "start_date": dt.date(2026, 11, 2),
        "start_time": None,
        "description": "",
        "tempo_updated_at": dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        "sync_generation": 1,
    }


@pytest.fixture
def request_pk(projects):
    return Request.objects.get(jira_id="20001").pk


def missing_pk() -> int:
    return (Request.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def test_worklogs_of_existing_requests_are_written(request_pk):
    assert upsert(Worklog, [row(1, request_pk), row(2, request_pk)], unique="tempo_id") == 2
    assert Worklog.objects.filter(request_id=request_pk).count() == 2


def test_a_bulk_write_naming_a_missing_request_is_refused_whole(request_pk):
    with pytest.raises(IntegrityError), transaction.atomic():
        upsert(Worklog, [row(1, request_pk), row(2, missing_pk())], unique="tempo_id")
    assert not Worklog.objects.exists()


def test_moving_a_worklog_to_a_missing_request_is_refused(request_pk):
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    with pytest.raises(IntegrityError), transaction.atomic():
        upsert(Worklog, [row(1, missing_pk())], unique="tempo_id")
    with pytest.raises(IntegrityError), transaction.atomic():
        Worklog.objects.filter(tempo_id=1).update(request_id=missing_pk())
    assert Worklog.objects.get(tempo_id=1).request_id == request_pk


def test_an_update_keeping_the_request_is_not_checked_against_it(request_pk):
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    assert Worklog.objects.filter(tempo_id=1).update(description="changed") == 1


def test_deleting_a_request_with_worklogs_in_sql_is_refused(request_pk):
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    table = connection.ops.quote_name(Request._meta.db_table)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [request_pk])  # noqa: S608
    assert Request.objects.filter(pk=request_pk).exists()


def test_djangos_cascade_deletes_the_worklogs_with_their_request(request_pk):
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    Request.objects.filter(pk=request_pk).delete()
    assert not Worklog.objects.exists()


def test_a_request_without_worklogs_is_deleted(request_pk):
    Request.objects.filter(pk=request_pk).delete()
    assert not Request.objects.filter(pk=request_pk).exists()
