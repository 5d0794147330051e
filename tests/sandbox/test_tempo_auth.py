"""Bearer tokens of the emulated Tempo: 401 for dead tokens, 403 for missing scope or level."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def assert_html(response, status):
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")


def test_full_access_token_reads_worklogs(tempo):
    assert tempo.get("/worklogs").status_code == 200


def test_missing_authorization_is_401(tempo):
    response = tempo.session.get(f"{tempo.base}/worklogs", timeout=10)

    assert_html(response, 401)


def test_other_scheme_is_401(tempo):
    headers = {"Authorization": f"Basic {tempo.token}"}
    response = tempo.session.get(f"{tempo.base}/worklogs", headers=headers, timeout=10)

    assert_html(response, 401)


def test_unknown_token_is_401_without_echoing_it(tempo):
    response = tempo.get("/worklogs", token="not-a-real-token-1234")

    assert_html(response, 401)
    assert "not-a-real-token-1234" not in response.text


def test_expired_token_is_401(tempo, tempo_sandbox):
    token = tempo_sandbox.client.mint_token(expired=True)

    assert_html(tempo.get("/worklogs", token=token), 401)


def test_deleted_token_is_401(tempo, tempo_sandbox):
    token = tempo_sandbox.client.mint_token()
    assert tempo.get("/worklogs", token=token).status_code == 200

    tempo_sandbox.client.delete_token(token)

    assert_html(tempo.get("/worklogs", token=token), 401)


def test_regenerated_token_keeps_its_access_and_kills_the_old_value(tempo, tempo_sandbox):
    old = tempo_sandbox.client.mint_token(scopes={"worklogs": "view"})

    new = tempo_sandbox.client.regenerate_token(old)

    assert new != old
    assert_html(tempo.get("/worklogs", token=old), 401)
    assert tempo.get("/worklogs", token=new).status_code == 200
    assert_html(tempo.request("DELETE", "/worklogs/1001", token=new), 403)


def test_regenerated_token_without_worklogs_scope_stays_forbidden(tempo, tempo_sandbox):
    old = tempo_sandbox.client.mint_token(scopes={"teams": "manage"})

    new = tempo_sandbox.client.regenerate_token(old)

    assert_html(tempo.get("/worklogs", token=new), 403)


@pytest.mark.parametrize(
    "path", ["/worklogs", "/worklogs/1001", "/worklogs/project/10000", "/worklogs/issue/10100"]
)
def test_token_without_worklogs_scope_is_403(tempo, tempo_sandbox, path):
    token = tempo_sandbox.client.mint_token(scopes={"teams": "manage", "accounts": "view"})

    assert_html(tempo.get(path, token=token), 403)


def test_view_token_may_search(tempo, tempo_sandbox):
    token = tempo_sandbox.client.mint_token(scopes={"worklogs": "view"})

    response = tempo.request("POST", "/worklogs/search", token=token, json={})

    assert response.status_code == 200


def test_view_token_may_not_delete(tempo, tempo_sandbox):
    token = tempo_sandbox.client.mint_token(scopes={"worklogs": "view"})

    assert_html(tempo.request("DELETE", "/worklogs/1001", token=token), 403)
    assert tempo.get("/worklogs/1001", token=token).status_code == 200


def test_manage_token_reaches_delete(tempo, tempo_sandbox):
    token = tempo_sandbox.client.mint_token(scopes={"worklogs": "manage"})

    # An unknown id, so the shared seed data stays intact: the call got past the scope check.
    assert tempo.request("DELETE", "/worklogs/999999", token=token).status_code == 404


def test_auth_comes_before_parameter_checks(tempo):
    assert_html(tempo.get("/worklogs", token="unknown", project="SUP"), 401)
