"""The sync's records: one row per run for the Sync tab, and the leases that keep runs apart.

The tables keep the names they had in ``jsm`` (``jsm_syncrun``, ``jsm_synclock``): the models
moved here with state-only migrations, so no data moved.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from worklog_report.database_outage import save_when_reachable

STOPPED = (
    "This run was stopped before it finished (Ctrl-C or the process being shut down). "
    "Nothing was lost: the next run reads again from where the data stood."
)
ABANDONED = (
    "This run stopped before it could record its end (the worker was killed or crashed, or "
    "the database stayed unreachable). Nothing was lost: the next run picked up where the "
    "data stood."
)


class SyncRun(models.Model):
    """One run of a sync, shown on the Sync tab (docs/product.md §4.4)."""

    class Kind(models.TextChoices):
        JIRA = "jira", "Jira"
        TEMPO = "tempo", "Tempo"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        PARTLY = "partly", "Partly succeeded"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="What went wrong, as a sentence for people.")
    requests_made = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "jsm_syncrun"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "-started_at"], name="jsm_syncrun_kind_25dbb9_idx"),
            # Every report page asks for the newest finished run of its kind ("Updated …",
            # portal.reports.last_updated): without it, a sort of every run of a year.
            models.Index(fields=["kind", "-finished_at"], name="syncrun_kind_finished_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sync {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @classmethod
    def begin(cls, kind: str) -> SyncRun:
        """Record a new run; call it holding the kind's lock.

        A run still marked running at that point belonged to a worker that died mid-way
        (killed, out of memory): say so, since the lock passed to us only once its lease ran out.
        """
        cls.objects.filter(kind=kind, status=cls.Status.RUNNING).update(
            status=cls.Status.FAILED,
            finished_at=Now(),
            error=ABANDONED,
        )
        return cls.objects.create(kind=kind)

    def finish(
        self,
        *,
        error: str = "",
        partly: bool = False,
        counts: dict | None = None,
        requests_made: int = 0,
    ):
        """Record how the run ended: succeeded unless there is an error sentence; ``partly``
        when the error names only some projects and the others were synced.

        The database may just have gone away (that may be why the run ended): the record is
        retried for about 30 s, then DatabaseUnavailable is raised.
        """
        if not error:
            self.status = self.Status.SUCCEEDED
        else:
            self.status = self.Status.PARTLY if partly else self.Status.FAILED
        self.error = error
        self.counts = counts or {}
        self.requests_made = requests_made
        self.finished_at = timezone.now()
        save_when_reachable(self.save, f"the {self.kind} run's outcome")

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None

    @property
    def summary(self) -> str:
        """The counts as a phrase: "2 projects, 1,160 requests, 1 request removed"."""
        parts = []
        for name, value in self.counts.items():
            words = [PROPER_NOUNS.get(word, word) for word in name.split("_")]
            if value or len(words) == 1:  # always the main counts, changes only when any
                parts.append(f"{value:,} {' '.join(_singular(words) if value == 1 else words)}")
        calls = f"{self.requests_made:,} API call{'' if self.requests_made == 1 else 's'}"
        return ", ".join(parts) + (f"; {calls}" if self.requests_made else "")


# Words of the counts' names that are names ("jira_worklogs" → "Jira worklogs").
PROPER_NOUNS = {"jira": "Jira", "tempo": "Tempo"}


def _singular(words: list[str]) -> list[str]:
    """["requests", "removed"] → ["request", "removed"]; ["jira", "worklogs"] → ["jira",
    "worklog"]: the counts are named after the plural noun they count."""
    for i, word in enumerate(words):
        if word.endswith("s"):
            return [*words[:i], word[:-1], *words[i + 1 :]]
    return words


class SyncLock(models.Model):
    """A lease that keeps two syncs of the same kind from running at once, across processes.

    Acquired with one conditional UPDATE (works the same on SQLite and PostgreSQL, holds no
    transaction open), renewed while the sync runs, and expiring on its own if the worker
    is killed, so a crash never leaves the sync locked for good.
    """

    name = models.CharField(max_length=20, unique=True)
    owner = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "jsm_synclock"

    def __str__(self) -> str:
        return f"{self.name} lock"
