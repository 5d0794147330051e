"""What the Tempo sync writes: only the worklogs that changed, and a full read's unlisted
worklogs found through the run's temporary table of listed ids (tempo_integration.sync).

Runs on SQLite and, with DATABASE_URL, on PostgreSQL: "rewritten" is read from the database
itself (PostgreSQL's row version ``xmin``; on SQLite a temporary trigger of this test's
connection counting updated rows)."""

from __future__ import annotations

import pytest
from django.db import connection

from sync.runs import sync_tempo
from tempo_integration import sync as tempo_sync
from tempo_integration.models import ProjectSyncState, Worklog

from .fake_tempo import worklog


class Rewrites:
    """Which worklogs were rewritten (an UPDATE of their row) since ``start()``."""

    def __init__(self) -> None:
        self.versions: dict[int, str] = {}

    def start(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT tempo_id, xmin::text FROM tempo_integration_worklog")
                self.versions = dict(cursor.fetchall())
            else:
                cursor.execute("DROP TABLE IF EXISTS temp.rewritten")
                cursor.execute("CREATE TEMPORARY TABLE rewritten (tempo_id integer)")
                cursor.execute("DROP TRIGGER IF EXISTS temp.count_rewrites")
                cursor.execute(
                    "CREATE TEMPORARY TRIGGER count_rewrites AFTER UPDATE ON "
                    "main.tempo_integration_worklog BEGIN "
                    "INSERT INTO rewritten VALUES (new.tempo_id); END"
                )

    def ids(self) -> list[int]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT tempo_id, xmin::text FROM tempo_integration_worklog")
                now = dict(cursor.fetchall())
                return sorted(
                    i for i, v in now.items() if i in self.versions and self.versions[i] != v
                )
            cursor.execute("SELECT DISTINCT tempo_id FROM temp.rewritten ORDER BY tempo_id")
            return [row[0] for row in cursor.fetchall()]

    def stop(self) -> None:
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER IF EXISTS temp.count_rewrites")
                cursor.execute("DROP TABLE IF EXISTS temp.rewritten")


@pytest.fixture
def rewrites():
    rewrites = Rewrites()
    yield rewrites
    rewrites.stop()  # the connection outlives the test


def stored():
    return {w.tempo_id: w for w in Worklog.objects.all()}


def test_a_full_reread_rewrites_only_the_worklogs_that_changed(tempo, rewrites):
    first = sync_tempo(full=True)
    before = stored()
    assert {w.sync_generation for w in before.values()} == {first.pk}
    tempo.worklogs[10000][2] = worklog(3, 20002, billable=1800, updated="2026-11-05T08:00:00Z")
    rewrites.start()

    second = sync_tempo(full=True)

    after = stored()
    assert rewrites.ids() == [3]
    assert after[3].billable_seconds == 1800 and after[3].sync_generation == second.pk
    for tempo_id in (1, 2):  # unchanged: as they were, the first run's generation kept
        assert after[tempo_id].sync_generation == first.pk
        assert after[tempo_id].tempo_updated_at == before[tempo_id].tempo_updated_at
    # Nothing unlisted: no direct read, nothing removed; every worklog still counted as read.
    assert tempo.direct_reads == [] and second.counts["worklogs_removed"] == 0
    assert second.counts["worklogs"] == 3


def test_any_changed_field_is_written(tempo):
    sync_tempo(full=True)
    # The same updatedAt (Tempo's clock is not trusted to move): the content decides.
    changed = worklog(1, 20001, spent=7200, updated="2026-10-01T10:00:00Z")
    changed["description"] = "Rewritten"
    tempo.worklogs[10000][0] = changed

    sync_tempo(full=True)

    w = Worklog.objects.get(tempo_id=1)
    assert w.time_spent_seconds == 7200 and w.description == "Rewritten"


def test_an_incremental_read_leaves_the_overlaps_unchanged_worklogs_alone(tempo, rewrites):
    tempo.page_size = 5000
    sync_tempo()
    rewrites.start()

    run = sync_tempo()  # re-reads no. 3, inside the 5-minute overlap

    assert run.counts["worklogs"] == 1 and rewrites.ids() == []


def test_a_full_read_still_removes_what_it_did_not_list(tempo):
    sync_tempo(full=True)
    del tempo.worklogs[10000][1]  # no. 2, deleted in Tempo

    run = sync_tempo(full=True)

    assert sorted(stored()) == [1, 3]
    assert tempo.direct_reads == [2] and run.counts["worklogs_removed"] == 1


def test_a_worklog_listed_again_unchanged_after_a_miss_needs_two_new_misses(
    tempo, monkeypatch, rewrites
):
    # Beyond the direct reads (limit 0), one full read missing a worklog only marks it.
    monkeypatch.setattr(tempo_sync, "CONFIRM_LIMIT", 0)
    sync_tempo(full=True)
    missing = tempo.worklogs[10000].pop(1)  # no. 2: a list paged while it changed skips it

    sync_tempo(full=True)
    assert stored()[2].sync_generation == tempo_sync.MISSED  # missed once: kept, marked

    tempo.worklogs[10000].insert(1, missing)  # listed again, unchanged
    rewrites.start()
    listed = sync_tempo(full=True)
    assert rewrites.ids() == [2]  # only the mark is cleared: the others are left alone
    assert stored()[2].sync_generation == listed.pk

    tempo.worklogs[10000].pop(1)
    sync_tempo(full=True)
    assert 2 in stored()  # one miss since it was listed again: kept
    run = sync_tempo(full=True)
    assert 2 not in stored() and run.counts["worklogs_removed"] == 1
    assert tempo.direct_reads == []


def test_the_first_full_read_beyond_the_limit_removes_nothing(tempo, monkeypatch):
    # Stored before the project was ever fully read (a webhook's write): MISSED is also the
    # default generation, yet no full read missed it before, so it is only marked.
    monkeypatch.setattr(tempo_sync, "CONFIRM_LIMIT", 0)
    sync_tempo(full=True)
    Worklog.objects.filter(tempo_id=2).update(sync_generation=0)
    ProjectSyncState.objects.update(generation=0)
    del tempo.worklogs[10000][1]

    run = sync_tempo(full=True)

    assert 2 in stored() and run.counts["worklogs_removed"] == 0


def test_a_worklog_the_direct_read_cannot_parse_counts_as_missed(tempo):
    sync_tempo(full=True)
    broken = tempo.worklogs[10000].pop(1)  # no. 2: not in the list, and unreadable directly
    broken["startDate"] = "not a date"
    tempo.worklogs[0] = [broken]

    run = sync_tempo(full=True)

    assert tempo.direct_reads == [2] and run.counts["skipped_malformed"] == 1
    assert stored()[2].sync_generation == tempo_sync.MISSED  # kept, and counted as missed


def test_the_listed_ids_live_in_a_temporary_table_dropped_with_the_run(tempo, monkeypatch):
    seen = []
    real_remove = tempo_sync._remove_unlisted

    def remove(client, lease, project, state, request_pk, generation, counts, listed, **kw):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM ({listed.sql}) l ORDER BY id")
            seen.append([row[0] for row in cursor.fetchall()])
        return real_remove(
            client, lease, project, state, request_pk, generation, counts, listed, **kw
        )

    monkeypatch.setattr(tempo_sync, "_remove_unlisted", remove)
    sync_tempo(full=True)

    assert seen == [[1, 2, 3]]  # the synced ones read (no. 4 is on an unknown issue)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass('pg_temp.tempo_sync_listed')")
            assert cursor.fetchone() == (None,)
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_temp_master WHERE name = 'tempo_sync_listed'"
            )
            assert cursor.fetchone() == (0,)
