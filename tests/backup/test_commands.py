"""`manage.py tempo_backup [--output DIR]`: a backup now, in the foreground."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from backup import sentences
from backup.models import Backup


@pytest.fixture(autouse=True)
def _keep_signal_handlers(monkeypatch):
    """The command catches SIGTERM and SIGINT; the test process keeps its own."""
    monkeypatch.setattr("signal.signal", lambda *args: None)


def test_the_command_writes_a_verified_archive_to_output(tempo, tmp_path, backup_dir):
    tempo.scopes -= {"periods"}
    output = tmp_path / "elsewhere"
    out, err = io.StringIO(), io.StringIO()
    call_command("tempo_backup", "--output", str(output), stdout=out, stderr=err)
    backup = Backup.objects.get()
    assert backup.trigger == Backup.Trigger.COMMAND and backup.status == Backup.Status.SUCCEEDED
    assert Path(backup.path).parent == output and not backup_dir.exists()
    text = out.getvalue()
    assert f"Tempo backup written and verified: {backup.path}" in text
    assert "  skipped periods: The token has no Periods scope." in text
    assert "worklogs: 3 records read" in err.getvalue()  # progress, per data set


def test_the_command_exits_1_when_no_archive_was_written(fake_tempo, db, tmp_path):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("tempo_backup", "--output", str(tmp_path), stderr=err)
    assert exit_.value.code == 1
    assert f"Tempo backup failed: {sentences.NO_CONNECTION}" in err.getvalue()
