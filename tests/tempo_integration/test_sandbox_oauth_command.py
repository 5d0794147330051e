"""`manage.py sandbox_oauth` against the real sandbox process (docs/sandbox.md, OAuth 2.0)."""

from __future__ import annotations

import pytest
import requests
from django.core.management import CommandError, call_command

from sandbox.process import free_port

pytestmark = pytest.mark.integration

REDIRECT = "http://127.0.0.1:8000/tempo/oauth/callback/"


@pytest.fixture
def run(sandbox_clean, capsys):
    """`sandbox_oauth ARGS` against the session's sandbox: the lines it printed."""

    def run(*args: str) -> list[str]:
        capsys.readouterr()
        call_command("sandbox_oauth", "--sandbox-url", sandbox_clean.url, *args)
        return capsys.readouterr().out.splitlines()

    yield run
    sandbox_clean.client.reset_oauth_lifetimes()


def fields(lines):
    return dict(line.split("=", 1) for line in lines)


def exchange(sandbox, client_id, secret, code):
    return requests.post(
        f"{sandbox.tempo_url}/oauth/token/",
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": secret,
            "code": code,
            "redirect_uri": REDIRECT,
        },
        timeout=10,
    )


def test_create_authorize_exchange_expire_revoke_delete(run, sandbox_clean):
    created = fields(
        run(
            "create-app",
            "--name",
            "CLI app",
            "--redirect-url",
            REDIRECT,
            "--redirect-url",
            "https://report.example/cb",
            "--client-type",
            "public",
        )
    )
    client_id, secret = created["client_id"], created["client_secret"]

    (code,) = run("authorize", "--client-id", client_id, "--redirect-url", REDIRECT)
    assert exchange(sandbox_clean, client_id, secret, code).status_code == 200
    assert run("expire", "--client-id", client_id) == ["expired=1"]
    counts = sandbox_clean.client.oauth_token_counts(client_id)
    assert (counts["live"], counts["expired"]) == (0, 1)
    run("revoke", "--client-id", client_id)
    assert sandbox_clean.client.oauth_token_counts(client_id)["revoked"] == 1

    new_secret = fields(run("new-secret", "--client-id", client_id))["client_secret"]
    assert new_secret != secret
    run("delete-app", "--client-id", client_id)
    with pytest.raises(CommandError, match="No OAuth 2.0 application has this client_id."):
        run("expire", "--client-id", client_id)


def test_lifetimes(run):
    assert fields(run("lifetimes")) == {"access_seconds": "5184000", "code_seconds": "600"}
    changed = fields(run("lifetimes", "--access-seconds", "5", "--code-seconds", "3"))
    assert changed == {"access_seconds": "5", "code_seconds": "3"}


def test_refusal_is_a_command_error(run):
    with pytest.raises(CommandError, match="absolute http"):
        run("create-app", "--name", "x", "--redirect-url", "not-a-url")


def test_no_sandbox_running():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="not running"):
        call_command("sandbox_oauth", "--sandbox-url", url, "lifetimes")
