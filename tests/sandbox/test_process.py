"""The sandbox as a process: start-up guard, idempotent seeding, secrets kept out of files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sandbox.process import MANAGE_PY, SandboxProcess, SandboxStartError

pytestmark = pytest.mark.integration


def test_a_taken_port_is_refused(sandbox, tmp_path):
    with pytest.raises(SandboxStartError, match=f"Port {sandbox.port} .* already in use"):
        SandboxProcess(tmp_path, port=sandbox.port).start()


def test_seeding_again_changes_nothing(sandbox, tempo):
    before = tempo.all_worklogs()

    result = subprocess.run(
        [sys.executable, str(MANAGE_PY), "seed_sandbox"],
        env={**os.environ, "SANDBOX_DATABASE_URL": sandbox.database_url},
        capture_output=True,
        text=True,
        check=True,
    )

    assert "0 worklog(s) created" in result.stdout
    assert tempo.all_worklogs() == before


def test_token_values_never_reach_the_database_or_the_log(sandbox, http):
    minted = sandbox.client.mint_token(name="secret keeper")
    regenerated = sandbox.client.regenerate_token(sandbox.client.mint_token())
    http.get(
        f"{sandbox.tempo_url}/4/worklogs", headers={"Authorization": f"Bearer {minted}"}, timeout=10
    )

    files = [sandbox.log_path, *sandbox.data_dir.glob("sandbox.sqlite3*")]
    contents = b"".join(path.read_bytes() for path in files)
    assert b"secret keeper" in contents  # the files were read and do hold the token's row
    assert minted.encode() not in contents
    assert regenerated.encode() not in contents
