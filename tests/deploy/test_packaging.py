"""What an install of the project ships: every app the settings install, and never the
sandbox (a development and test tool, run from the repository)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]


def shipped_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return set(find_packages(str(ROOT), include=include))


def test_every_installed_app_of_ours_is_shipped():
    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    assert ours == {
        "accounts",
        "jsm",
        "tempo_integration",
        "portal",
        "sync",
        "backup",
        "alerts",
        "statements",
        "webhooks",
    }
    assert ours <= shipped_packages()
    assert "worklog_report" in shipped_packages()


def test_the_sandbox_is_never_shipped():
    assert not {name for name in shipped_packages() if name.split(".")[0] == "sandbox"}
