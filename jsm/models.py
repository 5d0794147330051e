"""Local copies of what Jira Service Management knows (docs/product.md §6, Jira part).

Filled only by ``jsm.sync``; pages read them and never call Jira. Jira ids are kept as
strings (Jira sends them as digit strings; Tempo as integers, normalised on the way in).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from worklog_report.month_summary import MonthSummary


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


class JiraWorklog(models.Model):
    """Time logged in Jira itself, for projects that show *Logged time (Jira)*.

    ``start_date`` is the worker's day: the local date of Jira's ``started`` in the author's
    time zone (``jsm.worklogs.worker_day``). ``description`` is the comment as plain text
    (``jsm.adf``), and always empty for an ``internal`` worklog.
    """

    jira_id = models.CharField(max_length=20, unique=True)
    # No index of its own: (request, start_date) below starts with it.
    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="jira_worklogs", db_index=False
    )
    author_account_id = models.CharField(max_length=128)
    time_spent_seconds = models.PositiveIntegerField()
    start_date = models.DateField()
    description = models.TextField(blank=True)
    # Jira restricts the worklog to a group or a role (its `visibility`, docs/outside-apis.md §6):
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


class JiraWorklogMonth(MonthSummary):
    """Jira worklogs per request and month (``approved`` always false: Jira has no
    approvals), summed by PostgreSQL's triggers on ``JiraWorklog``
    (``worklog_report.month_summary``); ``seconds*`` are logged seconds. Empty on SQLite."""

    def __str__(self) -> str:
        return f"Jira worklogs of {self.request_id} in {self.month:%Y-%m}"


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
