"""The sync as separate worker processes: killed with SIGKILL mid-way, two at once, and the
database server going away under a running `sync --loop`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from jsm.models import JiraProject
from portal.models import ReportSettings
from sandbox.process import SandboxProcess
from sync.locks import is_locked
from sync.models import ABANDONED, SyncRun
from tempo_integration.models import TempoIntegration, Worklog
from tests.factories import people
from tests.waiting import wait_for
from worklog_report.database_outage import DATABASE_UNAVAILABLE

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
    admin = people.user("admin", "a@example.com", "x", is_staff=True)
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

    wait_for(lambda: not is_locked("tempo"))  # the dead worker's lease runs out (2 s)
    again = run_sync(worker_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Tempo sync succeeded" in again.stdout
    # The first run (nothing enabled yet), the killed one, and the one that completed.
    _, killed, latest = SyncRun.objects.filter(kind="tempo").order_by("started_at")
    assert killed.status == "failed" and killed.error == ABANDONED
    assert latest.status == "succeeded"
    assert Worklog.objects.count() == latest.counts["worklogs"] > 1000  # all there, once


def test_two_workers_at_once_run_one_sync(worker_env, worker_sandbox):
    # Long enough for the second process to start (import Django, connect) on a loaded
    # machine while the first still holds the lock.
    worker_sandbox.client.add_fault("jira", "slow", count=1, delay=10)
    first = start_sync(worker_env)
    wait_for(lambda: SyncRun.objects.filter(kind="jira", status="running").exists())
    second = start_sync(worker_env)
    out_second, _ = second.communicate(timeout=60)
    out_first, _ = first.communicate(timeout=60)
    assert "A jira sync is already running. Skipped this run." in out_second
    assert "Jira sync succeeded" in out_first
    assert SyncRun.objects.filter(kind="jira").count() == 1


@contextmanager
def postgres_outage():
    """The test database refuses new connections and loses the ones it had (but this test's
    own), as while PostgreSQL restarts or fails over; it is back when the block ends."""
    import psycopg

    db = connection.settings_dict
    name = db["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ours = cursor.fetchone()[0]
    # A database cannot refuse connections to itself: ask from the server's maintenance one.
    server = psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )
    try:
        server.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s",
            [name, ours],
        )
        yield
    finally:
        server.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        server.close()


def test_database_briefly_unavailable_mid_sync_the_loop_carries_on(worker_env, worker_sandbox):
    if connection.vendor != "postgresql":
        pytest.skip("a database server to take away: PostgreSQL (SQLite is a file, not a server)")
    first = run_sync(worker_env)
    assert first.returncode == 0, first.stdout + first.stderr
    for project in JiraProject.objects.all():
        ReportSettings.objects.update_or_create(project=project, defaults={"enabled": True})
    # The periodic sync's Tempo read stalls on its first page; the database goes away
    # meanwhile, for 4 s, and with it the sync's connection.
    worker_sandbox.client.add_fault("tempo", "slow", count=1, delay=3)
    loop = subprocess.Popen(
        [sys.executable, "manage.py", "sync", "--loop", "2"],
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: SyncRun.objects.filter(kind="tempo", status="running").exists())
        with postgres_outage():
            time.sleep(4)  # the outage itself, 4 s long: what the sync must live through
        # The first run (before anything was enabled) succeeded; wait for the next success.
        wait_for(
            lambda: SyncRun.objects.filter(kind="tempo", status="succeeded").count() == 2,
            timeout=60,
        )
    finally:
        loop.send_signal(signal.SIGTERM)
        output, _ = loop.communicate(timeout=60)
    assert loop.returncode == 0, output  # the same process, still running, stopped cleanly
    assert "Stopped." in output and "Traceback" not in output
    runs = list(SyncRun.objects.filter(kind="tempo").order_by("started_at"))
    assert len(runs) >= 3, [(r.status, r.error) for r in runs] + [output]
    interrupted, completed = runs[1:3]
    assert interrupted.status == "failed", output
    assert interrupted.error == DATABASE_UNAVAILABLE and interrupted.finished_at
    assert completed.status == "succeeded"
    assert Worklog.objects.count() == completed.counts["worklogs"] > 1000  # all there, once
    assert not SyncRun.objects.filter(status="running").exists()


def sessions_so_far() -> int:
    """Connections made to the test database since the server started (PostgreSQL 14+);
    it counts even those already closed, like the worker's between two polls."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_the_task_worker_waits_out_a_database_outage(worker_env):
    """`manage.py worker` (the Procfile's) keeps running while PostgreSQL refuses and drops
    connections, and runs the next queued sync once it is back; db_worker would exit."""
    if connection.vendor != "postgresql":
        pytest.skip("a database server to take away: PostgreSQL (SQLite is a file, not a server)")
    env = {**worker_env, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    before = sessions_so_far()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"]
        + ["--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Started and polling for tasks: it has connected to the test database.
        wait_for(lambda: sessions_so_far() > before, message=lambda: f"exit {worker.poll()}")
        with postgres_outage():
            time.sleep(3)  # the outage itself, 3 s long: what the worker must wait out
        assert worker.poll() is None, "the worker exited during the outage"
        queued = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c"]
            + ["from sync.tasks import request_sync; print(request_sync())"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert queued.stdout.strip().endswith("True"), queued.stdout + queued.stderr
        wait_for(
            lambda: SyncRun.objects.filter(kind="jira", status="succeeded").exists(), timeout=60
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert "worker lost the database" in output and "Traceback" not in output
