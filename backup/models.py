"""Tempo backups and their schedule (docs/product.md §4.5)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Backup(models.Model):
    """One run of a Tempo backup, and the archive it wrote when it succeeded.

    `data_sets` is a list of per-data-set dicts: while running, the progress (`name`,
    `state` waiting/reading/done/skipped, `records`, `pages`); once written, the manifest's
    entries (plus `records`, `pages`, `bytes`, `sha256`, `skipped`, `notes`). `public_id`
    names the archive in URLs: random, so one archive's download URL says nothing of another's.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        BUTTON = "button", "Back up now"
        SCHEDULE = "schedule", "Schedule"
        COMMAND = "command", "Command"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The archive's absolute path once it is complete and verified; "" before, and after
    # Delete or the retention count removed it.
    path = models.CharField(max_length=1000, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    token_last4 = models.CharField(max_length=4, blank=True)
    data_sets = models.JSONField(default=list, blank=True)
    records = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status", "removed_at"])]

    def __str__(self) -> str:
        return f"Tempo backup {self.public_id} ({self.status})"

    @classmethod
    def archives(cls) -> models.QuerySet[Backup]:
        """The archives on disk, newest first."""
        return cls.objects.filter(status=cls.Status.SUCCEEDED, removed_at__isnull=True).exclude(
            path=""
        )

    @classmethod
    def unfinished(cls) -> models.QuerySet[Backup]:
        return cls.objects.filter(Q(status=cls.Status.QUEUED) | Q(status=cls.Status.RUNNING))

    @property
    def file_name(self) -> str:
        return Path(self.path).name if self.path else ""

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def skipped(self) -> list[dict]:
        return [entry for entry in self.data_sets if entry.get("skipped")]

    @property
    def written(self) -> list[dict]:
        return [entry for entry in self.data_sets if not entry.get("skipped")]

    @property
    def gaps(self) -> list[tuple[str, str]]:
        """(data set, sentence) for everything the archive lacks: skipped data sets and the
        notes of those Tempo did not give in full (the tab's Skipped column)."""
        found = []
        for entry in self.data_sets:
            if entry.get("skipped"):
                found.append((entry["name"], entry["skipped"]))
            elif entry.get("incomplete"):
                found.extend((entry["name"], note) for note in entry.get("notes", []))
        return found

    @property
    def on_disk(self) -> bool:
        return bool(self.path) and Path(self.path).is_file()


class BackupSchedule(models.Model):
    """The daily backup: at `hour` (0–23, the server's TIME_ZONE), off when None.

    `last_run_on` is the local day a scheduled backup was last queued: one per day, even with
    two schedulers (a conditional UPDATE claims the day).
    """

    hour = models.PositiveSmallIntegerField(null=True, blank=True)
    last_run_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "off" if self.hour is None else f"daily at {self.hour:02d}:00"

    @classmethod
    def get(cls) -> BackupSchedule:
        schedule, _ = cls.objects.get_or_create(pk=1)
        return schedule
