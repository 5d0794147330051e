from __future__ import annotations

import pytest
from django.core.management import call_command

from sandbox.process import SandboxProcess


@pytest.fixture(scope="session")
def demo_sandbox(tmp_path_factory):
    """One sandbox process for the integration tests that change its data; each starts from
    `fresh_sandbox`. It lists Jira worklog changes at once (no hidden last minute)."""
    process = SandboxProcess(
        tmp_path_factory.mktemp("demo-sandbox"),
        env={"SANDBOX_JIRA_WORKLOG_CHANGES_DELAY": "0"},
    ).start()
    yield process
    process.stop()


@pytest.fixture
def fresh_sandbox(demo_sandbox, settings):
    """The demo data afresh with no fault or behaviour switched on, and the app's Tempo and
    Jira settings pointed at it (no Tempo token stored yet)."""
    demo_sandbox.manage("seed_demo")
    demo_sandbox.client.clear_faults()
    demo_sandbox.client.switch_off()
    settings.TEMPO_BASE_URL = demo_sandbox.tempo_url
    settings.JIRA_BASE_URL = demo_sandbox.jira_url
    settings.JIRA_EMAIL = demo_sandbox.jira_email
    settings.JIRA_API_TOKEN = demo_sandbox.jira_api_token
    settings.TEMPO_RETRY_BUDGET = settings.JIRA_RETRY_BUDGET = 3
    return demo_sandbox


@pytest.fixture
def tempo_sandbox(sandbox_clean, settings):
    """The real sandbox process, with the app's Tempo client pointed at it."""
    settings.TEMPO_BASE_URL = sandbox_clean.tempo_url
    settings.SANDBOX_URL = sandbox_clean.url
    return sandbox_clean


@pytest.fixture
def mint(tempo_sandbox, capsys):
    """Mint a token the way scripts do: `manage.py sandbox_token ...`, returning its output."""

    def mint(*args: str) -> str:
        capsys.readouterr()
        call_command("sandbox_token", *args)
        return capsys.readouterr().out.strip()

    return mint
