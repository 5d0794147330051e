"""The Tempo backup's measurements of `make bench` (docs/product.md §8).

A backup's throughput is measured against merely downloading the same pages: every data set
of `backup.datasets.DATA_SETS` read through the same client, with the same options, window
and per-parent reads (`backup.reading.read_pages`, parents filled as the backup fills
them), each page parsed and then dropped. Both sides use `CLIENT_OPTIONS`: no spacing
between requests (the sandbox is local and we measure our own code; Tempo's 0.2 s between
requests would otherwise be most of both sides and hide the backup's own cost).

Like `bench/measure.py`, these work on the app database Django is connected to and on a
running, seeded sandbox; `store_full_access` replaces the stored Tempo credentials.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from backup.datasets import DATA_SETS
from backup.models import Backup
from backup.reading import Reading, Skipped, Window, read_pages
from backup.runs import PARENT_FIELDS, run_backup
from tempo_integration.access import open_client
from tempo_integration.models import TempoIntegration

# The same for the backup and for the download it is compared with.
CLIENT_OPTIONS: dict[str, Any] = {"min_interval": 0}


def store_full_access(sandbox) -> str:
    """Mint a full-access sandbox token and store it as the Tempo connection (replacing the
    current one, e.g. the worklogs-only token of `measure.prepare`); return it."""
    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", is_staff=True)
    token = sandbox.client.mint_token(name="bench-backup", full=True)
    TempoIntegration.store(token, admin)
    return token


def backup_window() -> Window:
    return Window.months_back(settings.TEMPO_BACKUP_MONTHS, timezone.localdate())


def download_backup_pages(client_options: dict[str, Any] | None = None) -> dict[str, int | None]:
    """Every page a backup reads, downloaded and parsed, nothing written: records per data
    set (None for one the token may not read, as the backup skips it)."""
    options = CLIENT_OPTIONS if client_options is None else client_options
    reading = Reading(backup_window())
    records: dict[str, int | None] = {}
    with open_client(TempoIntegration.current(), **options) as client:
        for data_set in DATA_SETS:
            field = PARENT_FIELDS.get(data_set.name)
            count = 0
            try:
                for page in read_pages(client, data_set, reading):
                    if field is not None:
                        reading.parents.setdefault(data_set.name, []).extend(
                            record[field] for record in page if field in record
                        )
                    count += len(page)
            except Skipped as skipped:
                reading.skipped[data_set.name] = str(skipped)
                records[data_set.name] = None
                continue
            records[data_set.name] = count
    return records


def run_backup_once(directory: Path | str, client_options: dict[str, Any] | None = None) -> Backup:
    """A full backup into `directory` (its retention count applies there); it must succeed."""
    options = CLIENT_OPTIONS if client_options is None else client_options
    backup = Backup.objects.create(trigger=Backup.Trigger.COMMAND)
    run_backup(backup, directory=directory, client_options=options)
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    return backup


def backup_memory_peak(
    directory: Path | str, client_options: dict[str, Any] | None = None
) -> tuple[int, Backup]:
    """(tracemalloc peak of one full backup, read, written and verified; the backup)."""
    tracemalloc.start()
    try:
        backup = run_backup_once(directory, client_options)
        return tracemalloc.get_traced_memory()[1], backup
    finally:
        tracemalloc.stop()
