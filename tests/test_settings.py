"""With DEBUG off the app refuses to start without its secrets, naming what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def start(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ENCRYPTION_KEYS"}}
    env.update({"DEBUG": "0", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "given,missing",
    [
        ({}, "SECRET_KEY and ENCRYPTION_KEYS must be set"),
        ({"SECRET_KEY": "s" * 50}, "ENCRYPTION_KEYS must be set"),
        ({"ENCRYPTION_KEYS": "k"}, "SECRET_KEY must be set"),
    ],
)
def test_debug_off_refuses_to_start_without_secrets(given, missing):
    result = start(**given)
    assert result.returncode != 0
    assert missing in result.stderr


def test_debug_on_starts_with_development_defaults():
    result = start(DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_a_call_deadline_of_zero_is_refused():
    result = start(DEBUG="1", HTTP_CALL_DEADLINE="0")
    assert result.returncode != 0
    assert "HTTP_CALL_DEADLINE must be a number of seconds above 0." in result.stderr
