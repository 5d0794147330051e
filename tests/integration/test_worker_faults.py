"""The sync as separate worker processes: killed with SIGKILL mid-way, and two at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from jsm.models import ABANDONED, JiraProject, SyncRun
from portal.models import ReportSettings
from sandbox.process import SandboxProcess
from tempo_integration.models import TempoIntegration, Worklog

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker_sandbox(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("worker-sandbox")).start()
    yield process
    process.stop()


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env(worker_sandbox, transactional_db, settings):
    worker_sandbox.client.clear_faults()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TEMPO_BASE_URL": worker_sandbox.tempo_url,
        "JIRA_BASE_URL": f"{worker_sandbox.url}/jira",
        "JIRA_EMAIL": "admin@sandbox.example",
        "JIRA_API_TOKEN": "sandbox-jira-token",
        "SYNC_LOCK_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    settings.TEMPO_BASE_URL = worker_sandbox.tempo_url
    admin = get_user_model().objects.create_user("admin", "a@example.com", "x", is_staff=True)
    TempoIntegration.store(worker_sandbox.client.mint_token(full=True), admin)
    return env


def start_sync(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "sync"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_sync(env) -> subprocess.CompletedProcess:
    """`manage.py sync` to its end."""
    return subprocess.run(
        [sys.executable, "manage.py", "sync"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_worker_killed_mid_sync_then_the_next_run_completes(worker_env, worker_sandbox):
    first = run_sync(worker_env)
    assert first.returncode == 0, first.stdout + first.stderr
    for project in JiraProject.objects.all():
        ReportSettings.objects.update_or_create(project=project, defaults={"enabled": True})
    # The Tempo read stalls on its first page; kill the worker while it waits.
    worker_sandbox.client.add_fault("tempo", "slow", count=1, delay=5)
    worker = start_sync(worker_env)
    wait_for(lambda: SyncRun.objects.filter(kind="tempo", status="running").exists())
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL

    time.sleep(2.5)  # the dead worker's lease runs out (SYNC_LOCK_SECONDS=2)
    again = run_sync(worker_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Tempo sync succeeded" in again.stdout
    # The first run (nothing enabled yet), the killed one, and the one that completed.
    _, killed, latest = SyncRun.objects.filter(kind="tempo").order_by("started_at")
    assert killed.status == "failed" and killed.error == ABANDONED
    assert latest.status == "succeeded"
    assert Worklog.objects.count() == latest.counts["worklogs"] > 1000  # all there, once


def test_two_workers_at_once_run_one_sync(worker_env, worker_sandbox):
    worker_sandbox.client.add_fault("jira", "slow", count=1, delay=3)
    first = start_sync(worker_env)
    wait_for(lambda: SyncRun.objects.filter(kind="jira", status="running").exists())
    second = start_sync(worker_env)
    out_second, _ = second.communicate(timeout=60)
    out_first, _ = first.communicate(timeout=60)
    assert "A jira sync is already running. Skipped this run." in out_second
    assert "Jira sync succeeded" in out_first
    assert SyncRun.objects.filter(kind="jira").count() == 1
