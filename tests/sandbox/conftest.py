"""Helpers for the sandbox's own tests: an HTTP session and tokens for the emulated Tempo.

The `sandbox` and `sandbox_clean` fixtures come from the `tests.sandbox_fixtures` plugin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.process import SandboxProcess


class TempoApi:
    """Calls the sandbox's Tempo API the way the app does: `Authorization: Bearer`."""

    def __init__(self, sandbox: SandboxProcess, token: str) -> None:
        self.base = f"{sandbox.tempo_url}/4"
        self.token = token
        self.session = requests.Session()
        self.session.trust_env = False

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        return self.request("GET", path, token=token, params=params)

    def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}{path}"
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return self.session.request(method, url, headers=headers, timeout=10, **kwargs)

    def all_worklogs(self) -> list[dict[str, Any]]:
        response = self.get("/worklogs", limit=5000)
        response.raise_for_status()
        return response.json()["results"]


@pytest.fixture(scope="session")
def full_token(sandbox: SandboxProcess) -> str:
    return sandbox.client.mint_token(name="tests: full access", full=True)


@pytest.fixture
def tempo(sandbox_clean: SandboxProcess, full_token: str) -> Iterator[TempoApi]:
    api = TempoApi(sandbox_clean, full_token)
    yield api
    api.session.close()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()
