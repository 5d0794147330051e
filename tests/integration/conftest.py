from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def tempo_sandbox(sandbox_clean, settings):
    """The real sandbox process, with the app's Tempo client pointed at it."""
    settings.TEMPO_BASE_URL = sandbox_clean.tempo_url
    settings.SANDBOX_URL = sandbox_clean.url
    return sandbox_clean


@pytest.fixture
def mint(tempo_sandbox, capsys):
    """Mint a token the way scripts do: `manage.py sandbox_token ...`, returning its output."""

    def mint(*args: str) -> str:
        capsys.readouterr()
        call_command("sandbox_token", *args)
        return capsys.readouterr().out.strip()

    return mint
