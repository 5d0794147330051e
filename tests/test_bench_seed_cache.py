"""bench/seed_cache.py: a seeded sandbox file is reused only for the same seed, day and
seeder source."""

from __future__ import annotations

import datetime as dt
import sqlite3

from bench import seed_cache


def test_the_key_changes_with_the_arguments_the_day_and_the_seeder(monkeypatch):
    args = ["--requests", "20000", "--worklogs", "500000"]
    day = dt.date(2026, 12, 1)
    key = seed_cache.cache_key(args, day)
    assert key.startswith("2026-12-01-")
    assert seed_cache.cache_key(args, day) == key
    assert seed_cache.cache_key(["--requests", "2000", "--worklogs", "50000"], day) != key
    assert seed_cache.cache_key(args, dt.date(2026, 12, 2)) != key
    monkeypatch.setattr(seed_cache, "seeder_hash", lambda: "0" * 64)
    assert seed_cache.cache_key(args, day) != key


def test_the_seeder_sources_cover_the_demo_models_and_migrations():
    names = {str(p.relative_to(seed_cache.ROOT)) for p in seed_cache.seeder_sources()}
    assert "sandbox/demo/build.py" in names
    assert "sandbox/tempo/models.py" in names
    assert "sandbox/jira/models.py" in names
    assert "sandbox/migrations/0001_initial.py" in names
    assert "sandbox/management/commands/seed_demo.py" in names


def test_store_copies_the_database_and_drops_other_days(tmp_path):
    database = tmp_path / "sandbox.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (n INTEGER)")
        connection.execute("INSERT INTO t VALUES (42)")
    cache = tmp_path / "cache"
    cache.mkdir()
    old = cache / "2026-11-30-aaaaaaaa-bbbbbbbbbbbbbbbb.sqlite3"
    old.write_bytes(b"yesterday")
    stale = cache / "2026-12-01-aaaaaaaa-cccccccccccccccc.sqlite3"
    stale.write_bytes(b"an older seeder")
    other_seed = cache / "2026-12-01-dddddddd-cccccccccccccccc.sqlite3"
    other_seed.write_bytes(b"another size")
    kept = cache / "2026-12-01-aaaaaaaa-bbbbbbbbbbbbbbbb.sqlite3"

    seed_cache.store(database, kept)

    with sqlite3.connect(kept) as connection:
        assert connection.execute("SELECT n FROM t").fetchall() == [(42,)]
    assert not old.exists() and not stale.exists()
    assert other_seed.exists()
    assert not list(cache.glob("*.partial"))
