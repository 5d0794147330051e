"""The control endpoint and its Python client."""

from __future__ import annotations

import pytest

from sandbox.client import SandboxClient, SandboxError
from sandbox.process import free_port

pytestmark = pytest.mark.integration


def test_health(sandbox):
    assert sandbox.client.health() is True


def test_mint_without_access_gives_full_access_and_a_name(sandbox, http):
    answer = http.post(f"{sandbox.url}/_sandbox/tokens", json={}, timeout=10).json()

    assert answer["name"].startswith("token-")
    assert len(answer["token"]) >= 32 and answer["token"].isalnum()
    page = http.get(f"{sandbox.tempo_url}/settings/api-integration/", timeout=10).text
    assert answer["name"] in page


def test_tokens_are_unique(sandbox):
    assert len({sandbox.client.mint_token() for _ in range(5)}) == 5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scopes": {"worklogs": "edit"}},
        {"scopes": {"timesheets": "view"}},
        {"full": True, "scopes": {"worklogs": "view"}},
        {"expires_in_days": 0},
        {"expires_in_days": 5001},
    ],
)
def test_mint_refuses_bad_input(sandbox, kwargs):
    with pytest.raises(SandboxError, match="refused"):
        sandbox.client.mint_token(**kwargs)


def test_delete_unknown_token_is_an_error(sandbox):
    with pytest.raises(SandboxError, match="No such token"):
        sandbox.client.delete_token("no-such-token")


def test_expired_token_cannot_be_regenerated(sandbox):
    token = sandbox.client.mint_token(expired=True)

    with pytest.raises(SandboxError, match="expired"):
        sandbox.client.regenerate_token(token)


@pytest.mark.parametrize(
    "body",
    [
        {"service": "github", "kind": "500"},
        {"service": "tempo", "kind": "418"},
        {"service": "tempo", "kind": "500", "count": 0},
        {"service": "tempo", "kind": "slow", "delay": -1},
        {"service": "tempo", "kind": "429", "retry_after": "soon"},
    ],
)
def test_fault_refuses_bad_input(sandbox, http, body):
    response = http.post(f"{sandbox.url}/_sandbox/faults", json=body, timeout=10)

    assert response.status_code == 400
    assert response.json()["error"]


def test_control_endpoint_rejects_get_on_post_routes(sandbox, http):
    assert http.get(f"{sandbox.url}/_sandbox/tokens", timeout=10).status_code == 405


def test_client_explains_when_the_sandbox_is_not_running():
    client = SandboxClient(f"http://127.0.0.1:{free_port()}")

    assert client.health() is False
    with pytest.raises(SandboxError, match=r"not running at http://127\.0\.0\.1:\d+.*make run"):
        client.mint_token()
