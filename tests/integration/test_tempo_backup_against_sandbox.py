"""Tempo backup against the real sandbox process (issue 17): every data set the token may
read, its manifest against what the sandbox holds, what a narrow token skips and why."""

from __future__ import annotations

import json
import zipfile

import pytest

from backup.models import Backup
from backup.runs import run_backup
from backup.verify import verify_archive
from tempo_integration.models import TempoIntegration

pytestmark = pytest.mark.integration

FAST = {"min_interval": 0}


@pytest.fixture
def backup_dir(tmp_path, settings):
    settings.TEMPO_BACKUP_DIR = tmp_path / "backups"
    settings.TEMPO_BACKUP_MONTHS = 3
    settings.TEMPO_RETRY_BUDGET = 3
    return settings.TEMPO_BACKUP_DIR


def back_up(**options) -> Backup:
    backup = Backup.objects.create(trigger=Backup.Trigger.COMMAND)
    return run_backup(backup, client_options=FAST, **options)


def manifest_of(backup: Backup) -> dict:
    with zipfile.ZipFile(backup.path) as archive:
        return json.loads(archive.read("manifest.json"))


def test_full_access_backup_holds_every_data_set(tempo_sandbox, backup_dir, admin_user):
    token = tempo_sandbox.client.mint_token(full=True)
    TempoIntegration.store(token, admin_user)

    backup = back_up()

    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    assert verify_archive(backup.path).ok
    manifest = manifest_of(backup)
    assert manifest["complete"] is True
    assert manifest["credentials"] == {"method": "api_token", "last4": token[-4:]}
    entries = {entry["name"]: entry for entry in manifest["data_sets"]}
    assert all(entry["skipped"] is None for entry in entries.values())
    assert entries["worklogs"]["records"] > 0
    assert entries["teams"]["records"] == 3
    with open(backup.path, "rb") as archive:
        assert token.encode() not in archive.read()


def test_the_manifest_matches_what_the_sandbox_holds(tempo_sandbox, backup_dir, admin_user):
    TempoIntegration.store(tempo_sandbox.client.mint_token(full=True), admin_user)

    manifest = manifest_of(back_up())

    counted = {entry["name"]: entry["records"] for entry in manifest["data_sets"]}
    held = tempo_sandbox.client.tempo_counts()
    assert held["worklogs"] > 1000
    assert {name: counted[name] for name in held} == held
    # Read per team and month: one approval per member (past and present) and period.
    assert counted["timesheet-approvals"] > 0
    assert counted["periods"] == 3 + 12  # TEMPO_BACKUP_MONTHS back, 12 ahead


def test_a_worklogs_only_token_explains_every_skipped_data_set(
    tempo_sandbox, backup_dir, admin_user
):
    token = tempo_sandbox.client.mint_token(scopes={"worklogs": "view"})
    TempoIntegration.store(token, admin_user)

    backup = back_up()

    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    manifest = manifest_of(backup)
    assert manifest["complete"] is False
    skipped = {e["name"]: e["skipped"] for e in manifest["data_sets"] if e["skipped"]}
    written = {e["name"] for e in manifest["data_sets"] if not e["skipped"]}
    assert written == {"worklogs", "work-attributes"}
    assert skipped == {
        "accounts": "The token has no Accounts scope.",
        "account-categories": "The token has no Accounts scope.",
        "account-links": "It is read per accounts record, and accounts was skipped.",
        "customers": "The token has no Accounts scope.",
        "teams": "The token has no Teams scope.",
        "team-memberships": "It is read per teams record, and teams was skipped.",
        "roles": "The token has no Teams scope.",
        "holiday-schemes": "The token has no Schemes scope.",
        "holidays": "It is read per holiday-schemes record, and holiday-schemes was skipped.",
        "workload-schemes": "The token has no Schemes scope.",
        "programs": "The token has no Plans scope.",
        "plans": "The token has no Plans scope.",
        "periods": "The token has no Periods scope.",
        "timesheet-approvals": (
            "It is read per teams record, and teams was skipped; it also needs the Approvals scope."
        ),
        "timesheet-approvals-waiting": "The token has no Approvals scope.",
    }
    with zipfile.ZipFile(backup.path) as archive:
        assert sorted(archive.namelist()) == [
            "manifest.json",
            "work-attributes.jsonl",
            "worklogs.jsonl",
        ]


def test_worklogs_of_a_project_the_owner_may_not_view_are_named(
    tempo_sandbox, backup_dir, admin_user, settings
):
    from sync.runs import sync_jira

    settings.JIRA_BASE_URL = tempo_sandbox.jira_url
    settings.JIRA_EMAIL = tempo_sandbox.jira_email
    settings.JIRA_API_TOKEN = tempo_sandbox.jira_api_token
    assert sync_jira().status == "succeeded"
    TempoIntegration.store(tempo_sandbox.client.mint_token(full=True), admin_user)
    everything = tempo_sandbox.client.tempo_counts()["worklogs"]
    tempo_sandbox.client.switch_on("tempo_no_view_all_worklogs", "SUP", count=None)
    try:
        manifest = manifest_of(back_up())
    finally:
        tempo_sandbox.client.switch_off()

    worklogs = next(e for e in manifest["data_sets"] if e["name"] == "worklogs")
    assert 0 < worklogs["records"] < everything
    assert len(worklogs["notes"]) == 1
    assert "(SUP) are not in this backup" in worklogs["notes"][0]
    assert "View All Worklogs" in worklogs["notes"][0]
