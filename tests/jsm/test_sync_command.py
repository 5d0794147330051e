"""`manage.py sync`: a summary line, exit status, --loop, and a clear skip without a token."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from sync.locks import sync_lock


def test_sync_reports_each_sync_in_a_line(fake_jira, db, capsys):
    call_command("sync")
    out = capsys.readouterr().out
    assert "Jira sync succeeded in" in out and "2 projects, 5 requests" in out
    assert "Tempo sync skipped: no working Tempo API Token is stored." in out


def test_a_failed_sync_exits_non_zero_with_the_sentence(settings, db, capsys):
    settings.JIRA_BASE_URL = ""
    with pytest.raises(SystemExit) as exited:
        call_command("sync")
    assert exited.value.code == 1
    assert "Jira is not configured" in capsys.readouterr().err


def test_a_partly_succeeded_sync_says_so_and_exits_non_zero(fake_jira, db, capsys):
    fake_jira.forbidden_desks = {"1"}
    with pytest.raises(SystemExit) as exited:
        call_command("sync")
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "Jira sync partly succeeded in " in err
    assert "1 project, 2 requests" in err
    assert "Jira could not be read for IT Service Desk (ITSD): Jira refused access (403)" in err


def test_a_running_sync_is_skipped_not_doubled(fake_jira, db, capsys):
    with sync_lock("jira"):
        call_command("sync")
    assert "A jira sync is already running. Skipped this run." in capsys.readouterr().out


def test_loop_needs_a_positive_interval(db, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("sync", "--loop", "0")
    assert exited.value.code == 2


def test_loop_stops_between_runs_when_told(fake_jira, db, monkeypatch, capsys):
    import threading

    waits = []

    def stop_after_first_wait(self, timeout=None):
        waits.append(timeout)
        return True  # as if SIGTERM arrived while waiting

    monkeypatch.setattr(threading.Event, "wait", stop_after_first_wait)
    call_command("sync", "--loop")
    assert waits == [900]  # SYNC_INTERVAL's default
    assert "Stopped." in capsys.readouterr().out


def test_a_stop_before_a_run_starts_skips_what_is_left(fake_jira, db):
    import threading

    from sync.models import SyncRun
    from sync.runs import run_all

    stop = threading.Event()
    stop.set()  # SIGTERM arrived while the Jira run was ending
    assert run_all(trigger="loop", stop=stop) == []
    assert not SyncRun.objects.exists()
