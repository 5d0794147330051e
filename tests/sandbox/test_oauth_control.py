"""The control endpoint's OAuth 2.0 part: raw JSON shapes and refusals (/_sandbox/oauth/...)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

REDIRECT = "http://127.0.0.1:8000/tempo/oauth/callback/"


def post(http, sandbox, path, body):
    return http.post(f"{sandbox.url}/_sandbox/oauth/{path}", json=body, timeout=10)


def test_create_answers_credentials_and_the_page_lists_it(tempo_sandbox_clean, http):
    answer = post(
        http,
        tempo_sandbox_clean,
        "applications",
        {"name": "Scripted", "redirect_uris": [REDIRECT], "client_type": "public"},
    )

    assert answer.status_code == 201
    body = answer.json()
    assert {"id", "client_id", "client_secret"} <= set(body)
    assert body["client_type"] == "public" and body["redirect_uris"] == [REDIRECT]
    page = http.get(f"{tempo_sandbox_clean.tempo_url}/settings/oauth-applications/", timeout=10)
    assert "Scripted" in page.text


def test_new_secret_and_delete(tempo_sandbox_clean, http):
    app = tempo_sandbox_clean.client.create_oauth_application("Twice", [REDIRECT])

    renewed = post(
        http, tempo_sandbox_clean, "applications/new-secret", {"client_id": app["client_id"]}
    )
    assert renewed.status_code == 200
    assert renewed.json()["client_secret"] != app["client_secret"]
    gone = post(http, tempo_sandbox_clean, "applications/delete", {"client_id": app["client_id"]})
    assert gone.json() == {"ok": True}
    again = post(http, tempo_sandbox_clean, "applications/delete", {"client_id": app["client_id"]})
    assert again.status_code == 404
    assert again.json() == {"error": "No OAuth 2.0 application has this client_id."}


def test_lifetimes_get_set_reset(tempo_sandbox_clean, http):
    url = f"{tempo_sandbox_clean.url}/_sandbox/oauth/lifetimes"
    try:
        assert http.get(url, timeout=10).json() == {"access_seconds": 5184000, "code_seconds": 600}
        set_ = http.post(url, json={"access_seconds": 5}, timeout=10).json()
        assert set_ == {"access_seconds": 5, "code_seconds": 600}
        set_ = http.post(url, json={"code_seconds": 7}, timeout=10).json()
        assert set_ == {"access_seconds": 5, "code_seconds": 7}
        refused = http.post(url, json={}, timeout=10)
        assert refused.status_code == 400 and "access_seconds" in refused.json()["error"]
    finally:
        reset = http.delete(url, timeout=10).json()
    assert reset == {"access_seconds": 5184000, "code_seconds": 600}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("applications", {"redirect_uris": [REDIRECT]}, "'name'"),
        ("applications", {"name": "x", "redirect_uris": []}, "'redirect_uris'"),
        ("applications", {"name": "x", "redirect_uris": ["cb"]}, "absolute http(s)"),
        ("authorize", {"redirect_uri": REDIRECT}, "'client_id'"),
        ("lifetimes", {"code_seconds": 1.5}, "'code_seconds' must be a whole number."),
    ],
)
def test_bad_input_is_a_400_sentence(tempo_sandbox_clean, http, path, body, message):
    answer = post(http, tempo_sandbox_clean, path, body)

    assert answer.status_code == 400
    assert message in answer.json()["error"]


def test_tokens_needs_a_client_id(tempo_sandbox_clean, http):
    answer = http.get(f"{tempo_sandbox_clean.url}/_sandbox/oauth/tokens", timeout=10)

    assert answer.status_code == 400
    assert answer.json()["error"] == "'client_id' must be the application's client id."
