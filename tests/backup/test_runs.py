"""run_backup against Tempo mocked with `responses`: what the archive holds, what is skipped
and why, and how it fails."""

from __future__ import annotations

import errno
import hashlib
import json
import zipfile
from pathlib import Path

from django.conf import settings

from backup import sentences
from backup.archive import FORMAT, FORMAT_VERSION
from backup.datasets import BY_NAME, DATA_SETS
from backup.models import Backup
from backup.runs import LOCK
from backup.verify import verify_archive
from jsm.models import JiraProject
from sync.locks import sync_lock
from tempo_integration.models import TempoIntegration
from tests.tempo_integration.factories import TOKEN

from .fakes import backup_now


def archive_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def members(path: str) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


def manifest_of(backup: Backup) -> dict:
    return json.loads(members(backup.path)["manifest.json"])


def entry(manifest: dict, name: str) -> dict:
    return next(e for e in manifest["data_sets"] if e["name"] == name)


def test_a_full_backup_writes_every_data_set_and_a_manifest(tempo, backup_dir):
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    path = Path(backup.path)
    assert path.parent == backup_dir and path.name.startswith("tempo-backup-20261118-")
    assert archive_files(backup_dir) == [path.name]  # no .partial left beside it
    assert backup.size_bytes == path.stat().st_size and backup.verified_at is not None
    files = members(backup.path)
    assert set(files) == {d.file_name for d in DATA_SETS} | {"manifest.json"}
    assert lines(files["worklogs.jsonl"]) == tempo.data["/4/worklogs"]
    assert lines(files["teams.jsonl"]) == tempo.data["/4/teams"]
    assert files["timesheet-approvals-waiting.jsonl"] == b""

    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == FORMAT and manifest["format_version"] == FORMAT_VERSION
    assert manifest["credentials"] == {"method": "api_token", "last4": TOKEN[-4:]}
    assert manifest["tempo_base_url"] == settings.TEMPO_BASE_URL
    # Two months back, and to the end of the 12th month ahead (plans and holidays to come).
    assert manifest["window"] == {"from": "2026-10-01", "to": "2027-11-30"}
    assert manifest["complete"] is True
    assert [e["name"] for e in manifest["data_sets"]] == [d.name for d in DATA_SETS]
    for data_set in DATA_SETS:
        e = entry(manifest, data_set.name)
        data = files[data_set.file_name]
        assert e["file"] == data_set.file_name
        assert e["skipped"] is None and e["notes"] == []
        assert e["bytes"] == len(data)
        assert e["records"] == len(data.splitlines())
        assert e["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry(manifest, "worklogs")["records"] == 3 and entry(manifest, "worklogs")["pages"] == 1
    # Read per team: one call and one page each.
    assert entry(manifest, "team-memberships")["pages"] == 2
    assert backup.records == sum(e["records"] for e in manifest["data_sets"])
    assert backup.data_sets == manifest["data_sets"] and backup.token_last4 == TOKEN[-4:]
    assert verify_archive(backup.path).ok


def test_the_token_never_appears_in_the_archive(tempo):
    backup = backup_now()
    raw = Path(backup.path).read_bytes()
    assert TOKEN.encode() not in raw
    for name, data in members(backup.path).items():
        assert TOKEN.encode() not in data, name
    # The manifest names the token by its last 4 characters only.
    assert TOKEN[:-4] not in members(backup.path)["manifest.json"].decode()
    assert TOKEN not in json.dumps(backup.data_sets) and TOKEN not in backup.error


def test_a_token_with_only_the_worklogs_scope_skips_the_rest_with_a_sentence(tempo):
    tempo.scopes = {"worklogs"}
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    manifest = manifest_of(backup)
    assert manifest["complete"] is False
    files = members(backup.path)
    assert set(files) == {"worklogs.jsonl", "work-attributes.jsonl", "manifest.json"}
    for data_set in DATA_SETS:
        e = entry(manifest, data_set.name)
        if data_set.scope == "worklogs":
            assert e["skipped"] is None and e["file"] == data_set.file_name
        elif data_set.parent is None:
            assert e["skipped"] == f"The token has no {data_set.scope_name} scope.", e
            assert e["file"] is None and e["records"] == 0 and e["sha256"] is None
        else:
            parent = BY_NAME[data_set.parent]
            also = (
                f"; it also needs the {data_set.scope_name} scope"
                if parent.scope != data_set.scope
                else ""
            )
            assert e["skipped"] == (
                f"It is read per {data_set.parent} record, and {data_set.parent} was skipped{also}."
            )
    assert entry(manifest, "teams")["skipped"] == "The token has no Teams scope."
    # A child of a skipped parent is not even asked for.
    assert not tempo.calls_to("/4/team-memberships/team/100")
    assert {e["name"] for e in backup.skipped} == {
        d.name for d in DATA_SETS if d.scope != "worklogs"
    }
    assert verify_archive(backup.path).ok


def test_a_route_answering_404_is_not_on_this_plan(tempo):
    tempo.status["/4/programs"] = 404
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    e = entry(manifest_of(backup), "programs")
    assert e["skipped"] == "Tempo answered 404: not available on this Tempo plan."
    assert "programs.jsonl" not in members(backup.path)


def test_offset_paging_follows_metadata_next(tempo):
    tempo.page_size = 2
    tempo.data["/4/worklogs"] = [{"tempoWorklogId": n} for n in range(1, 6)]
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    e = entry(manifest_of(backup), "worklogs")
    assert e["records"] == 5 and e["pages"] == 3
    assert lines(members(backup.path)["worklogs.jsonl"]) == tempo.data["/4/worklogs"]
    calls = tempo.calls_to("/4/worklogs")
    assert [c.get("offset") for c in calls] == [None, "2", "4"]
    assert calls[0]["limit"] == "5000"


def test_per_parent_routes_read_each_parent_and_label_it(tempo):
    backup = backup_now()
    files = members(backup.path)
    memberships = lines(files["team-memberships.jsonl"])
    assert [m["id"] for m in memberships] == [1001, 2001]
    holidays = lines(files["holidays.jsonl"])
    # Each year of the window: this year and next (the fake answers the same holiday).
    assert holidays == [{"id": 9, "name": "New Year", "date": "01-01", "holidaySchemeId": 31}] * 2
    assert tempo.calls_to("/4/holiday-schemes/31/holidays") == [{"year": "2026"}, {"year": "2027"}]
    approvals = lines(files["timesheet-approvals.jsonl"])
    # Per team and per month of the window (October and November).
    assert [a["teamId"] for a in approvals] == [100, 100, 200, 200]
    assert tempo.calls_to("/4/timesheet-approvals/team/100") == [
        {"from": "2026-10-01"},
        {"from": "2026-11-01"},
    ]
    links = lines(files["account-links.jsonl"])
    assert links == [{"id": 11, "scope": {"id": 10000}}]  # read by account key
    assert len(tempo.calls_to("/4/account-links/account/ACC2")) == 1


def test_a_parent_answering_404_is_noted_and_the_others_are_kept(tempo):
    tempo.status["/4/team-memberships/team/200"] = 404
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    e = entry(manifest_of(backup), "team-memberships")
    assert e["skipped"] is None and e["records"] == 1
    assert e["notes"] == [
        "Tempo answered 404 for 1 of 2 reads: those teams records were removed during the backup."
    ]


def test_every_parent_answering_404_skips_the_data_set(tempo):
    tempo.status["/4/team-memberships/team/100"] = 404
    tempo.status["/4/team-memberships/team/200"] = 404
    backup = backup_now()
    e = entry(manifest_of(backup), "team-memberships")
    assert e["skipped"] == "Tempo answered 404: not available on this Tempo plan."


def test_a_project_whose_worklogs_tempo_hides_is_named(tempo):
    JiraProject.objects.create(jira_id="10000", key="ITSD", name="IT", service_desk_id="1")
    JiraProject.objects.create(jira_id="10001", key="SUP", name="Support", service_desk_id="2")
    tempo.status["/4/worklogs/project/10001"] = 404
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    notes = entry(manifest_of(backup), "worklogs")["notes"]
    assert len(notes) == 1
    assert notes[0].startswith("Worklogs of Support (SUP) are not in this backup: Tempo answered")
    assert "View All Worklogs" in notes[0] and notes[0].endswith(".")
    assert tempo.calls_to("/4/worklogs/project/10000") == [{"limit": "1"}]
    # Worklogs are missing: the archive is not complete, and the tab's Skipped column says why.
    assert manifest_of(backup)["complete"] is False
    assert entry(manifest_of(backup), "worklogs")["incomplete"] is True
    assert backup.gaps == [("worklogs", notes[0])]


def test_429_with_retry_after_mid_backup_is_retried(tempo, monkeypatch):
    waits = []
    monkeypatch.setattr("worklog_report.http_client._sleep", waits.append)
    tempo.status["/4/teams"] = [429]
    tempo.headers["/4/teams"] = {"Retry-After": "2"}
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    assert len(tempo.calls_to("/4/teams")) == 2
    assert waits == [2.0]  # as Tempo asked
    assert entry(manifest_of(backup), "teams")["records"] == 2


def test_5xx_beyond_the_retry_budget_fails_and_keeps_the_older_archive(tempo, backup_dir):
    older = backup_now()
    assert older.status == Backup.Status.SUCCEEDED
    before = Path(older.path).read_bytes()
    tempo.status["/4/teams"] = [503] * 10
    backup = backup_now()
    assert backup.status == Backup.Status.FAILED
    assert backup.error == (
        "Tempo could not be read: Tempo failed (503). No archive was written; older archives "
        "are kept."
    )
    assert archive_files(backup_dir) == [Path(older.path).name]
    assert Path(older.path).read_bytes() == before
    assert list(Backup.archives()) == [older]


def test_a_401_mid_backup_fails_and_marks_the_integration_invalid(tempo, backup_dir):
    tempo.status["/4/accounts"] = 401
    backup = backup_now()
    assert backup.status == Backup.Status.FAILED
    assert backup.error == sentences.REJECTED
    assert TempoIntegration.current().status == TempoIntegration.Status.INVALID
    assert archive_files(backup_dir) == []


def test_a_full_disk_fails_cleanly(tempo, backup_dir, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle
            self.written = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            if self.written > 100:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return self.handle.write(data)

        def __getattr__(self, name):
            return getattr(self.handle, name)

    monkeypatch.setattr(
        "backup.archive.os.fdopen", lambda *a, **k: FullDisk(real_open(*a, **k)), raising=False
    )
    backup = backup_now()
    assert backup.status == Backup.Status.FAILED
    assert backup.error == sentences.DISK_FULL.format(directory=backup_dir)
    assert "disk holding the backups is full" in backup.error
    assert archive_files(backup_dir) == []
    assert not Backup.archives().exists()


def test_a_failed_verification_keeps_no_archive(tempo, backup_dir, monkeypatch):
    from backup.verify import Verification

    monkeypatch.setattr(
        "backup.runs.verify_archive",
        lambda path, **options: Verification(Path(path), problems=["worklogs: bad."]),
    )
    backup = backup_now()
    assert backup.status == Backup.Status.FAILED
    assert backup.error.startswith("The archive failed its check after writing: worklogs: bad.")
    assert archive_files(backup_dir) == []


def test_retention_keeps_the_newest_archives(tempo, backup_dir, settings, time_machine):
    settings.TEMPO_BACKUP_KEEP = 2
    runs = []
    for _ in range(3):
        runs.append(backup_now())
        time_machine.shift(60)
    assert all(r.status == Backup.Status.SUCCEEDED for r in runs)
    first, second, third = runs
    assert sorted(archive_files(backup_dir)) == sorted(
        [Path(second.path).name, Path(third.path).name]
    )
    assert list(Backup.archives()) == [third, second]
    first.refresh_from_db()
    assert first.removed_at is not None and not Path(first.path).exists()

    tempo.status["/4/worklogs"] = 500
    failed = backup_now(client_options={"retry_budget": 0})
    assert failed.status == Backup.Status.FAILED
    assert list(Backup.archives()) == [third, second]
    assert Path(second.path).exists() and Path(third.path).exists()


def test_an_interrupted_backup_is_cleaned_up_by_the_next(tempo, backup_dir):
    backup_dir.mkdir(parents=True)
    leftover = backup_dir / ".tempo-backup-0123abcd.zip.partial"
    leftover.write_bytes(b"PK\x03\x04 half an archive")
    stuck = Backup.objects.create(trigger=Backup.Trigger.BUTTON, status=Backup.Status.RUNNING)
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    assert not leftover.exists()
    assert archive_files(backup_dir) == [Path(backup.path).name]
    stuck.refresh_from_db()
    assert stuck.status == Backup.Status.FAILED and stuck.error == sentences.INTERRUPTED
    assert stuck.finished_at is not None


def test_a_backup_while_another_holds_the_lock_does_not_run(tempo, backup_dir):
    with sync_lock(LOCK):
        backup = backup_now()
    assert backup.status == Backup.Status.FAILED
    assert backup.error == sentences.OTHER_RUNNING
    assert tempo.calls == [] and archive_files(backup_dir) == []


def test_without_credentials_nothing_is_read(fake_tempo, db, backup_dir):
    backup = backup_now()
    assert backup.status == Backup.Status.FAILED and backup.error == sentences.NO_CONNECTION
    assert fake_tempo.calls == []


def test_progress_per_data_set_ends_done_or_skipped(tempo):
    tempo.scopes = {"worklogs", "teams"}
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED
    states = {e["name"]: bool(e["skipped"]) for e in backup.data_sets}
    assert states["teams"] is False and states["accounts"] is True


def test_a_directory_that_cannot_be_made_fails_with_a_sentence(tempo, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    backup = backup_now(directory=blocked)
    assert backup.status == Backup.Status.FAILED
    assert backup.error == (
        f"The archive could not be written to {blocked}: it is a file, not a directory. "
        "No archive was written; older archives are kept."
    )
    assert blocked.read_text() == "not a directory"


def test_a_refusal_part_way_through_a_data_set_keeps_what_was_read(tempo):
    tempo.page_size = 2
    tempo.data["/4/worklogs"] = [{"tempoWorklogId": n} for n in range(1, 6)]
    tempo.status["/4/worklogs"] = [None, 403]  # the second page is refused
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    e = entry(manifest_of(backup), "worklogs")
    assert e["file"] == "worklogs.jsonl" and e["records"] == 2
    assert e["skipped"] == ("The token has no Worklogs scope; only the first 2 records were read.")
    assert verify_archive(backup.path).ok


def test_a_relative_output_directory_is_stored_as_an_absolute_path(tempo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    backup = backup_now(directory="relative")
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    assert Path(backup.path).is_absolute()
    assert Path(backup.path).parent == tmp_path / "relative"
