"""Seeded sandbox databases kept between `make bench` runs (under .cache/bench/, gitignored).

Seeding the 500,000-worklog size takes about a minute; the same seed on the same day gives
the same data, so the seeded SQLite file is kept and copied for the next run. A file is
reused only when everything that makes it is the same: the `seed_demo` arguments, the
date (the demo data is relative to today) and the source of the seeder — `sandbox/demo/`,
the `seed_demo` command, the sandbox's, Tempo's and Jira's `models.py` and every sandbox
migration — hashed, so a changed seeder never reuses a stale file. Files of other days are
removed as new ones are written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "bench"
SANDBOX = ROOT / "sandbox"
DATABASE_NAME = "sandbox.sqlite3"


def seeder_sources() -> list[Path]:
    """The files whose content decides what `seed_demo` writes."""
    patterns = [
        "demo/**/*.py",
        "management/commands/seed_demo.py",
        "models.py",
        "tempo/models.py",
        "jira/models.py",
        "**/migrations/*.py",  # the schema of the file
    ]
    found = {path for pattern in patterns for path in SANDBOX.glob(pattern) if path.is_file()}
    return sorted(found)


def seeder_hash() -> str:
    digest = hashlib.sha256()
    for path in seeder_sources():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_key(seed_args: list[str], today: dt.date | None = None) -> str:
    """`<date>-<args>-<hash>`: the day, the arguments and the seeder's source."""
    today = today or dt.date.today()
    args = hashlib.sha256("\0".join(seed_args).encode()).hexdigest()[:8]
    return f"{today:%Y-%m-%d}-{args}-{seeder_hash()[:16]}"


def cached_file(
    seed_args: list[str], cache_dir: Path = CACHE_DIR, today: dt.date | None = None
) -> Path:
    return cache_dir / f"{cache_key(seed_args, today)}.sqlite3"


def seeded_sandbox(
    data_dir: Path,
    seed_args: list[str],
    cache_dir: Path = CACHE_DIR,
    today: dt.date | None = None,
    **options,
):
    """A SandboxProcess (not started) on `data_dir` whose database holds `seed_demo
    <seed_args>`: copied from the cache when there, else seeded and then kept in it
    (`today`: the day of the key, by default today's). Returns (process, "cached" |
    "seeded")."""
    from sandbox.process import SandboxProcess

    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / DATABASE_NAME
    for stale in data_dir.glob(DATABASE_NAME + "*"):
        stale.unlink()
    kept = cached_file(seed_args, cache_dir, today)
    process = SandboxProcess(data_dir, seed=False, **options)
    if kept.exists():
        shutil.copyfile(kept, database)
        return process, "cached"
    process.manage("migrate", "--no-input", "-v", "0")
    process.manage("seed_demo", *seed_args)
    store(database, kept)
    return process, "seeded"


def store(database: Path, kept: Path) -> None:
    """Copy `database` (WAL included, through SQLite's backup) to `kept`, atomically, and
    remove the cached files of other days and those of the same seed by an older seeder."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_suffix(f".{os.getpid()}.partial")
    source = sqlite3.connect(database)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    partial.replace(kept)
    today, same_seed = kept.name[:10], kept.name[:19]  # "<date>-<args>"
    for other in kept.parent.glob("[0-9]*.sqlite3"):  # not bench/app_cache.py's app-*
        if other != kept and (not other.name.startswith(today) or other.name.startswith(same_seed)):
            other.unlink(missing_ok=True)  # another day's, or an older seeder's
