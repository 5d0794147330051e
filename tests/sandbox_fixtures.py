"""Pytest plugin: the real sandbox process for integration tests.

Enable with `pytest_plugins = ["tests.sandbox_fixtures"]` in the top-level conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.process import SandboxProcess


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox with the demo data (`seed_demo`) for the whole session, on a free port.

    Its database and log (`sandbox.log`) live in a session temporary directory. If it cannot
    start, every test that uses it errors with the reason: it is never skipped. Tests that
    change its data (drift) must put the demo back (`sandbox.manage("seed_demo")`) or use a
    `SandboxProcess` of their own.
    """
    process = SandboxProcess(tmp_path_factory.mktemp("sandbox"), seed=True).start()
    yield process
    process.stop()


@pytest.fixture
def sandbox_clean(sandbox: SandboxProcess) -> SandboxProcess:
    """The session's sandbox with no pending faults and its request counters at zero."""
    sandbox.client.clear_faults()
    sandbox.client.reset_request_count()
    return sandbox
