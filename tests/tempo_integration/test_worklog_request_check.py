"""A Tempo worklog's request is checked by the database. On PostgreSQL, triggers do it once
per statement. On SQLite, a real foreign key does it, at commit
(tempo_integration/migrations/0012). Either way, a worklog naming no request is refused,
and so is deleting a request that still has worklogs. Django's cascade still deletes the
worklogs with their request, and Django's ``flush`` still empties both tables (the
triggers of an earlier attempt broke it on SQLite). Runs on SQLite and, with DATABASE_URL,
on PostgreSQL.

Every test here commits its writes (a transactional test): SQLite's foreign key is
deferred to commit, and a test inside Django's test transaction never commits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from jsm.models import Request
from tempo_integration.models import Worklog
from worklog_report.bulk import upsert

pytestmark = pytest.mark.django_db(transaction=True)

WORKLOG = Worklog._meta.db_table
REQUEST = Request._meta.db_table
TRIGGERS = {
    f"{WORKLOG}_request_inserted",
    f"{WORKLOG}_request_updated",
    f"{REQUEST}_tempo_worklogs_deleted",
    f"{REQUEST}_tempo_worklogs_rekeyed",
}


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
    with transaction.atomic():
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


def test_moving_a_worklog_to_another_existing_request_is_written(request_pk):
    other = Request.objects.get(jira_id="20003").pk
    upsert(Worklog, [row(1, request_pk), row(2, request_pk)], unique="tempo_id")
    with transaction.atomic():
        upsert(Worklog, [row(1, other)], unique="tempo_id")
    with transaction.atomic():
        Worklog.objects.filter(tempo_id=2).update(request_id=other)
    assert set(Worklog.objects.values_list("request_id", flat=True)) == {other}


def test_an_update_keeping_the_request_is_written(request_pk):
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    with transaction.atomic():
        assert Worklog.objects.filter(tempo_id=1).update(description="changed") == 1
    assert Worklog.objects.get(tempo_id=1).description == "changed"


def test_deleting_a_request_with_worklogs_in_sql_is_refused(request_pk):
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    table = connection.ops.quote_name(REQUEST)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [request_pk])
    assert Request.objects.filter(pk=request_pk).exists()
    assert Worklog.objects.filter(request_id=request_pk).exists()


def test_djangos_cascade_deletes_the_worklogs_with_their_request(request_pk):
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    with transaction.atomic():
        Request.objects.filter(pk=request_pk).delete()
    assert not Worklog.objects.exists()
    assert not Request.objects.filter(pk=request_pk).exists()


def test_a_request_without_worklogs_is_deleted(request_pk):
    with transaction.atomic():
        Request.objects.filter(pk=request_pk).delete()
    assert not Request.objects.filter(pk=request_pk).exists()


def test_djangos_flush_empties_requests_and_worklogs(request_pk):
    """The thing the SQLite row triggers of an earlier attempt broke (`make bench` flushes)."""
    upsert(Worklog, [row(1, request_pk)], unique="tempo_id")
    call_command("flush", interactive=False, verbosity=0)
    assert not Worklog.objects.exists()
    assert not Request.objects.exists()


def test_sqlite_keeps_its_real_foreign_key_and_no_triggers():
    """Fails when a later migration rebuilds the worklog table on SQLite from the model
    state, which says ``db_constraint=False``: that migration must put the foreign key back
    (migrations/0012's docstring)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's schema")
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA foreign_key_list({WORKLOG})")
        # (id, seq, table, from, to, on_update, on_delete, match)
        keys = {(table, column, to) for _, _, table, column, to, *_ in cursor.fetchall()}
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
            [WORKLOG, REQUEST],
        )
        triggers = {name for (name,) in cursor.fetchall()}
    assert (REQUEST, "request_id", "id") in keys
    assert not triggers & TRIGGERS


def test_postgresql_has_the_triggers_and_no_foreign_key():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's schema")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = %s::regclass AND confrelid = %s::regclass",
            [WORKLOG, REQUEST],
        )
        (foreign_keys,) = cursor.fetchone()
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {name for (name,) in cursor.fetchall()}
    assert foreign_keys == 0
    assert TRIGGERS.issubset(triggers)
