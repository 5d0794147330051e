"""The Procfile as a platform (or `make serve`) runs it: the release step, then gunicorn with
DEBUG off serving pages and hashed static files through whitenoise, the task worker and the
periodic sync, each stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.process import free_port
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from serve import read_procfile  # noqa: E402

pytestmark = pytest.mark.integration

LONG_RUNNING = ("web", "worker", "sync")
# What each prints once it is running (and has installed its signal handlers).
READY = {
    "web": "Booting worker",
    "worker": "Starting worker",
    "sync": "Tempo sync skipped",
}


@pytest.fixture(scope="module")
def procfile() -> dict[str, str]:
    return read_procfile(ROOT / "Procfile")


@pytest.fixture(scope="module")
def production_env(tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("procfile")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp / 'app.sqlite3'}",
            "STATIC_ROOT": str(tmp / "static"),
            "CACHE_URL": "dbcache://worklog_report_cache",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS_ONLY": "0",
            "BIND_ADDRESS": "127.0.0.1",
            "PORT": str(free_port()),
            "GUNICORN_WORKERS": "2",
            "SYNC_INTERVAL": "3600",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def test_procfile_names_the_four_processes(procfile):
    assert set(procfile) == {"release", "web", "worker", "sync"}
    assert procfile["web"].startswith("gunicorn worklog_report.wsgi ")
    assert "${PORT:-8000}" in procfile["web"]
    assert "${GUNICORN_WORKERS:-${WEB_CONCURRENCY:-3}}" in procfile["web"]
    assert procfile["worker"].startswith("python manage.py worker")
    assert procfile["sync"] == "python manage.py sync --loop ${SYNC_INTERVAL:-900}"
    for step in ("migrate", "createcachetable", "collectstatic"):
        assert f"manage.py {step}" in procfile["release"]


def test_release_then_web_worker_and_sync(procfile, production_env):
    release = subprocess.run(
        ["sh", "-c", procfile["release"]],
        cwd=ROOT,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert release.returncode == 0, release.stdout + release.stderr
    logs = {name: production_env["STATIC_ROOT"] + f"-{name}.log" for name in LONG_RUNNING}
    processes = {
        name: subprocess.Popen(
            ["sh", "-c", f"exec {procfile[name]}"],
            cwd=ROOT,
            env=production_env,
            stdout=open(logs[name], "w"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
        )
        for name in LONG_RUNNING
    }
    try:
        base = f"http://127.0.0.1:{production_env['PORT']}"
        health = _wait_for(f"{base}/healthz")
        assert health.status_code == 200 and health.json()["database"] == "ok"

        page = requests.get(f"{base}/accounts/login/", timeout=15)
        assert page.status_code == 200 and "Content-Security-Policy" in page.headers
        css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.text)
        assert css, "the page links the hashed stylesheet"
        static = requests.get(f"{base}{css.group(1)}", timeout=15)
        assert static.status_code == 200
        assert "immutable" in static.headers["Cache-Control"]  # whitenoise: hashed = forever
        assert requests.get(f"{base}/static/css/app.css", timeout=15).status_code == 200

        missing = requests.get(f"{base}/no-such-page/", timeout=15)
        assert missing.status_code == 404 and "Page not found" in missing.text
        # Stop them only once they are up, so what is tested is their own clean shutdown.
        for name, ready in READY.items():
            _wait_for_line(logs[name], ready)
        for name, process in processes.items():
            assert process.poll() is None, f"{name} died: {Path(logs[name]).read_text()}"
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
    for name, process in processes.items():
        process.wait(timeout=30)
        output = Path(logs[name]).read_text()
        assert process.returncode == 0, f"{name} exited {process.returncode}: {output}"
        assert "Traceback" not in output, f"{name}: {output}"


def _wait_for_line(path: str, text: str, timeout: float = 30.0) -> None:
    wait_for(lambda: text in Path(path).read_text(), timeout, 0.2, message=f"no {text!r} in {path}")


def _wait_for(url: str, timeout: float = 30.0) -> requests.Response:
    answers = []

    def answered() -> bool:
        try:
            answers.append(requests.get(url, timeout=10))
        except (requests.ConnectionError, requests.Timeout):  # still booting
            return False
        return True

    wait_for(answered, timeout, 0.2, message=f"no answer from {url}")
    return answers[-1]
