"""Jira's data as the sandbox keeps it: projects, users, organizations, issues, worklogs.

Ids are Jira's own numbers, stored as integers and written as digit strings by the
serializers. Indexes follow the routes' filters and orders, which must stay fast at the
benchmark's size (2,000 requests, 50,000 worklogs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sandbox.jira import statuses
from sandbox.models import IdSequence

ID_MAX = 2**63 - 1  # every id column is a signed 64-bit integer
DEFAULT_TIME_ZONE = "Etc/UTC"  # a new account's profile time zone


def as_id(ref: str) -> int | None:
    """`ref` as a numeric id, or None when it is not one (a key, or beyond a 64-bit column:
    no row has such an id, and a look-up by it would overflow the column)."""
    ref = ref.strip()
    if ref.isascii() and ref.isdigit() and len(ref) <= 19 and int(ref) <= ID_MAX:
        return int(ref)
    return None


@dataclass(frozen=True)
class IssueType:
    """An issue type as Jira lists it (`GET /rest/api/3/issuetype`): JSM's and software's."""

    id: str
    name: str
    description: str
    avatar_id: int


# Keyed by id, in the order `ORDER BY issuetype` sorts them.
ISSUE_TYPES: dict[str, IssueType] = {
    issue_type.id: issue_type
    for issue_type in (
        IssueType("10100", "Service Request", "Requests for help or for something new.", 10320),
        IssueType("10101", "Incident", "An unplanned interruption of a service.", 10321),
        IssueType("10102", "Problem", "The cause of one or more incidents.", 10322),
        IssueType("10103", "Change", "A change to a service or its configuration.", 10323),
        IssueType("10001", "Task", "A small, distinct piece of work.", 10318),
        IssueType("10002", "Bug", "A problem or error.", 10303),
        IssueType("10003", "Story", "A feature expressed as a user goal.", 10315),
    )
}
SERVICE_REQUEST = ISSUE_TYPES["10100"]
INCIDENT = ISSUE_TYPES["10101"]
TASK = ISSUE_TYPES["10001"]
BUG = ISSUE_TYPES["10002"]


def api_account() -> JiraUser | None:
    """The account the API is called with (`settings.SANDBOX_JIRA_EMAIL`): `currentUser()`."""
    return JiraUser.objects.filter(email__iexact=settings.SANDBOX_JIRA_EMAIL).first()


def api_account_zone() -> tzinfo:
    """The API account's profile time zone, UTC when it is hidden, unset or unknown: the
    zone Jira reads JQL dates in and writes worklog times in."""
    name = (
        JiraUser.objects.filter(email__iexact=settings.SANDBOX_JIRA_EMAIL)
        .values_list("time_zone", flat=True)
        .first()
    )
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class ProjectType(models.TextChoices):
    SERVICE_DESK = "service_desk", "Service management"
    SOFTWARE = "software", "Software"


class ProjectQuerySet(models.QuerySet["Project"]):
    def by_ref(self, ref: str) -> Project | None:
        """The project with this id (`"10000"`) or key (`"ITSD"`, any case), or None."""
        number = as_id(ref)
        if number is not None:
            return self.filter(pk=number).first()
        return self.filter(key=ref.strip().upper()).first()

    def service_desks(self) -> ProjectQuerySet:
        return self.filter(project_type_key=ProjectType.SERVICE_DESK)

    def service_desk(self, ref: str) -> Project | None:
        """A service desk by its own id, its project's id or its project's key.

        JSM's `{serviceDeskId}` accepts all three. Desk ids are small numbers and project ids
        five digits, so trying the desk id first never shadows a project.
        """
        desks = self.service_desks()
        number = as_id(ref)
        found = None if number is None else desks.filter(service_desk_id=number).first()
        return found or desks.by_ref(ref)


class Project(models.Model):
    """A Jira project; a JSM one (`service_desk`) also has a service desk id."""

    id = models.PositiveBigIntegerField(primary_key=True)
    key = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=255)
    project_type_key = models.CharField(max_length=16, choices=ProjectType.choices)
    service_desk_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    # The customers JSM lists for the desk (`GET /servicedesk/{id}/customer`).
    customers = models.ManyToManyField("JiraUser", related_name="customer_of", blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(project_type_key=ProjectType.SERVICE_DESK, service_desk_id__isnull=False)
                    | (
                        Q(service_desk_id__isnull=True)
                        & ~Q(project_type_key=ProjectType.SERVICE_DESK)
                    )
                ),
                name="sandbox_jira_project_desk_id_iff_service_desk",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def is_service_desk(self) -> bool:
        return self.project_type_key == ProjectType.SERVICE_DESK


class AccountType(models.TextChoices):
    ATLASSIAN = "atlassian", "Atlassian account (agent)"
    CUSTOMER = "customer", "JSM customer"


class JiraUserQuerySet(models.QuerySet["JiraUser"]):
    def by_ref(self, ref: str) -> JiraUser | None:
        """The user with this accountId, or with this e-mail address (any case)."""
        if "@" in ref and not ref.startswith("qm:"):
            return self.filter(email__iexact=ref.strip()).first()
        return self.filter(pk=ref).first()


class JiraUser(models.Model):
    """An Atlassian account: an agent (`atlassian`) or a JSM customer (`customer`)."""

    account_id = models.CharField(max_length=128, primary_key=True)
    # None when the user's privacy settings hide it: the API then answers null. NULL, not
    # "", because "hidden" is a state of its own, not an empty address.
    email = models.EmailField(null=True, blank=True)  # noqa: DJ001
    display_name = models.CharField(max_length=255)
    active = models.BooleanField(default=True)
    account_type = models.CharField(max_length=16, choices=AccountType.choices)
    # The profile's time zone (an IANA name), written as `timeZone` on user objects. None when
    # privacy settings hide it: Jira then answers null (docs/outside-apis.md §6). The API
    # account's zone is also the one every worklog's `started` is written in.
    time_zone = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, default=DEFAULT_TIME_ZONE
    )

    objects = JiraUserQuerySet.as_manager()

    class Meta:
        ordering = ["account_id"]

    def __str__(self) -> str:
        return self.display_name


class Organization(models.Model):
    """A JSM customer organization: members, and the service desks it is linked to."""

    id = models.PositiveBigIntegerField(primary_key=True)
    name = models.CharField(max_length=255, unique=True)
    created = models.DateTimeField()
    members = models.ManyToManyField(JiraUser, related_name="organizations", blank=True)
    service_desks = models.ManyToManyField(Project, related_name="organizations", blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class IssueQuerySet(models.QuerySet["Issue"]):
    def by_ref(self, ref: str) -> Issue | None:
        """The issue with this id (`"10100"`) or key (`"ITSD-1"`, any case), or None."""
        number = as_id(ref)
        if number is not None:
            return self.filter(pk=number).first()
        return self.filter(key=ref.strip().upper()).first()


class Issue(models.Model):
    """A Jira issue; in a service desk project, a JSM request.

    The status is one of `statuses.STATUSES` and the type one of `ISSUE_TYPES`, both kept
    by id (the type defaults to Service Request, so inserts may leave it out). Participants
    and organizations are the values of JSM's two custom fields (`fields.PARTICIPANTS_FIELD`,
    `ORGANIZATIONS_FIELD`).
    """

    id = models.PositiveBigIntegerField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField()
    key = models.CharField(max_length=32, unique=True)
    summary = models.CharField(max_length=255)
    status_id = models.CharField(
        max_length=16, choices=[(s.id, s.name) for s in statuses.STATUSES.values()]
    )
    issue_type = models.CharField(
        max_length=16,
        choices=[(t.id, t.name) for t in ISSUE_TYPES.values()],
        default=SERVICE_REQUEST.id,
        db_default=SERVICE_REQUEST.id,
    )
    reporter = models.ForeignKey(
        JiraUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="reported"
    )
    participants = models.ManyToManyField(JiraUser, related_name="participating", blank=True)
    organizations = models.ManyToManyField(Organization, related_name="shared_requests", blank=True)
    created = models.DateTimeField()
    updated = models.DateTimeField()

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="sandbox_jira_issue_number")
        ]
        indexes = [
            models.Index(fields=["project", "updated"]),
            models.Index(fields=["project", "created"]),
            models.Index(fields=["updated", "id"]),
            models.Index(fields=["created", "id"]),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def status(self) -> statuses.Status:
        return statuses.STATUSES[self.status_id]

    @property
    def type(self) -> IssueType:
        return ISSUE_TYPES[self.issue_type]

    def touch(self, when: datetime | None = None) -> None:
        """Record a change now, as Jira bumps `updated` on every edit (and on new worklogs)."""
        self.updated = max(when or timezone.now(), self.updated)
        Issue.objects.filter(pk=self.pk).update(updated=self.updated)


class JiraWorklogQuerySet(models.QuerySet["JiraWorklog"]):
    def delete_recording(self) -> list[int]:
        """Delete these worklogs and remember them for `GET /worklog/deleted`; return ids."""
        ids = list(self.values_list("id", flat=True))
        now = timezone.now()
        DeletedWorklog.objects.bulk_create(
            [DeletedWorklog(worklog_id=worklog_id, deleted_at=now) for worklog_id in ids],
            update_conflicts=True,
            unique_fields=["worklog_id"],
            update_fields=["deleted_at"],
        )
        self.delete()
        return ids


class JiraWorklog(models.Model):
    """Time logged in Jira on an issue (the "Logged time (Jira)" hours source).

    The comment is either plain text (`comment`, written out as an Atlassian Document Format
    doc of one paragraph per line: the demo's) or a whole ADF document (`comment_adf`, written
    out as it is: rich comments with lists, mentions, emoji, ...). `visibility` restricts the
    worklog to a group or a role, as Jira's `{"type": "group" | "role", "value",
    "identifier"}`; None when everyone may see it. Both are NULL by default, so the demo's
    bulk insert may leave them out.
    """

    id = models.PositiveBigIntegerField(primary_key=True)
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="worklogs")
    author = models.ForeignKey(JiraUser, on_delete=models.PROTECT, related_name="+")
    update_author = models.ForeignKey(JiraUser, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    comment_adf = models.JSONField(null=True, blank=True)
    visibility = models.JSONField(null=True, blank=True)
    started = models.DateTimeField()
    time_spent_seconds = models.PositiveIntegerField()
    created = models.DateTimeField()
    updated = models.DateTimeField()

    objects = JiraWorklogQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["issue", "started", "id"]),
            models.Index(fields=["updated", "id"]),
        ]

    def __str__(self) -> str:
        return f"Jira worklog {self.pk} on {self.issue_id}"


class DeletedWorklog(models.Model):
    """A Jira worklog that was deleted, for `GET /rest/api/3/worklog/deleted`."""

    worklog_id = models.PositiveBigIntegerField(primary_key=True)
    deleted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["deleted_at", "worklog_id"])]

    def __str__(self) -> str:
        return f"Deleted Jira worklog {self.worklog_id}"


def issue_number_sequence(project_id: int) -> str:
    """The `IdSequence` that numbers a project's issue keys (ITSD-1, ITSD-2, ...)."""
    return f"sandbox_jira.issue-number:{project_id}"


def next_issue_number(project: Project) -> int:
    highest = project.issues.aggregate(highest=models.Max("number"))["highest"] or 0
    return IdSequence.take(issue_number_sequence(project.pk), highest)


def service_desk_issues() -> IssueQuerySet:
    """Issues that are JSM requests (those of service desk projects)."""
    return Issue.objects.filter(project__project_type_key=ProjectType.SERVICE_DESK)
