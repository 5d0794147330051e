"""Shared fixtures: the people of docs/product.md §1 and the sandbox process."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

pytest_plugins = ["tests.sandbox_fixtures"]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_user(
        "admin", "admin@example.com", PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user(
        "alice@acme.example", "alice@acme.example", PASSWORD, first_name="Alice"
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def _no_retry_sleep(monkeypatch):
    """Unit tests never sleep between retries (HTTP calls, a lost database); the waits are
    tested on their own."""
    monkeypatch.setattr("worklog_report.http_client._sleep", lambda seconds: None)
    monkeypatch.setattr("worklog_report.database_outage._sleep", lambda seconds: None)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Production hashes static names after collectstatic; tests serve the source files."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """The set-password limits count in the cache (memory in tests): each test starts at 0."""
    cache.clear()
