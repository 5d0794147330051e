"""Shared fixtures: the people of docs/product.md §1, a frozen "today" and the sandbox
process.

Who may see what. These fixtures are Django users only, with no Jira customer linked:
  admin  staff and superuser: the configuration pages.
  alice  of Acme (by her address), not staff: every configuration page is 403 to her, and
         with no customer linked the portal shows her nothing.
  bob    of Acme, and carol of Globex: the same as alice.
All four sign in with PASSWORD. tests/portal/conftest.py's `world` gives alice, bob and
carol their Jira side (tests/factories/people.py's `customer`); there alice sees ITSD-1 and
ITSD-4 (shared with Acme), bob those and his own unshared ITSD-2, carol only Globex's ITSD-3.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests import clock
from tests.factories import people
from tests.factories.people import PASSWORD

pytest_plugins = ["tests.sandbox_fixtures"]


@pytest.fixture
def admin_user(db):
    return people.user("admin", "admin@example.com", PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def alice(db):
    return people.user("alice@acme.example", "alice@acme.example", first_name="Alice")


@pytest.fixture
def bob(db):
    return people.user("bob@acme.example", "bob@acme.example", first_name="Bob")


@pytest.fixture
def carol(db):
    return people.user("carol@globex.example", "carol@globex.example", first_name="Carol")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def frozen_today(time_machine):
    """The clock at tests.clock.NOW, ticking on from there: dates built from clock.TODAY and
    the app's `timezone.now()` agree on any day the suite runs. Made autouse by the deepest
    conftest (or module) whose tests build dates. time-machine patches the whole process,
    live_server's thread included; a browser's JavaScript clock stays real."""
    time_machine.move_to(clock.NOW, tick=True)


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
