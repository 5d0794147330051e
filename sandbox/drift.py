"""Data drift: the changes people make in Jira and Tempo while the app is not looking.

The app's sync tests make these through the control endpoint (`drift_views.py`, and
`SandboxClient` in client.py) and then check that a sync notices. Each change does what
the real services do around it: Jira bumps an issue's `updated` when it or its worklogs
change, deleting an issue deletes its worklogs in Jira and in Tempo, a deleted Jira worklog
is listed by `worklog/deleted`, and no id is ever handed out twice. Jira and Tempo worklogs
are otherwise independent here: a test that wants both creates both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
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
from sandbox.tempo.models import Worklog

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
    return issue


@transaction.atomic
def update_request(ref: str, **changes: Any) -> Issue:
    """Change a request (see `_apply`); its `updated` becomes now."""
    issue = issue_by_ref(ref)
    _apply(issue, **changes)
    issue.touch()
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
    removed.jira_worklog_ids = JiraWorklog.objects.filter(issue__in=issue_ids).delete_recording()
    tempo = Worklog.objects.filter(issue_id__in=issue_ids)
    removed.tempo_worklog_ids = list(tempo.values_list("pk", flat=True))
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
) -> Worklog:
    """A Tempo worklog logged now; billable defaults to the time spent, the date to today."""
    issue = issue_by_ref(issue_ref, ControlError)
    now = timezone.now()
    return Worklog.objects.create(
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
    return worklog


def delete_tempo_worklog(worklog_id: int) -> None:
    if not Worklog.objects.filter(pk=worklog_id).delete()[0]:
        raise NotFound(f"No Tempo worklog {worklog_id}.")


@transaction.atomic
def create_jira_worklog(
    issue_ref: str,
    time_spent_seconds: int,
    *,
    started: datetime | None = None,
    comment: str = "",
    author: str | None = None,
    updated: datetime | None = None,
) -> JiraWorklog:
    """A Jira worklog; `started` defaults to just before now.

    `updated` back-dates the change: `worklog/updated` hides the last minute, so a test
    that wants to see the worklog there at once passes a moment more than a minute ago.
    """
    issue = issue_by_ref(issue_ref, ControlError)
    when = updated or timezone.now()
    person = _author(author)
    worklog = JiraWorklog.objects.create(
        id=IdSequence.next_pk(JiraWorklog),
        issue=issue,
        author=person,
        update_author=person,
        comment=comment,
        started=started or when - timedelta(seconds=time_spent_seconds),
        time_spent_seconds=time_spent_seconds,
        created=when,
        updated=when,
    )
    issue.touch(when)
    return worklog


@transaction.atomic
def delete_jira_worklog(worklog_id: int) -> None:
    worklogs = JiraWorklog.objects.filter(pk=worklog_id)
    issue = Issue.objects.filter(worklogs__in=worklogs).first()
    if issue is None:
        raise NotFound(f"No Jira worklog {worklog_id}.")
    worklogs.delete_recording()
    issue.touch()


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
