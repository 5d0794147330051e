"""The benchmark's prepared app database kept between `make bench` runs (like bench/seed_cache.py).

Before measuring a size, `make bench` syncs Jira from the seeded sandbox into a fresh app
database and enables every project (`bench.measure.sync_and_enable`): set-up, not a
measurement, and at 500,000 worklogs (20,000 requests, 490,000 Jira worklogs) minutes of it.
The same seeded sandbox gives the same app state, so that state is kept and restored:

- SQLite: a copy of the database in `.cache/bench/app-<key>.sqlite3` (SQLite's online
  backup both ways, so the test database's connection stays open);
- PostgreSQL: a database next to the test database, `<test database>_app_<hash of the key>`
  (at most 63 characters), made with `CREATE DATABASE … TEMPLATE <test database>` and
  restored the same way the other way round (PostgreSQL copies the files: seconds, where
  `pg_dump`/`pg_restore` re-inserts every row and rebuilds every index). Its key is the
  database's comment.

The key (`app_key`) is the seeded sandbox's (`bench.seed_cache.cache_key`: the day, the
`seed_demo` arguments, the seeder's source), the seeded file's size and modification time
(a re-seeded sandbox is a new file, so its app state is synced again), and a hash of what
makes the app state (`app_sources`): every migration of the app, the Jira sync (`jsm/`,
`sync/`), `worklog_report/bulk.py` and the source of `sync_and_enable` itself. A copy of
another day, or of the same seed with another sandbox file or app source, is removed when a
new one is stored; `rm -rf .cache/bench` (and, on PostgreSQL, dropping the `*_app_*`
databases) clears everything.

Nothing time-, port- or process-bound is kept: the cached state holds no Tempo token (the
sandbox mints one per run, and it is encrypted with the process's ENCRYPTION_KEYS), and the
Jira settings (the sandbox's URL) are not in the database. `bench.measure.prepare(...,
synced=True)` stores a new token after a restore.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bench.seed_cache import CACHE_DIR, ROOT

# What decides the app state a Jira sync of a given sandbox leaves (beside the sandbox).
APP_PATTERNS = [
    "jsm/**/*.py",
    "sync/**/*.py",
    "worklog_report/bulk.py",
    "*/migrations/*.py",
]
# The app's own top-level packages only: not the sandbox (its seed is in the seed key), the
# tests or the virtualenv.
NOT_THE_APP = {"sandbox", "tests", ".venv", ".cache", "var", "node_modules"}
PG_NAME_MAX = 63


def app_sources(root: Path = ROOT) -> list[Path]:
    """The files whose content decides the prepared app database (see the module doc)."""
    found = {
        path
        for pattern in APP_PATTERNS
        for path in root.glob(pattern)
        if path.is_file() and path.relative_to(root).parts[0] not in NOT_THE_APP
    }
    return sorted(found)


def app_hash(prepare: Callable[[], object] | None = None, root: Path = ROOT) -> str:
    """SHA-256 of ``app_sources()`` and of ``prepare``'s source (the set-up itself)."""
    digest = hashlib.sha256()
    for path in app_sources(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    if prepare is not None:
        digest.update(inspect.getsource(prepare).encode())
    return digest.hexdigest()


def app_key(seed_key: str, seeded_file: Path, app_digest: str) -> str:
    """`<seed key>-<sandbox file stamp>-<app hash>`; the seed key starts with the day and its
    arguments (`<YYYY-MM-DD>-<args hash>-…`), as `bench.seed_cache.cache_key` writes it."""
    stat = seeded_file.stat()
    stamp = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:8]
    return f"{seed_key}-{stamp}-{app_digest[:16]}"


def _stale(key: str, other: str) -> bool:
    """Whether a kept copy under ``other`` is stale once ``key`` is stored: of another day,
    or of the same seed (day and arguments) made from another sandbox file or app source."""
    day, same_seed = key[:10], key[:19]  # "<date>", "<date>-<args>"
    return other != key and (not other.startswith(day) or other.startswith(same_seed))


# -- SQLite ------------------------------------------------------------------------------


def sqlite_file(key: str, cache_dir: Path = CACHE_DIR) -> Path:
    return cache_dir / f"app-{key}.sqlite3"


