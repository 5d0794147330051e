"""`seed_demo --requests 20000 --worklogs 500000`: the large benchmark shape (docs/product.md
§8), tested at small sizes of the same shape: 10 service desks, 50 organizations, about two
years, Acme's requests the bulk of the work, the same data on every run of the same day."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from sandbox.demo import catalog

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 1)
SEED = """
import datetime, json, os, sys
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
import django
django.setup()
from sandbox.demo import build
size = {size}
counts = build.seed_demo(size, today=datetime.date.fromisoformat({today!r}))
print(json.dumps(counts.__dict__))
"""


SIZES = """
import json, os, sys
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
import django
django.setup()
from sandbox.demo import build, catalog
shape = lambda s: [s.requests, s.tempo_worklogs, len(s.cast.service_desks),
                   len(s.cast.organizations), s.history_days, s.cast is catalog.DEMO_CAST]
sizes = [(100, 1000), (600, 10000), (2000, 50000), (20000, 500000)]
print(json.dumps([shape(build.benchmark_size(*size)) for size in sizes] + [shape(build.NORMAL)]))
"""


def test_the_bench_size_takes_the_large_shape_and_smaller_ones_keep_theirs(tmp_path):
    """(The sandbox's models cannot be imported next to the app's: asked in a subprocess.)"""
    shapes = json.loads(_run(["-c", SIZES.format(root=str(ROOT))], tmp_path / "unused.sqlite3"))
    *small, large, normal = shapes
    assert large == [20_000, 500_000, 10, 50, 730, False]
    assert small == [
        [100, 1_000, 2, 3, 395, True],
        [600, 10_000, 2, 3, 395, True],
        [2_000, 50_000, 2, 3, 395, True],
    ]
    assert normal == [300, 1_200, 2, 3, 395, True]


def test_the_large_cast_is_consistent():
    cast = catalog.large_cast()
    assert len({p.id for p in cast.projects}) == len(cast.projects) == 11
    assert len({p.key for p in cast.projects}) == 11
    assert len({o.id for o in cast.organizations}) == 50
    assert len({c.account_id for c in cast.customers}) == len(cast.customers)
    assert len({c.email for c in cast.customers if c.email}) == len(
        [c for c in cast.customers if c.email]
    )
    # Every organization has members; every desk a team and texts.
    members = {org for person in cast.customers for org in person.organizations}
    assert members == {o.id for o in cast.organizations}
    for desk in cast.service_desks:
        assert cast.teams[desk.id] and cast.summaries[desk.id] and cast.worklog_texts[desk.id]
    assert len(cast.desk_weights) == len(cast.service_desks)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("large-shape") / "empty.sqlite3"
    _run([str(ROOT / "sandbox" / "manage.py"), "migrate", "-v", "0"], path)
    return path


def _run(args: list[str], database: Path) -> str:
    env = {"SANDBOX_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(  # noqa: S603 (our interpreter and fixed arguments)
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _seed_large(migrated: Path, name: str, requests: int, worklogs: int):
    # Below LARGE_SHAPE_FROM the command keeps the small shape: seed the large one directly.
    return _seed_with(migrated, name, f"build.large_benchmark_size({requests}, {worklogs})")


def _seed_with(migrated: Path, name: str, size_expression: str) -> sqlite3.Connection:
    database = migrated.parent / f"{name}.sqlite3"
    shutil.copy(migrated, database)
    code = SEED.format(root=str(ROOT), size=size_expression, today=str(TODAY))
    _run(["-c", code], database)
    return sqlite3.connect(database)


def _one(db: sqlite3.Connection, sql: str, *params):
    return db.execute(sql, params).fetchone()[0]


def _fingerprint(db: sqlite3.Connection) -> dict[str, str]:
    tables = [
        "sandbox_jira_issue",
        "sandbox_jira_issue_organizations",
        "sandbox_jira_issue_participants",
        "sandbox_jira_jiraworklog",
        "sandbox_jira_jirauser",
        "sandbox_jira_organization",
        "sandbox_jira_organization_members",
        "sandbox_jira_project",
        "sandbox_tempo_worklog",
    ]
    prints = {}
    for table in tables:
        digest = hashlib.sha256()
        # Link tables: their own ids count on from earlier rows; compare the links only.
        columns = (
            "*"
            if not table.endswith(("_organizations", "_participants", "_members"))
            else (
                "issue_id, organization_id"
                if table.endswith("issue_organizations")
                else "issue_id, jirauser_id"
                if table.endswith("participants")
                else "organization_id, jirauser_id"
            )
        )
        for row in db.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2"):  # noqa: S608
            digest.update(repr(row).encode())
        prints[table] = digest.hexdigest()
    return prints


@pytest.fixture(scope="module")
def large(migrated) -> sqlite3.Connection:
    return _seed_large(migrated, "large", 1_000, 25_000)


@pytest.mark.integration
def test_the_large_shape_has_its_desks_organizations_and_two_years(large):
    assert (
        _one(large, "SELECT count(*) FROM sandbox_jira_project WHERE service_desk_id IS NOT NULL")
        == 10
    )
    assert _one(large, "SELECT count(*) FROM sandbox_jira_organization") == 50
    desks = {catalog.PLAT.id}
    issues = _one(
        large, "SELECT count(*) FROM sandbox_jira_issue WHERE project_id NOT IN (?)", *desks
    )
    assert issues == 1_000
    assert _one(large, "SELECT count(*) FROM sandbox_tempo_worklog") == 25_000
    # Every desk has requests and work; ITSD and SUP the most.
    per_desk = dict(
        large.execute(
            "SELECT project_id, count(*) FROM sandbox_tempo_worklog GROUP BY project_id"
        ).fetchall()
    )
    assert len(per_desk) == 11
    busiest = sorted(per_desk, key=per_desk.get, reverse=True)[:2]
    assert set(busiest) == {catalog.ITSD.id, catalog.SUP.id}
    # About two years of history, up to yesterday.
    first, last = large.execute(
        "SELECT min(start_date), max(start_date) FROM sandbox_tempo_worklog"
    ).fetchone()
    assert date.fromisoformat(first) <= TODAY - timedelta(days=700)
    assert date.fromisoformat(last) < TODAY
    # Members of every organization have accounts to sign in with (an e-mail address).
    assert (
        _one(
            large,
            "SELECT count(DISTINCT organization_id) FROM sandbox_jira_organization_members m "
            "JOIN sandbox_jira_jirauser u ON u.account_id = m.jirauser_id WHERE u.email != ''",
        )
        == 50
    )


@pytest.mark.integration
def test_acme_has_about_a_fifth_of_the_last_years_worklogs(large):
    """At 500,000 worklogs: about 100,000 of the last 365 days on requests shared with Acme,
    far ahead of any other organization."""
    since = str(TODAY - timedelta(days=365))
    per_org = dict(
        large.execute(
            "SELECT o.organization_id, count(*) FROM sandbox_tempo_worklog w "
            "JOIN sandbox_jira_issue_organizations o ON o.issue_id = w.issue_id "
            "WHERE w.start_date >= ? GROUP BY 1",
            (since,),
        ).fetchall()
    )
    acme = per_org.pop(catalog.ACME.id)
    in_year = _one(large, "SELECT count(*) FROM sandbox_tempo_worklog WHERE start_date >= ?", since)
    assert 0.17 <= acme / 25_000 <= 0.25  # 100,000 of 500,000 is a fifth
    assert acme / in_year >= 0.3
    assert acme > 5 * max(per_org.values())


@pytest.mark.integration
def test_tempo_ids_follow_the_order_of_logging(large):
    ids = [
        row[0]
        for row in large.execute("SELECT id FROM sandbox_tempo_worklog ORDER BY created_at, id")
    ]
    assert ids == sorted(ids)
    jira_ids = [
        row[0]
        for row in large.execute("SELECT id FROM sandbox_jira_jiraworklog ORDER BY created, id")
    ]
    assert jira_ids == sorted(jira_ids)


@pytest.mark.integration
def test_the_same_data_on_every_run_of_the_same_day(large, migrated):
    again = _seed_large(migrated, "large-again", 1_000, 25_000)
    assert _fingerprint(again) == _fingerprint(large)
