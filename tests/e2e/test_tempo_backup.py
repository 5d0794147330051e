"""The Tempo backup tab in Chromium (issue 17): Back up now, live progress, the verified
archive listed without a reload, Download, Delete, and a customer kept out."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from backup.models import Backup

from .conftest import sign_in
from .test_phone_layout import assert_no_horizontal_overflow

pytestmark = pytest.mark.e2e

SCREENSHOTS = os.environ.get("TEMPO_BACKUP_SCREENSHOTS")


@pytest.fixture
def backups(demo, settings, tmp_path):
    """Back up now queues in the database, as in production; the test runs the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TEMPO_BACKUP_DIR = tmp_path / "backups"
    settings.TEMPO_BACKUP_MONTHS = 2
    return demo


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_back_up_now_download_and_delete(page, live_server, backups, tmp_path):
    sign_in(page, "admin", "admin")
    page.goto("/configuration/backup/")
    expect(page.get_by_role("heading", name="What the stored connection can read")).to_be_visible()
    expect(page.locator("tr", has_text="Worklogs").get_by_text("Readable")).to_be_visible()

    page.get_by_role("button", name="Back up now").click()
    expect(page.get_by_text("A backup is queued")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    run_worker()

    archive_row = page.locator("#archives-title + .table-wrap tbody tr")
    expect(archive_row).to_have_count(1)
    expect(archive_row.locator(".lozenge")).to_have_text("Verified")
    expect(page.get_by_text("A backup is queued")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True  # shown without a reload

    with page.expect_download() as download_info:
        archive_row.get_by_role("link", name="Download").click()
    saved = tmp_path / "downloaded.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert "worklogs.jsonl" in archive.namelist()
    backup = Backup.archives().get()
    assert manifest["data_sets"] == backup.data_sets
    assert saved.read_bytes() == Path(backup.path).read_bytes()

    # On a phone the archive row, its long file name and the directory stay inside the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert_no_horizontal_overflow(page, "tempo backup with an archive")
    page.set_viewport_size({"width": 1280, "height": 900})
    if SCREENSHOTS:
        shoot(page, Path(SCREENSHOTS))

    archive_row.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text(f"The archive {backup.file_name} was deleted.")).to_be_visible()
    expect(page.get_by_text("No archive yet.")).to_be_visible()
    assert not Path(backup.path).exists()


def test_a_customer_cannot_download_an_archive(page, live_server, backups):
    sign_in(page, "admin", "admin")
    page.goto("/configuration/backup/")
    page.get_by_role("button", name="Back up now").click()
    run_worker()
    backup = Backup.archives().get()
    page.context.clear_cookies()

    sign_in(page, "alice@acme.example", "demo")
    response = page.goto(f"/configuration/backup/{backup.public_id}/download/")
    assert response.status == 403
    assert b"PK" not in response.body()[:2]


def shoot(page, where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    page.reload()
    page.screenshot(path=str(where / "tempo-backup.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(where / "tempo-backup-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
