"""The Tempo backup tab at /configuration/backup/: who sees it, Back up now, downloads,
deletes, the schedule and the live status."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from backup import sentences
from backup.models import Backup, BackupSchedule
from backup.runs import LOCK
from sync.locks import sync_lock

from .fakes import backup_now

TAB = reverse("backup:tab")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def archive(tempo) -> Backup:
    backup = backup_now()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    return backup


def test_the_url_is_under_configuration():
    assert TAB == "/configuration/backup/"


def test_staff_see_the_tab_with_the_scope_table(admin_client, tempo):
    tempo.scopes -= {"approvals"}
    response = admin_client.get(TAB)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Back up now" in page
    assert "What the stored connection can read" in page
    assert "Not readable" in page and "The token has no Approvals scope." in page
    assert "timesheet-approvals, timesheet-approvals-waiting" in page
    assert "No archive yet." in page


def test_the_tab_lists_archives_with_download_and_delete(admin_client, archive):
    page = admin_client.get(TAB).content.decode()
    assert archive.file_name in page
    assert reverse("backup:download", args=[archive.public_id]) in page
    assert reverse("backup:confirm_delete", args=[archive.public_id]) in page


def test_customers_get_403_and_anonymous_visitors_sign_in(client, alice_client):
    assert alice_client.get(TAB).status_code == 403
    assert alice_client.post(reverse("backup:now")).status_code == 403
    assert not Backup.objects.exists()
    client.logout()
    response = client.get(TAB)
    assert response.status_code == 302 and "login" in response["Location"]


def test_back_up_now_without_a_token_says_so_and_queues_nothing(admin_client):
    page = admin_client.get(TAB).content.decode()
    assert "No working Tempo connection" in page
    response = admin_client.post(reverse("backup:now"))
    assert response.status_code == 302 and response["Location"] == TAB
    assert messages_of(response) == [sentences.NO_CONNECTION]
    assert not Backup.objects.exists()


def test_back_up_now_queues_a_backup(admin_client, tempo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("backup:now"))
    assert messages_of(response) == [sentences.QUEUED]
    backup = Backup.objects.get()
    assert backup.trigger == Backup.Trigger.BUTTON and backup.status == Backup.Status.SUCCEEDED


def test_back_up_now_while_one_is_running_queues_nothing(admin_client, integration):
    with sync_lock(LOCK):
        response = admin_client.post(reverse("backup:now"))
    assert messages_of(response) == [sentences.ALREADY_RUNNING]
    assert not Backup.objects.exists()


def test_download_streams_the_archive_to_staff(admin_client, archive):
    response = admin_client.get(reverse("backup:download", args=[archive.public_id]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="{archive.file_name}"'
    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content) == Path(archive.path).read_bytes()


def test_a_customer_cannot_download(alice_client, archive):
    assert alice_client.get(reverse("backup:download", args=[archive.public_id])).status_code == 403
    url = reverse("backup:delete", args=[archive.public_id])
    assert alice_client.post(url).status_code == 403
    assert Path(archive.path).exists()


def test_an_unknown_uuid_is_404(admin_client, archive):
    other = uuid.uuid4()
    assert admin_client.get(reverse("backup:download", args=[other])).status_code == 404
    assert admin_client.get(reverse("backup:confirm_delete", args=[other])).status_code == 404
    assert admin_client.post(reverse("backup:delete", args=[other])).status_code == 404


def test_a_failed_backup_has_no_download(admin_client, tempo):
    tempo.status["/4/worklogs"] = 500
    failed = backup_now(client_options={"retry_budget": 0})
    assert failed.status == Backup.Status.FAILED
    assert admin_client.get(reverse("backup:download", args=[failed.public_id])).status_code == 404


def test_delete_confirm_then_post_removes_the_file(admin_client, archive):
    confirm = admin_client.get(reverse("backup:confirm_delete", args=[archive.public_id]))
    assert confirm.status_code == 200
    assert archive.file_name in confirm.content.decode()
    response = admin_client.post(reverse("backup:delete", args=[archive.public_id]))
    assert response.status_code == 302
    assert messages_of(response) == [sentences.DELETED.format(name=archive.file_name)]
    assert not Path(archive.path).exists()
    archive.refresh_from_db()
    assert archive.removed_at is not None and not Backup.archives().exists()
    # Removed: its URLs are gone too.
    assert admin_client.get(reverse("backup:download", args=[archive.public_id])).status_code == 404
    assert admin_client.post(reverse("backup:delete", args=[archive.public_id])).status_code == 404


def test_an_archive_whose_file_vanished_is_404(admin_client, archive):
    Path(archive.path).unlink()
    assert admin_client.get(reverse("backup:download", args=[archive.public_id])).status_code == 404


def test_delete_needs_post(admin_client, archive):
    assert admin_client.get(reverse("backup:delete", args=[archive.public_id])).status_code == 405
    assert Path(archive.path).exists()


@pytest.mark.parametrize(
    ("posted", "hour", "sentence"),
    [
        ("3", 3, "A backup now runs every day at 03:00 (UTC)."),
        ("0", 0, "A backup now runs every day at 00:00 (UTC)."),
        ("", None, sentences.SCHEDULE_SAVED_OFF),
    ],
)
def test_the_schedule_form_saves_an_hour_or_off(admin_client, settings, posted, hour, sentence):
    settings.TIME_ZONE = "UTC"
    BackupSchedule.objects.update_or_create(pk=1, defaults={"hour": 7})
    response = admin_client.post(reverse("backup:schedule"), {"hour": posted})
    assert response.status_code == 302
    assert messages_of(response) == [sentence]
    assert BackupSchedule.get().hour == hour


@pytest.mark.parametrize("posted", ["24", "abc", "-1"])
def test_the_schedule_form_refuses_other_hours(admin_client, posted):
    BackupSchedule.objects.update_or_create(pk=1, defaults={"hour": 7})
    response = admin_client.post(reverse("backup:schedule"), {"hour": posted})
    assert messages_of(response) == [sentences.SCHEDULE_INVALID]
    assert BackupSchedule.get().hour == 7


def test_the_status_endpoint(admin_client, archive):
    response = admin_client.get(reverse("backup:status"))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["pending"] is False
    assert archive.file_name in data["html"]


def test_the_status_endpoint_while_a_backup_runs(admin_client, integration):
    Backup.objects.create(trigger=Backup.Trigger.BUTTON, status=Backup.Status.RUNNING)
    with sync_lock(LOCK):
        data = admin_client.get(reverse("backup:status")).json()
    assert data["pending"] is True and "A backup is running now." in data["html"]


def test_the_status_endpoint_is_staff_only(alice_client):
    assert alice_client.get(reverse("backup:status")).status_code == 403


def test_check_again_probes_the_scopes_again(admin_client, tempo):
    admin_client.get(TAB)
    probes = len(tempo.calls)
    admin_client.get(TAB)
    assert len(tempo.calls) == probes  # cached
    response = admin_client.post(reverse("backup:scopes"))
    assert messages_of(response) == [sentences.SCOPES_RECHECKED]
    assert len(tempo.calls) == 2 * probes
