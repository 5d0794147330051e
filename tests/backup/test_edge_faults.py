"""Faults at the edges of a backup: a per-parent refusal other than 404, an old archive that
cannot be removed, an archive that cannot be deleted."""

from __future__ import annotations

import errno
from pathlib import Path

from django.urls import reverse

from backup.models import Backup

from .fakes import backup_now
from .test_runs import entry, manifest_of


def test_a_per_parent_refusal_other_than_404_is_not_called_missing(tempo):
    tempo.status["/4/team-memberships/team/200"] = 400

    backup = backup_now()

    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    memberships = entry(manifest_of(backup), "team-memberships")
    assert memberships["skipped"].startswith("Tempo refused the request (400)")
    assert not any("404" in note for note in memberships["notes"])


def test_an_old_archive_that_cannot_be_removed_leaves_the_new_one_listed(
    tempo, settings, monkeypatch, time_machine
):
    settings.TEMPO_BACKUP_KEEP = 1
    old = backup_now()
    time_machine.shift(60)
    real_unlink = Path.unlink

    def refuse(path, missing_ok=False):
        if str(path) == old.path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)

    new = backup_now()

    assert new.status == Backup.Status.SUCCEEDED
    assert Path(new.path).exists() and Path(old.path).exists()
    assert new in Backup.archives()


def test_an_archive_that_cannot_be_deleted_says_so(tempo, admin_client, monkeypatch):
    backup = backup_now()

    def refuse(path, missing_ok=False):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    response = admin_client.post(reverse("backup:delete", args=[backup.public_id]), follow=True)

    assert response.status_code == 200
    assert (
        f"The archive {backup.file_name} could not be deleted: Permission denied. "
        "It is still listed." in response.content.decode()
    )
    assert backup in Backup.archives()


def test_the_archive_is_readable_by_the_apps_user_only(tempo):
    backup = backup_now()
    assert Path(backup.path).stat().st_mode & 0o777 == 0o600


def test_a_run_whose_process_died_is_shown_interrupted_once_its_lock_is_gone(tempo, admin_client):
    from backup.sentences import INTERRUPTED

    dead = Backup.objects.create(trigger="button", status=Backup.Status.RUNNING)

    page = admin_client.get(reverse("backup:tab")).content.decode()

    dead.refresh_from_db()
    assert dead.status == Backup.Status.FAILED and dead.error == INTERRUPTED
    assert "A backup is running now" not in page
    assert INTERRUPTED in page


def test_an_archive_whose_file_is_gone_is_marked_missing_without_download(tempo, admin_client):
    backup = backup_now()
    Path(backup.path).unlink()

    page = admin_client.get(reverse("backup:tab")).content.decode()

    assert "The file is no longer in the directory." in page
    assert reverse("backup:download", args=[backup.public_id]) not in page
    assert "Remove from the list" in page


def test_archives_written_elsewhere_by_the_command_are_not_listed(tempo, admin_client, tmp_path):
    elsewhere = backup_now(directory=tmp_path / "elsewhere")
    here = backup_now()

    page = admin_client.get(reverse("backup:tab")).content.decode()

    assert here.file_name in page
    assert reverse("backup:download", args=[elsewhere.public_id]) not in page
