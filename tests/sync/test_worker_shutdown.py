"""`manage.py worker`'s graceful stop never interrupts a database transaction
(sync/management/commands/worker.py)."""

from __future__ import annotations

import signal

import pytest
from django.db import connection, connections, transaction

from sync.management.commands import worker as worker_command


def idle_worker() -> worker_command.OutageTolerantWorker:
    """A worker between tasks, as db_worker's loop leaves it, without running that loop."""
    worker = worker_command.OutageTolerantWorker.__new__(worker_command.OutageTolerantWorker)
    worker.running = True
    worker.running_task = False
    return worker


@pytest.mark.django_db(transaction=True)
def test_a_stop_during_the_poll_s_transaction_waits_for_its_end():
    worker = idle_worker()
    with transaction.atomic():
        connection.cursor().execute("SELECT 1")  # the poll's transaction has begun
        assert worker_command.in_transaction()
        worker.shutdown(signal.SIGTERM, None)  # db_worker raised SystemExit here
    assert worker.running is False  # the loop ends after this poll


@pytest.mark.django_db(transaction=True)
def test_a_stop_between_transactions_exits_at_once_as_db_worker_does(monkeypatch):
    monkeypatch.setattr(worker_command.db_worker.Worker, "reset_signals", lambda self: None)
    worker = idle_worker()
    connection.ensure_connection()
    assert not worker_command.in_transaction()
    with pytest.raises(SystemExit) as stopped:
        worker.shutdown(signal.SIGTERM, None)
    assert stopped.value.code == 0


def test_without_a_connection_nothing_is_in_a_transaction(monkeypatch):
    monkeypatch.setattr(connections["default"], "connection", None)
    assert worker_command.in_transaction() is False
