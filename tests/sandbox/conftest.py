"""Fixtures of the sandbox's own tests: the processes and HTTP clients (clients.py).

The `sandbox` and `sandbox_clean` fixtures (the demo data) come from the
`tests.sandbox_fixtures` plugin. The Tempo tests count and name worklogs exactly, so they
run against `tempo_sandbox`, a second process holding only `seed_sandbox`'s twelve.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox.process import SandboxProcess
from tests.sandbox.clients import JiraApi, TempoApi


@pytest.fixture(scope="session")
def tempo_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox holding only the twelve Tempo worklogs of `seed_sandbox`."""
    process = SandboxProcess(tmp_path_factory.mktemp("tempo-sandbox"), seed=False).start()
    process.manage("seed_sandbox")
    yield process
    process.stop()


@pytest.fixture
def tempo_sandbox_clean(tempo_sandbox: SandboxProcess) -> SandboxProcess:
    tempo_sandbox.client.clear_faults()
    tempo_sandbox.client.reset_request_count()
    return tempo_sandbox


@pytest.fixture(scope="session")
def full_token(tempo_sandbox: SandboxProcess) -> str:
    return tempo_sandbox.client.mint_token(name="tests: full access", full=True)


@pytest.fixture
def tempo(tempo_sandbox_clean: SandboxProcess, full_token: str) -> Iterator[TempoApi]:
    api = TempoApi(tempo_sandbox_clean, full_token)
    yield api
    api.session.close()


@pytest.fixture(scope="session")
def drift_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A second demo sandbox whose data the tests change (data drift, reseeding).

    It lists worklog changes at once (no one-minute delay), so the tests need not wait.
    """
    process = SandboxProcess(
        tmp_path_factory.mktemp("drift-sandbox"),
        env={"SANDBOX_JIRA_WORKLOG_CHANGES_DELAY": "0"},
    ).start()
    yield process
    process.stop()


@pytest.fixture
def jira(sandbox_clean: SandboxProcess) -> Iterator[JiraApi]:
    """The demo sandbox's Jira, signed in with the sandbox account."""
    api = JiraApi(sandbox_clean)
    yield api
    api.session.close()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()
