"""The database briefly unavailable in the middle of a Tempo sync (issue 8 §6)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from sync import tasks
from sync.locks import is_locked
from sync.models import ABANDONED, SyncLock, SyncRun
from sync.runs import sync_tempo
from tempo_integration.models import ProjectSyncState, Worklog
from tests.outage import database_outage
from worklog_report.database_outage import (
    DATABASE_UNAVAILABLE,
    RETRY_DELAYS,
    DatabaseUnavailable,
)

# Closing the lost connection is part of what is tested: no test-wide transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outage():
    with database_outage() as outage:
        yield outage


@pytest.fixture
def waits(monkeypatch):
    """The waits between attempts to record the run; the outage may end at one of them."""
    seen: list[float] = []
    monkeypatch.setattr("worklog_report.database_outage._sleep", seen.append)
    return seen


def stored_ids() -> list[int]:
    return sorted(Worklog.objects.values_list("tempo_id", flat=True))


def test_a_brief_outage_fails_the_run_in_a_sentence_and_the_next_run_completes(
    tempo, outage, waits, monkeypatch
):
    # The database goes away once page 1 is written, as page 2 is about to be, and is back a
    # second later. (Page 2 is read while page 1 is written: tempo_integration.sync reads one
    # page ahead, so the outage is started by the second write, not by the second read.)
    from tempo_integration import sync as tempo_sync

    writes = []

    def upsert(*args, **kwargs):
        writes.append(1)
        if len(writes) == 2:
            outage.down = True
        return real_upsert(*args, **kwargs)

    real_upsert = tempo_sync.upsert
    monkeypatch.setattr(tempo_sync, "upsert", upsert)
    monkeypatch.setattr(
        "worklog_report.database_outage._sleep",
        lambda seconds: (waits.append(seconds), setattr(outage, "down", False)),
    )

    run = sync_tempo()

    assert outage.refused >= 2  # the page's upsert, then the first try to record the run
    assert waits == [1]
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and run.error == DATABASE_UNAVAILABLE
    assert run.finished_at is not None
    assert stored_ids() == [1, 2]  # page 1 was written before the outage and is kept
    assert ProjectSyncState.objects.get().updated_watermark is None  # not moved on
    assert not is_locked("tempo")

    monkeypatch.setattr(tempo_sync, "upsert", real_upsert)
    again = sync_tempo()
    assert again.status == SyncRun.Status.SUCCEEDED, again.error
    assert stored_ids() == [1, 2, 3]  # complete, each once (issue 4 is not a synced request)


def test_an_outage_longer_than_the_patience_leaves_the_run_to_the_next_one(
    tempo, outage, waits, settings
):
    tempo.before_page = lambda number: setattr(outage, "down", True)

    with pytest.raises(DatabaseUnavailable):
        sync_tempo()

    assert waits == list(RETRY_DELAYS)  # about half a minute of attempts, then give up
    outage.down, tempo.before_page = False, None
    # Nothing could be written: the run still says running, the lock waits out its lease.
    stuck = SyncRun.objects.get()
    assert stuck.status == SyncRun.Status.RUNNING
    assert is_locked("tempo")
    SyncLock.objects.filter(name="tempo").update(expires_at=timezone.now())  # lease over

    again = sync_tempo()
    assert again.status == SyncRun.Status.SUCCEEDED
    stuck.refresh_from_db()
    assert stuck.status == SyncRun.Status.FAILED and stuck.error == ABANDONED
    assert stored_ids() == [1, 2, 3]


def test_sync_command_says_so_and_a_later_run_works(tempo, outage, capsys):
    outage.down = True
    with pytest.raises(SystemExit) as exit_code:
        call_command("sync")
    assert exit_code.value.code == 1
    err = capsys.readouterr().err
    for name in ("Jira", "Tempo"):
        assert (
            f"{name} sync could not reach the database. Nothing was lost; the next run tries again."
        ) in err
    assert "Traceback" not in err

    outage.down = False
    from sync.management.commands.sync import Command

    command = Command()
    # The next run of `sync --loop` goes through (Jira is not configured here; Tempo works).
    command.run_once(full=False, trigger="loop")
    assert SyncRun.objects.get(kind="tempo").status == SyncRun.Status.SUCCEEDED
    assert stored_ids() == [1, 2, 3]


def test_the_task_reports_the_outage_instead_of_failing(tempo, outage):
    outage.down = True
    outcome = tasks.sync_everything.call()
    assert outcome == {"jira": "database unavailable", "tempo": "database unavailable"}
