"""Data drift: the changes people make in Jira and Tempo while the app is not looking.

The app's sync tests make these through the control endpoint (`drift_views.py`, and
`SandboxClient` in client.py) and then check that a sync notices. Each change does what
the real services do around it: Jira bumps an issue's `updated` when it or its worklogs
change, deleting an issue deletes its worklogs in Jira and in Tempo, a deleted Jira worklog
is listed by `worklog/deleted`, and no id is ever handed out twice. Jira and Tempo worklogs
are otherwise independent here: a test that wants both creates both. Every change is also
sent to the webhooks registered for it (sandbox/webhooks/events.py), once committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sandbox.control import ControlError, NotFound
from sandbox.jira import statuses
from sandbox.jira.models import (
    Issue,
    JiraUser,
    JiraWorklog,
    Organization,
    Project,
    as_id,
    next_issue_number,
)
from sandbox.models import IdSequence
from sandbox.tempo import papertrail
from sandbox.tempo.models import Worklog
from sandbox.webhooks import events

DEFAULT_START_TIME = time(9, 0)


@dataclass
class Removed:
    """What a deletion took with it, for the test to assert on."""

    issue_ids: list[int] = field(default_factory=list)
    jira_worklog_ids: list[int] = field(default_factory=list)
    tempo_worklog_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "issue_ids": [str(i) for i in self.issue_ids],
            "jira_worklog_ids": [str(i) for i in self.jira_worklog_ids],
            "tempo_worklog_ids": self.tempo_worklog_ids,
        }


# -- requests ---------------------------------------------------------------------------


@transaction.atomic
def create_request(project_ref: str, summary: str, reporter_ref: str, **changes: Any) -> Issue:
    """A new issue in `project_ref` (id or key), created now; `changes` as `update_request`."""
    project = Project.objects.by_ref(project_ref)
    if project is None:
        raise ControlError(f"No project with id or key '{project_ref}'.")
    now = timezone.now()
    number = next_issue_number(project)
    issue = Issue.objects.create(
        id=IdSequence.next_pk(Issue),
        project=project,
        number=number,
        key=f"{project.key}-{number}",
        summary=summary,
        status_id=(statuses.WAITING_FOR_SUPPORT if project.is_service_desk else statuses.TO_DO).id,
        reporter=user(reporter_ref),
        created=now,
        updated=now,
    )
    _apply(issue, **changes)
    events.jira_issue(events.ISSUE_CREATED, issue)
    return issue


@transaction.atomic
def update_request(ref: str, **changes: Any) -> Issue:
    """Change a request (see `_apply`); its `updated` becomes now."""
    issue = issue_by_ref(ref)
    before = events.issue_snapshot_if_watched(issue)
    _apply(issue, **changes)
    issue.touch()
    events.jira_issue(events.ISSUE_UPDATED, issue, before=before)
    return issue


@transaction.atomic
def move_request(ref: str, project_ref: str) -> Issue:
    """Move a request to another project, as Jira's Move does: the issue keeps its id, gets
    the next key of the new project, and its worklogs follow it (in Tempo too, whose
    worklogs belong to the issue); `updated` becomes now (docs/outside-apis.md §6)."""
    issue = issue_by_ref(ref)
    project = Project.objects.by_ref(project_ref)
    if project is None:
        raise ControlError(f"No project with id or key '{project_ref}'.")
    if project.pk == issue.project_id:
        raise ControlError(f"{issue.key} is already in {project.key}.")
    before = events.issue_snapshot_if_watched(issue)
    number = next_issue_number(project)
    issue.project, issue.number, issue.key = project, number, f"{project.key}-{number}"
    issue.save(update_fields=["project", "number", "key"])
    Worklog.objects.filter(issue_id=issue.pk).update(project_id=project.pk)
    issue.touch()
    # Tempo worklogs keep their issue id, so Tempo sends nothing for a move (assumed).
    events.jira_issue(events.ISSUE_UPDATED, issue, before=before, moved=True)
    return issue


@transaction.atomic
def delete_request(ref: str) -> Removed:
    return _delete_issues(Issue.objects.filter(pk=issue_by_ref(ref).pk))


def _apply(
    issue: Issue,
    *,
    summary: str | None = None,
    status: str | None = None,
    reporter: str | None = None,
    participants: list[str] | None = None,
    organizations: list[str] | None = None,
) -> None:
    """Set what is given: `status` by id or name, users by accountId or e-mail,
    organizations by id; the two lists replace the whole field (`[]` empties it)."""
    if summary is not None:
        issue.summary = summary
    if status is not None:
        found = statuses.find(status)
        if found is None:
            raise ControlError(f"No status '{status}'.")
        issue.status_id = found.id
    if reporter is not None:
        issue.reporter = user(reporter)
    issue.save()
    if participants is not None:
        issue.participants.set([user(ref) for ref in participants])
    if organizations is not None:
        issue.organizations.set([_organization(ref, ControlError) for ref in organizations])


def _delete_issues(issues: QuerySet[Issue]) -> Removed:
    issue_ids = list(issues.values_list("pk", flat=True))
    removed = Removed(issue_ids=issue_ids)
    # Sent before the rows go, so the payloads can still be read (events.py).
    events.jira_issues_deleted(issue_ids)
    events.tempo_worklogs(
        events.WORKLOG_DELETED,
        Worklog.objects.filter(issue_id__in=issue_ids).values_list("pk", flat=True),
    )
    removed.jira_worklog_ids = JiraWorklog.objects.filter(issue__in=issue_ids).delete_recording()
    tempo = Worklog.objects.filter(issue_id__in=issue_ids)
    removed.tempo_worklog_ids = list(tempo.values_list("pk", flat=True))
    papertrail.record_deleted(tempo)
    tempo.delete()
    Issue.objects.filter(pk__in=issue_ids).delete()
    return removed


# -- organizations and projects ---------------------------------------------------------


@transaction.atomic
def add_member(organization_id: str, user_ref: str) -> JiraUser:
    """Add a customer to an organization; like JSM, that makes them a customer of its desks."""
    organization = _organization(organization_id, NotFound)
    member = user(user_ref)
    organization.members.add(member)
    for desk in organization.service_desks.all():
        desk.customers.add(member)
    return member


@transaction.atomic
def remove_member(organization_id: str, user_ref: str) -> JiraUser:
    organization = _organization(organization_id, NotFound)
    member = user(user_ref, NotFound)
    if not organization.members.filter(pk=member.pk).exists():
        raise NotFound(f"{member.display_name} is not a member of {organization.name}.")
    organization.members.remove(member)
    return member


@transaction.atomic
def delete_project(ref: str) -> tuple[Project, Removed]:
    """Delete a project with its issues and their worklogs (Jira's and Tempo's)."""
    project = Project.objects.by_ref(ref)
    if project is None:
        raise NotFound(f"No project with id or key '{ref}'.")
    removed = _delete_issues(project.issues.all())
    project.delete()
    return project, removed


# -- worklogs ---------------------------------------------------------------------------


@transaction.atomic
def create_tempo_worklog(
    issue_ref: str,
    time_spent_seconds: int,
    *,
    billable_seconds: int | None = None,
    start_date: date | None = None,
    start_time: time | None = None,
    description: str = "",
    author: str | None = None,
    updated: datetime | None = None,
) -> Worklog:
    """A Tempo worklog logged now (or at `updated`, for one last edited long ago); billable
    defaults to the time spent, the date to today."""
    issue = issue_by_ref(issue_ref, ControlError)
    now = updated or timezone.now()
    worklog = Worklog.objects.create(
        id=IdSequence.next_pk(Worklog),
        issue_id=issue.pk,
        project_id=issue.project_id,
        author_account_id=_author(author).account_id,
        time_spent_seconds=time_spent_seconds,
        billable_seconds=time_spent_seconds if billable_seconds is None else billable_seconds,
        start_date=start_date or now.date(),
        start_time=start_time or DEFAULT_START_TIME,
        description=description,
        created_at=now,
        updated_at=now,
    )
    events.tempo_worklog(events.WORKLOG_CREATED, worklog)
    return worklog


@transaction.atomic
def update_tempo_worklog(
    worklog_id: int,
    *,
    issue: str | None = None,
    author: str | None = None,
    **values: Any,
) -> Worklog:
    """Edit a Tempo worklog; `issue` moves it (its project follows); `updatedAt` is now.

    `values` are model fields: `time_spent_seconds`, `billable_seconds`, `start_date`,
    `start_time`, `description`.
    """
    worklog = Worklog.objects.filter(pk=worklog_id).first()
    if worklog is None:
        raise NotFound(f"No Tempo worklog {worklog_id}.")
    for name, value in values.items():
        setattr(worklog, name, value)
    if issue is not None:
        target = issue_by_ref(issue, ControlError)
        worklog.issue_id, worklog.project_id = target.pk, target.project_id
    if author is not None:
        worklog.author_account_id = _author(author).account_id
    # Strictly later than before, so an incremental sync by `updatedFrom` always sees it.
    worklog.updated_at = max(timezone.now(), worklog.updated_at + timedelta(milliseconds=1))
    worklog.save()
    events.tempo_worklog(events.WORKLOG_UPDATED, worklog)
    return worklog


@transaction.atomic
def delete_tempo_worklog(worklog_id: int) -> None:
    worklog = Worklog.objects.filter(pk=worklog_id).first()
    if worklog is None:
        raise NotFound(f"No Tempo worklog {worklog_id}.")
    events.tempo_worklog(events.WORKLOG_DELETED, worklog)
    papertrail.record_deleted(Worklog.objects.filter(pk=worklog.pk))
    worklog.delete()


@transaction.atomic
def create_jira_worklog(
    issue_ref: str,
    time_spent_seconds: int,
    *,
    started: datetime | None = None,
    comment: str | dict[str, Any] = "",
    author: str | None = None,
    updated: datetime | None = None,
    visibility: dict[str, Any] | None = None,
) -> JiraWorklog:
    """A Jira worklog; `started` defaults to just before now.

    `comment` is plain text (one paragraph per line) or a whole Atlassian Document Format
    document (`{"type": "doc", "version": 1, "content": [...]}`), returned as it is.
    `visibility` restricts it to a group or role, as Jira's `{"type": "group" | "role",
    "value", "identifier"}` (docs/outside-apis.md §6). `updated` back-dates the change:
    `worklog/updated` hides the last minute, so a test that wants to see the worklog there
    at once passes a moment more than a minute ago.
    """
    issue = issue_by_ref(issue_ref, ControlError)
    when = updated or timezone.now()
    person = _author(author)
    rich = comment if isinstance(comment, dict) else None
    if rich is not None and (
        rich.get("type") != "doc" or not isinstance(rich.get("content"), list)
    ):
        raise ControlError("'comment' must be text or an ADF doc with a 'content' list.")
    worklog = JiraWorklog.objects.create(
        id=IdSequence.next_pk(JiraWorklog),
        issue=issue,
        author=person,
        update_author=person,
        comment="" if rich is not None else comment,
        comment_adf=rich,
        visibility=_visibility(visibility),
        started=started or when - timedelta(seconds=time_spent_seconds),
        time_spent_seconds=time_spent_seconds,
        created=when,
        updated=when,
    )
    issue.touch(when)
    events.jira_worklog(events.JIRA_WORKLOG_CREATED, worklog)
    return worklog


@transaction.atomic
def update_jira_worklog(
    worklog_id: int,
    *,
    time_spent_seconds: int | None = None,
    started: datetime | None = None,
    comment: str | dict[str, Any] | None = None,
    author: str | None = None,
    updated: datetime | None = None,
) -> JiraWorklog:
    """Edit a Jira worklog as someone does in Jira: `author` is who edits it (its
    `updateAuthor`, by default the sandbox's account); `updated` (default now, and always
    later than before) also bumps the issue's `updated`, as Jira does; the worklog then shows
    in `worklog/updated` again."""
    worklog = JiraWorklog.objects.select_related("issue").filter(pk=worklog_id).first()
    if worklog is None:
        raise NotFound(f"No Jira worklog {worklog_id}.")
    if time_spent_seconds is not None:
        worklog.time_spent_seconds = time_spent_seconds
    if started is not None:
        worklog.started = started
    if comment is not None:
        rich = comment if isinstance(comment, dict) else None
        if rich is not None and (
            rich.get("type") != "doc" or not isinstance(rich.get("content"), list)
        ):
            raise ControlError("'comment' must be text or an ADF doc with a 'content' list.")
        worklog.comment, worklog.comment_adf = ("" if rich else comment), rich
    worklog.update_author = _author(author)
    when = updated or timezone.now()
    worklog.updated = max(when, worklog.updated + timedelta(milliseconds=1))
    worklog.save()
    worklog.issue.touch(worklog.updated)
    events.jira_worklog(events.JIRA_WORKLOG_UPDATED, worklog)
    return worklog


@transaction.atomic
def delete_jira_worklog(worklog_id: int) -> None:
    worklogs = JiraWorklog.objects.filter(pk=worklog_id)
    issue = Issue.objects.filter(worklogs__in=worklogs).first()
    if issue is None:
        raise NotFound(f"No Jira worklog {worklog_id}.")
    worklog = worklogs.first()
    if worklog is not None:
        events.jira_worklog(events.JIRA_WORKLOG_DELETED, worklog)
    worklogs.delete_recording()
    issue.touch()


def _visibility(visibility: dict[str, Any] | None) -> dict[str, str] | None:
    """Jira's `visibility`, checked: a group (by name and id) or a project role (by name)."""
    if visibility is None:
        return None
    kind, value = visibility.get("type"), visibility.get("value")
    if kind not in ("group", "role") or not isinstance(value, str) or not value.strip():
        raise ControlError("'visibility' must have a type (group or role) and a value.")
    answer = {"type": kind, "value": value.strip()}
    if visibility.get("identifier") is not None:
        answer["identifier"] = str(visibility["identifier"])
    return answer


# -- users ------------------------------------------------------------------------------


@transaction.atomic
def set_time_zone(user_ref: str, time_zone: str | None) -> JiraUser:
    """Set a user's profile time zone (an IANA name); None hides it, as privacy settings do.

    The zone shows as `timeZone` on the user's objects; the API account's zone is the one
    the worklogs' times are written in.
    """
    person = user(user_ref, NotFound)
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ControlError(f"No time zone '{time_zone}'.") from None
    person.time_zone = time_zone
    person.save(update_fields=["time_zone"])
    return person


@transaction.atomic
def set_portal_access(user_ref: str, active: bool) -> JiraUser:
    """Revoke (False) or restore (True) a customer's portal access, as JSM's customer
    management does: the account stays, and every object of it (the service desk's
    customer list, organization members, reporter, participants, worklog authors) says
    `active` false or true from now on (docs/outside-apis.md §6).
    """
    person = user(user_ref, NotFound)
    person.active = active
    person.save(update_fields=["active"])
    return person


@transaction.atomic
def change_email(user_ref: str, email: str | None) -> JiraUser:
    """Give a user a new e-mail address, or hide it (None), as the user's privacy settings
    can: every object of the user then answers `emailAddress` null. The accountId stays.

    Atlassian gives an address to one account at a time, so one another user has is refused.
    """
    person = user(user_ref, NotFound)
    if email is not None:
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise ControlError(f"'{email}' is not an e-mail address.") from None
        taken = JiraUser.objects.filter(email__iexact=email).exclude(pk=person.pk)
        if taken.exists():
            raise ControlError(f"Another Jira user already has the address '{email}'.")
    person.email = email
    person.save(update_fields=["email"])
    return person


# -- look-ups ---------------------------------------------------------------------------


def issue_by_ref(ref: str, missing: type[ControlError] = NotFound) -> Issue:
    issue = Issue.objects.by_ref(str(ref))
    if issue is None:
        raise missing(f"No issue with id or key '{ref}'.")
    return issue


def user(ref: str, missing: type[ControlError] = ControlError) -> JiraUser:
    """A Jira user by accountId or e-mail address."""
    found = JiraUser.objects.by_ref(str(ref))
    if found is None:
        raise missing(f"No Jira user with accountId or e-mail '{ref}'.")
    return found


def _author(ref: str | None) -> JiraUser:
    """The given author, by default the sandbox's own Jira account (an agent)."""
    return user(ref or settings.SANDBOX_JIRA_EMAIL)


def _organization(ref: Any, missing: type[ControlError]) -> Organization:
    number = as_id(str(ref))
    found = None if number is None else Organization.objects.filter(pk=number).first()
    if found is None:
        raise missing(f"No organization with id '{ref}'.")
    return found
