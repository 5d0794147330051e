"""Local copies of what Jira Service Management knows (PRODUCT.md §6, Jira part).

Filled only by ``jsm.sync``; pages read them and never call Jira. Jira ids are kept as
strings (Jira sends them as digit strings; Tempo as integers, normalised on the way in).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from worklog_report.database_outage import save_when_reachable


class JiraProject(models.Model):
    """A JSM project (service desk). Software projects are never stored."""

    jira_id = models.CharField(max_length=20, unique=True)
    key = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=255)
    service_desk_id = models.CharField(max_length=20)
    missing_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When Jira stopped listing this project. A project with a report or "
        "contracts is kept (settings, contracts, data) until they are removed.",
    )
    sync_problem = models.TextField(
        blank=True,
        help_text="Why the last Jira sync could not read this project, as a sentence for "
        "people; empty when it was read.",
    )

    class Meta:
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def sync_problems(self) -> list[str]:
        """Why the last Jira or Tempo run could not read this project, as sentences; empty
        when both read it. (Tempo's sentence lives on its ``ProjectSyncState``.)"""
        problems = [self.sync_problem] if self.sync_problem else []
        state = getattr(self, "tempo_sync_state", None)  # None: Tempo never synced it
        if state is not None and state.problem:
            problems.append(state.problem)
        return problems


class Customer(models.Model):
    """A Jira account seen as a JSM customer, an organization member, a reporter or a
    participant. ``user`` is the portal account made for it when it has an e-mail address."""

    account_id = models.CharField(max_length=128, unique=True)
    email = models.EmailField(blank=True, db_index=True)
    display_name = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jsm_customer",
    )

    def __str__(self) -> str:
        return self.display_name or self.email or self.account_id


class Organization(models.Model):
    jira_id = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=255)
    projects = models.ManyToManyField(JiraProject, related_name="organizations", blank=True)
    members = models.ManyToManyField(Customer, related_name="organizations", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Request(models.Model):
    """A JSM request (a Jira issue of a JSM project)."""

    jira_id = models.CharField(max_length=20, unique=True)
    key = models.CharField(max_length=40, unique=True)
    project = models.ForeignKey(JiraProject, on_delete=models.CASCADE, related_name="requests")
    summary = models.CharField(max_length=500)
    status = models.CharField(max_length=100)
    status_category = models.CharField(max_length=20, blank=True)
    reporter = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="reported"
    )
    participants = models.ManyToManyField(Customer, related_name="participating", blank=True)
    organizations = models.ManyToManyField(Organization, related_name="requests", blank=True)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    missing_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its project's search stopped returning it. Jira's search is "
        "eventually consistent: the request and its worklogs are kept until Jira confirms "
        "it is gone (a direct read answers 404) or two runs in a row miss it.",
    )
    missed_runs = models.PositiveSmallIntegerField(default=0)
    tempo_worklogs_read = models.BooleanField(
        default=False,
        help_text="Whether the Tempo sync has read this request's worklogs since it entered "
        "its project here (first synced, or moved in). Until then the next Tempo sync reads "
        "them directly: reading by updatedFrom never brings back older ones.",
    )

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["project", "created"])]

    def __str__(self) -> str:
        return f"{self.key} {self.summary}"


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
    """One run of a sync, shown on the Sync tab (PRODUCT.md §4.4)."""

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
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "-started_at"])]

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

    def __str__(self) -> str:
        return f"{self.name} lock"


class JiraWorklog(models.Model):
    """Time logged in Jira itself, for projects that show *Logged time (Jira)*.

    ``start_date`` is the worker's day: the local date of Jira's ``started`` in the author's
    time zone (``jsm.worklogs.worker_day``). ``description`` is the comment as plain text
    (``jsm.adf``), and always empty for an ``internal`` worklog.
    """

    jira_id = models.CharField(max_length=20, unique=True)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="jira_worklogs")
    author_account_id = models.CharField(max_length=128)
    time_spent_seconds = models.PositiveIntegerField()
    start_date = models.DateField()
    description = models.TextField(blank=True)
    # Jira restricts the worklog to a group or a role (its `visibility`, API-CONTRACTS.md §6):
    # the agents' API account reads it, customers must not. Its hours count; its comment is
    # never stored, so no page or export can show it.
    internal = models.BooleanField(default=False)
    jira_updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["request", "start_date"]),
            models.Index(fields=["start_date"]),
        ]

    def __str__(self) -> str:
        return f"Jira worklog {self.jira_id} on {self.request_id}"


class Worker(models.Model):
    """A person who logs work (an agent), for showing worker names when a project allows it.

    Tempo's worklogs carry only an accountId; Jira's worklogs also carry the display name,
    so the sync fills this table from them.
    """

    account_id = models.CharField(max_length=128, unique=True)
    display_name = models.CharField(max_length=255)

    def __str__(self) -> str:
        return self.display_name


class JiraWorklogCursor(models.Model):
    """Where the Jira worklog sync stands (one row): Jira's ``until`` of the last read, and
    when the last full read (which finds deletions made while nobody was looking) ended."""

    since_ms = models.BigIntegerField(default=0)
    last_full_sync_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Jira worklogs since {self.since_ms}"
