"""bench/app_cache.py: the prepared app database is reused only for the same seeded sandbox
file, day and app source, and restored exactly."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.db import connection

from bench import app_cache, seed_cache
from jsm.models import JiraProject

SEED_KEY = "2026-12-01-aaaaaaaa-bbbbbbbbbbbbbbbb"


def test_the_key_changes_with_the_seed_the_sandbox_file_and_the_app(tmp_path):
    seeded = tmp_path / "seed.sqlite3"
    seeded.write_bytes(b"seeded")
    os.utime(seeded, ns=(1_000_000_000, 1_000_000_000))
    key = app_cache.app_key(SEED_KEY, seeded, "1" * 64)
    assert key.startswith(SEED_KEY + "-")
    assert app_cache.app_key(SEED_KEY, seeded, "1" * 64) == key
    assert app_cache.app_key("2026-12-02-aaaaaaaa-bbbbbbbbbbbbbbbb", seeded, "1" * 64) != key
    assert app_cache.app_key(SEED_KEY, seeded, "2" * 64) != key
    os.utime(seeded, ns=(2_000_000_000, 2_000_000_000))  # seeded again
    assert app_cache.app_key(SEED_KEY, seeded, "1" * 64) != key


def test_the_app_hash_covers_the_jira_sync_the_migrations_and_the_set_up(tmp_path):
    names = {str(p.relative_to(app_cache.ROOT)) for p in app_cache.app_sources()}
    assert {"jsm/sync.py", "jsm/worklogs.py", "jsm/client.py", "sync/runs.py"} <= names
    assert "worklog_report/bulk.py" in names
    assert "jsm/migrations/0001_initial.py" in names
    assert "tempo_integration/migrations/0001_initial.py" in names
    assert not any(name.startswith(("sandbox/", "tests/", ".venv/")) for name in names)

    def set_up():
        return 1

    def other_set_up():
        return 2

    assert app_cache.app_hash(set_up) != app_cache.app_hash(other_set_up)
    assert app_cache.app_hash(set_up) == app_cache.app_hash(set_up)

    root = tmp_path / "app"
    (root / "jsm").mkdir(parents=True)
    (root / "jsm" / "sync.py").write_text("one")
    before = app_cache.app_hash(root=root)
    (root / "jsm" / "sync.py").write_text("two")
    assert app_cache.app_hash(root=root) != before


def test_other_days_and_older_copies_of_the_same_seed_are_stale():
    key = f"{SEED_KEY}-11111111-2222222222222222"
    assert not app_cache._stale(key, key)
    assert app_cache._stale(key, f"2026-11-30-aaaaaaaa-bbbbbbbbbbbbbbbb-11111111-{'2' * 16}")
    assert app_cache._stale(key, f"{SEED_KEY}-33333333-2222222222222222")  # re-seeded
    assert app_cache._stale(key, f"{SEED_KEY}-11111111-4444444444444444")  # app changed
    assert app_cache._stale(key, f"2026-12-01-aaaaaaaa-{'c' * 16}-11111111-{'2' * 16}")
    assert not app_cache._stale(key, f"2026-12-01-dddddddd-{'b' * 16}-11111111-{'2' * 16}")


def test_the_postgresql_name_fits_and_names_the_key():
    name = app_cache.pg_cache_name("test_" + "x" * 80, "a key")
    assert len(name) == 63 and "_app_" in name
    assert name != app_cache.pg_cache_name("test_" + "x" * 80, "another key")
    assert app_cache.pg_cache_name("test_helper_b", "k").startswith("test_helper_b_app_")


def test_the_seed_cache_leaves_the_app_copies_alone(tmp_path):
    import sqlite3

    database = tmp_path / "sandbox.sqlite3"
    sqlite3.connect(database).close()
    cache = tmp_path / "cache"
    cache.mkdir()
    app_copy = cache / f"app-{SEED_KEY}-11111111-2222222222222222.sqlite3"
    app_copy.write_bytes(b"app")
    seed_cache.store(database, cache / "2026-12-02-aaaaaaaa-bbbbbbbbbbbbbbbb.sqlite3")
    assert app_copy.exists()


def _projects() -> list[str]:
    return list(JiraProject.objects.order_by("key").values_list("key", flat=True))


@pytest.fixture
def cache_dir(tmp_path):
    yield tmp_path
    if connection.vendor == "postgresql":  # the kept databases of this test database
        with connection._nodb_cursor() as cursor:
            for name in app_cache._pg_cached(cursor, connection.settings_dict["NAME"]):
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


def test_prepared_app_prepares_once_then_restores(transactional_db, cache_dir):
    key = f"{SEED_KEY}-11111111-2222222222222222"
    calls = []

    def prepare():
        calls.append(1)
        JiraProject.objects.create(jira_id="10000", key="ITSD", name="IT", service_desk_id="1")

    assert app_cache.restore(key, cache_dir) is False  # nothing kept yet
    how, _ = app_cache.prepared_app(key, prepare, cache_dir)
    assert how == "synced" and calls == [1] and _projects() == ["ITSD"]

    # The measurements change the database; the next run starts from the kept state.
    JiraProject.objects.all().delete()
    JiraProject.objects.create(jira_id="10001", key="SUP", name="Support", service_desk_id="2")
    cache.set("derived-from-the-data", "before the restore")
    how, _ = app_cache.prepared_app(key, prepare, cache_dir)
    assert how == "cached" and calls == [1]
    assert _projects() == ["ITSD"]
    assert cache.get("derived-from-the-data") is None
    JiraProject.objects.create(jira_id="10001", key="SUP", name="Support", service_desk_id="2")
    assert _projects() == ["ITSD", "SUP"]  # the restored database takes writes


def test_a_new_copy_replaces_the_stale_ones(transactional_db, cache_dir):
    old = f"2026-11-30-aaaaaaaa-bbbbbbbbbbbbbbbb-11111111-{'2' * 16}"
    other_seed = f"2026-12-01-dddddddd-bbbbbbbbbbbbbbbb-11111111-{'2' * 16}"
    new = f"{SEED_KEY}-11111111-2222222222222222"
    for key in (old, other_seed):
        app_cache.store(key, cache_dir)
    JiraProject.objects.create(jira_id="10000", key="ITSD", name="IT", service_desk_id="1")
    app_cache.store(new, cache_dir)
    assert app_cache.restore(old, cache_dir) is False  # another day's: removed
    assert app_cache.restore(other_seed, cache_dir) is True and _projects() == []
    assert app_cache.restore(new, cache_dir) is True and _projects() == ["ITSD"]
