"""`manage.py check --deploy` is clean with the production settings the README documents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# README, "Deploying": the environment of a production web process behind a TLS proxy.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "q7Vn2-Lw9xR4_tK8mZ1pB6yH3cF0sJ5dG8uN2vQ7eT4wA9kX1rM6bC3zP0hY5jL8",
    "ENCRYPTION_KEYS": "hMqJ5U0sDd2b3O2m0wH0lq9W8m0yR7m7tQn8ZyqY2xk=",
    "ALLOWED_HOSTS": "worklogs.example.com",
    "DATABASE_URL": "postgres://worklog:secret@db.internal:5432/worklog_report",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_PRELOAD": "1",
}


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    # Only the production settings: nothing of the test process's environment (pytest-env's
    # HTTPS_ONLY=0, the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE…) may leak in.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(PRODUCTION)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "overrides,warning",
    [
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"HTTPS_ONLY": "0"}, "security.W008"),
        ({"SECURE_HSTS_PRELOAD": "0"}, "security.W021"),
    ],
)
def test_check_deploy_still_warns_about_weaker_settings(overrides, warning):
    result = check_deploy(**overrides)
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout
