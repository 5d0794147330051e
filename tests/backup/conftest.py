"""A stored token, a Tempo serving every backup route, and a backup directory under
tmp_path."""

from __future__ import annotations

import pytest
import responses

from tests.tempo_integration.factories import stored_integration

from .fakes import FakeTempo


@pytest.fixture(autouse=True)
def _today(frozen_today):
    pass


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    directory = tmp_path / "backups"
    settings.TEMPO_BACKUP_DIR = directory
    settings.TEMPO_BACKUP_KEEP = 7
    # Two months (October and November 2026 around tests.clock.TODAY): few per-month reads.
    settings.TEMPO_BACKUP_MONTHS = 2
    return directory


@pytest.fixture
def integration(admin_user):
    return stored_integration(admin_user)


@pytest.fixture
def fake_tempo():
    fake = FakeTempo()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.rsps = rsps
        yield fake


@pytest.fixture
def tempo(integration, fake_tempo):
    """A stored token and Tempo answering every backup route."""
    return fake_tempo
