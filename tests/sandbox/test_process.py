"""The sandbox as a process: start-up guard, idempotent seeding, secrets kept out of files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sandbox.client import SandboxError
from sandbox.process import MANAGE_PY, SandboxProcess, SandboxStartError

pytestmark = pytest.mark.integration


def test_a_taken_port_is_refused(sandbox, tmp_path):
    with pytest.raises(SandboxStartError, match=f"Port {sandbox.port} .* already in use"):
        SandboxProcess(tmp_path, port=sandbox.port).start()


def test_seeding_again_changes_nothing(tempo_sandbox, tempo):
    before = tempo.all_worklogs()

    result = subprocess.run(
        [sys.executable, str(MANAGE_PY), "seed_sandbox"],
        env={**os.environ, "SANDBOX_DATABASE_URL": tempo_sandbox.database_url},
        capture_output=True,
        text=True,
        check=True,
    )

    assert "0 worklog(s) created" in result.stdout
    assert tempo.all_worklogs() == before


def test_manage_runs_a_command_on_the_sandboxs_database(tempo_sandbox):
    assert "0 worklog(s) created" in tempo_sandbox.manage("seed_sandbox")


def test_manage_reports_a_failing_command(tempo_sandbox):
    with pytest.raises(SandboxError, match="no_such_command"):
        tempo_sandbox.manage("no_such_command")


def test_token_values_never_reach_the_database_or_the_log(sandbox, http):
    minted = sandbox.client.mint_token(name="secret keeper")
    regenerated = sandbox.client.regenerate_token(sandbox.client.mint_token())
    http.get(
        f"{sandbox.tempo_url}/4/worklogs", headers={"Authorization": f"Bearer {minted}"}, timeout=10
    )

    files = [sandbox.log_path, *sandbox.data_dir.glob("sandbox.sqlite3*")]
    contents = b"".join(_read(path) for path in files)
    assert b"secret keeper" in contents  # the files were read and do hold the token's row
    assert minted.encode() not in contents
    assert regenerated.encode() not in contents


def _read(path):
    try:
        return path.read_bytes()
    except FileNotFoundError:  # SQLite removed its -wal or -shm file since the listing
        return b""
