"""Where archives live (settings.TEMPO_BACKUP_DIR) and how many are kept
(settings.TEMPO_BACKUP_KEEP): docs/product.md §4.5.

An archive is written under a hidden `.partial` name and renamed to its final name only
after it was verified, so an interrupted backup (a killed worker, a full disk) never leaves
a file that looks complete; the next backup removes such leftovers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Backup

logger = logging.getLogger("worklog_report.backup")

PARTIAL_SUFFIX = ".partial"


def archive_dir() -> Path:
    return Path(settings.TEMPO_BACKUP_DIR)


def partial_path(directory: Path) -> Path:
    return directory / f".tempo-backup-{uuid.uuid4().hex}.zip{PARTIAL_SUFFIX}"


def final_path(directory: Path, when: datetime) -> Path:
    """`tempo-backup-YYYYMMDD-HHMMSSZ.zip` (UTC), made unique with a counter if needed."""
    stem = f"tempo-backup-{when.astimezone(UTC).strftime('%Y%m%d-%H%M%SZ')}"
    candidate, counter = directory / f"{stem}.zip", 1
    while candidate.exists():
        counter += 1
        candidate = directory / f"{stem}-{counter}.zip"
    return candidate


def remove_leftovers(directory: Path) -> int:
    """Remove the `.partial` files of interrupted backups; the caller holds the backup lock,
    so none of them is being written. Returns how many were removed."""
    removed = 0
    for leftover in directory.glob(f".tempo-backup-*{PARTIAL_SUFFIX}"):
        try:
            leftover.unlink()
            removed += 1
        except OSError:
            logger.warning("backup leftover not removed", extra={"file": leftover.name})
    return removed


def remove_archive(backup: Backup, why: str) -> None:
    """Delete the archive's file and mark it removed (Delete, or the retention count)."""
    if backup.path:
        Path(backup.path).unlink(missing_ok=True)
    backup.removed_at = timezone.now()
    backup.save(update_fields=["removed_at"])
    logger.info("backup archive removed", extra={"archive": backup.file_name, "why": why})


def apply_retention(directory: Path, keep: int | None = None) -> list[Backup]:
    """Remove the oldest archives of `directory` beyond the newest `keep` (default
    TEMPO_BACKUP_KEEP). Only complete, verified archives count and are removed: a failed
    backup never pushes a good archive out."""
    keep = settings.TEMPO_BACKUP_KEEP if keep is None else keep
    here = [
        backup
        for backup in Backup.archives().order_by("-finished_at", "-id")
        if Path(backup.path).parent == directory
    ]
    removed = here[keep:]
    for backup in removed:
        remove_archive(backup, "retention")
    return removed
