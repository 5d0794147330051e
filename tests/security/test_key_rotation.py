"""Key rotation as an operator does it, through the environment and separate processes
(tests/tempo_integration/test_crypto.py covers the same steps in one process):

store under A → ENCRYPTION_KEYS="B,A" → rotate → ENCRYPTION_KEYS="B": the token reads back.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tempo_integration.crypto import key_id

ROOT = Path(__file__).resolve().parents[2]
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
TOKEN = "Rotation-Test-Token-7f3K9pQ2"

STORE = f"""
from django.contrib.auth import get_user_model
from tempo_integration.models import TempoIntegration
user = get_user_model().objects.create_user("admin", is_staff=True)
print(TempoIntegration.store("{TOKEN}", user).key_id)
"""

READ = f"""
from tempo_integration.models import TempoIntegration
integration = TempoIntegration.current()
print(integration.key_id, integration.token() == "{TOKEN}", integration.masked_token)
"""


@pytest.fixture
def manage(tmp_path):
    database = f"sqlite:///{tmp_path / 'rotation.sqlite3'}"

    def run(*args: str, keys: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, DATABASE_URL=database, ENCRYPTION_KEYS=keys, DEBUG="0")
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    migrated = run("migrate", "--no-input", "-v", "0", keys=KEY_A)
    assert migrated.returncode == 0, migrated.stderr
    return run


def test_a_token_stored_under_a_survives_rotation_to_b_and_the_removal_of_a(manage):
    stored = manage("shell", "-v", "0", "-c", STORE, keys=KEY_A)
    assert stored.stdout.split() == [key_id(KEY_A)], stored.stderr

    # The new key first, the old one still there (with the spaces people type).
    rotated = manage("rotate_encryption_keys", keys=f"{KEY_B} , {KEY_A}")
    assert rotated.returncode == 0, rotated.stderr
    assert f"with key {key_id(KEY_B)} (1 moved from an older key)" in rotated.stdout

    # A removed: the token reads back under B alone, still masked to its last 4 characters.
    read = manage("shell", "-v", "0", "-c", READ, keys=KEY_B)
    assert read.stdout.split() == [key_id(KEY_B), "True", f"••••••••{TOKEN[-4:]}"], read.stderr
    again = manage("rotate_encryption_keys", keys=KEY_B)
    assert "(0 moved from an older key)" in again.stdout
