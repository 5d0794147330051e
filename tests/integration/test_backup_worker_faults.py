"""A Tempo backup whose process is killed half-way leaves nothing that looks complete, and the
next backup cleans up after it (issue 17, "Bad input and faults")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from backup.models import Backup
from backup.runs import LOCK
from backup.sentences import INTERRUPTED
from sync.locks import is_locked
from tests.integration.test_worker_faults import ROOT, worker_env, worker_sandbox  # noqa: F401
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def backup_command(env, directory) -> list[str]:
    return [sys.executable, "manage.py", "tempo_backup", "--output", str(directory)]


def test_a_backup_killed_half_way_leaves_no_archive_and_the_next_one_cleans_up(
    worker_env,  # noqa: F811
    worker_sandbox,  # noqa: F811
    tmp_path,
):
    directory = tmp_path / "backups"
    env = {**worker_env, "TEMPO_BACKUP_MONTHS": "1"}
    # The first Tempo read stalls; kill the process while it waits.
    worker_sandbox.client.add_fault("tempo", "slow", count=1, delay=5)
    killed = subprocess.Popen(
        backup_command(env, directory),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: Backup.objects.filter(status=Backup.Status.RUNNING).exists())
    wait_for(lambda: any(directory.glob(".tempo-backup-*.partial")))
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)

    assert list(directory.glob("*.zip")) == []  # nothing that looks like an archive
    assert Backup.archives().count() == 0

    wait_for(lambda: not is_locked(LOCK))  # the dead process's lease runs out (2 s)
    again = subprocess.run(
        backup_command(env, directory),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "written and verified" in again.stdout
    first, latest = Backup.objects.order_by("queued_at")
    assert first.status == Backup.Status.FAILED and first.error == INTERRUPTED
    assert latest.status == Backup.Status.SUCCEEDED
    assert [p.name for p in directory.iterdir()] == [latest.file_name]