def _sqlite_store(connection, key: str, cache_dir: Path) -> None:
    kept = sqlite_file(key, cache_dir)
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    partial.replace(kept)
    for other in cache_dir.glob("app-*.sqlite3"):
        if _stale(key, other.name[len("app-") : -len(".sqlite3")]):
            other.unlink(missing_ok=True)


def _sqlite_restore(connection, key: str, cache_dir: Path) -> bool:
    kept = sqlite_file(key, cache_dir)
    if not kept.exists():
        return False
    source = sqlite3.connect(f"file:{kept}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    return True


# -- PostgreSQL --------------------------------------------------------------------------


def pg_cache_name(database: str, key: str) -> str:
    """``<database>_app_<16 hex of the key>``, the database's name cut to fit 63 bytes."""
    suffix = "_app_" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return database[: PG_NAME_MAX - len(suffix)] + suffix


def _pg_prefix(database: str) -> str:
    return database[: PG_NAME_MAX - len("_app_") - 16] + "_app_"


def _pg_cached(cursor, database: str) -> dict[str, str]:
    """The kept databases of ``database``: {name: key (its comment)}."""
    cursor.execute(
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
        "WHERE starts_with(datname, %s)",
        [_pg_prefix(database)],
    )
    return {name: comment or "" for name, comment in cursor.fetchall()}


def _pg_copy(cursor, source: str, target: str, quote) -> None:
    cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
    cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(source)}")


def _pg_store(connection, key: str) -> None:
    database = connection.settings_dict["NAME"]
    quote = connection.ops.quote_name
    name = pg_cache_name(database, key)
    partial = name[: PG_NAME_MAX - 8] + "_partial"
    connection.close()  # a template must have no other session
    with connection._nodb_cursor() as cursor:
        _pg_copy(cursor, database, partial, quote)
        cursor.execute(f"COMMENT ON DATABASE {quote(partial)} IS %s", [key])
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        cursor.execute(f"ALTER DATABASE {quote(partial)} RENAME TO {quote(name)}")
        for other, other_key in _pg_cached(cursor, database).items():
            if other != name and (not other_key or _stale(key, other_key)):
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(other)}")


def _pg_restore(connection, key: str) -> bool:
    database = connection.settings_dict["NAME"]
    quote = connection.ops.quote_name
    name = pg_cache_name(database, key)
    connection.close()
    with connection._nodb_cursor() as cursor:
        if _pg_cached(cursor, database).get(name) != key:
            return False
        _pg_copy(cursor, name, database, quote)
    return True


# -- either ------------------------------------------------------------------------------


def store(key: str, cache_dir: Path = CACHE_DIR) -> None:
    """Keep the app database Django is connected to under ``key``; remove stale copies."""
    from django.db import connection

    if connection.vendor == "postgresql":
        _pg_store(connection, key)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        _sqlite_store(connection, key, cache_dir)
    else:
        raise ValueError(
            f"The bench keeps its app database on SQLite or PostgreSQL, not {connection.vendor}."
        )


def restore(key: str, cache_dir: Path = CACHE_DIR) -> bool:
    """Replace the app database's content with the copy kept under ``key``; False (nothing
    changed) when there is none."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches
    from django.db import connection

    if connection.vendor == "postgresql":
        restored = _pg_restore(connection, key)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        restored = _sqlite_restore(connection, key, cache_dir)
    else:
        return False
    if restored:
        ContentType.objects.clear_cache()  # ids read from the database before the restore
        for cache in caches.all():  # whatever was derived from the data before (a
            cache.clear()  # process-local cache; the database's cache table was replaced)
    return restored


def prepared_app(
    key: str, prepare: Callable[[], object], cache_dir: Path = CACHE_DIR
) -> tuple[str, float]:
    """The app database as ``prepare()`` leaves it: restored from the copy kept under ``key``,
    or prepared and then kept. Returns ("cached" | "synced", seconds)."""
    import time

    started = time.monotonic()
    if restore(key, cache_dir):
        return "cached", time.monotonic() - started
    prepare()
    store(key, cache_dir)
    return "synced", time.monotonic() - started
