"""Jira and JSM objects of the sandbox's models in their JSON shapes (docs/outside-apis.md §3).

The shapes themselves are `sandbox/shapes/jira.py`'s, shared with the tests' fake Jira;
this module only reads the models. Every `self` link is an absolute URL on this server, so
a client may follow it; a worklog's times are in the API account's time zone, as Jira
writes them.
"""

from __future__ import annotations

from datetime import tzinfo
from functools import cached_property
from typing import Any

from django.http import HttpRequest

from sandbox.jira import statuses
from sandbox.jira.fields import ORGANIZATIONS_FIELD, PARTICIPANTS_FIELD
from sandbox.jira.models import (
    Issue,
    JiraUser,
    JiraWorklog,
    Organization,
    Project,
    api_account_zone,
)
from sandbox.shapes import jira as shapes

# The issue fields search can return; any other requested name is left out, as Jira does.
ISSUE_FIELDS = (
    "summary",
    "status",
    "reporter",
    "created",
    "updated",
    "project",
    "issuetype",
    PARTICIPANTS_FIELD,
    ORGANIZATIONS_FIELD,
)


class Serializer:
    """Builds objects whose links point at the Jira root (`.../jira`) of this request."""

    def __init__(self, request: HttpRequest) -> None:
        self.base = f"{request.scheme}://{request.get_host()}/jira"

    @classmethod
    def at(cls, base: str) -> Serializer:
        """One whose links point at `base` (a Jira root), for objects built outside a
        request (webhook deliveries)."""
        serializer = cls.__new__(cls)
        serializer.base = base.rstrip("/")
        return serializer

    @cached_property
    def zone(self) -> tzinfo:
        """The API account's profile time zone: Jira writes a worklog's `started` (and its
        `created`, `updated`) in the zone of whoever asks, UTC when it is hidden or unset."""
        return api_account_zone()

    # -- platform API -------------------------------------------------------------------

    def user(self, user: JiraUser | None) -> dict[str, Any] | None:
        if user is None:
            return None
        return shapes.jira_user(
            self.base,
            user.account_id,
            email=user.email,
            display_name=user.display_name,
            active=user.active,
            time_zone=user.time_zone,
            account_type=user.account_type,
        )

    def project(self, project: Project) -> dict[str, Any]:
        return shapes.jira_project(
            self.base, project.pk, project.key, project.name, project.project_type_key
        )

    def status(self, status: statuses.Status) -> dict[str, Any]:
        return shapes.jira_status(self.base, status.id, status.name, status.category)

    def organization(self, organization: Organization) -> dict[str, Any]:
        return shapes.organization(self.base, organization.pk, organization.name)

    def issue_field(self, issue: Issue, name: str) -> Any:
        """The value of field `name` of `issue` (see `ISSUE_FIELDS`).

        The two JSM fields are null when empty, and on issues outside service desks.
        """
        if name == "summary":
            return issue.summary
        if name == "status":
            return self.status(issue.status)
        if name == "reporter":
            return self.user(issue.reporter)
        if name == "created":
            return shapes.jira_time(issue.created)
        if name == "updated":
            return shapes.jira_time(issue.updated)
        if name == "project":
            return self.project(issue.project)
        if name == "issuetype":
            kind = issue.type
            return shapes.issue_type(
                self.base, kind.id, kind.name, kind.description, kind.avatar_id
            )
        if name == PARTICIPANTS_FIELD:
            return [self.user(user) for user in issue.participants.all()] or None
        if name == ORGANIZATIONS_FIELD:
            return [self.organization(org) for org in issue.organizations.all()] or None
        raise KeyError(name)

    def issue(self, issue: Issue, fields: list[str] | None) -> dict[str, Any]:
        """A search result: only the id without `fields`, else id, key, self, fields."""
        if fields is None:
            return shapes.jira_issue(self.base, issue.pk)
        return shapes.jira_issue(
            self.base,
            issue.pk,
            issue.key,
            {name: self.issue_field(issue, name) for name in fields},
        )

    def worklog(self, worklog: JiraWorklog) -> dict[str, Any]:
        """A worklog as REST API v3 writes it: the comment as ADF, the times in the API
        account's zone, `visibility` only on a restricted worklog (docs/outside-apis.md §3, §6)."""
        return shapes.jira_worklog(
            self.base,
            worklog.pk,
            worklog.issue_id,
            author=self.user(worklog.author),
            update_author=self.user(worklog.update_author),
            comment=worklog.comment_adf or shapes.adf(worklog.comment),
            started=worklog.started,
            created=worklog.created,
            updated=worklog.updated,
            time_spent_seconds=worklog.time_spent_seconds,
            zone=self.zone,
            visibility=worklog.visibility,
        )

    def status_category(self, key: str) -> dict[str, Any]:
        """A status category (`new`, `indeterminate`, `done`) as `GET /rest/api/3/
        statuscategory/{idOrKey}` answers it."""
        return shapes.status_category(self.base, key)

    # -- JSM API ------------------------------------------------------------------------

    def service_desk(self, project: Project) -> dict[str, Any]:
        return shapes.service_desk(
            self.base, project.service_desk_id, project.pk, project.key, project.name
        )

    def jsm_organization(self, organization: Organization) -> dict[str, Any]:
        return shapes.jsm_organization(
            self.base, organization.pk, organization.name, organization.created
        )

    def jsm_user(self, user: JiraUser) -> dict[str, Any]:
        return shapes.jsm_user(
            self.base,
            user.account_id,
            email=user.email,
            display_name=user.display_name,
            active=user.active,
            time_zone=user.time_zone,
        )

    def customer_request(self, issue: Issue) -> dict[str, Any]:
        """A JSM request as `GET /rest/servicedeskapi/request/{issueIdOrKey}` answers it
        without expansions (`CustomerRequestDTO`).

        The sandbox keeps no request types, descriptions or status history: `requestTypeId`
        is left out, `requestFieldValues` holds the summary, and `currentStatus.statusDate`
        is the issue's last update. `_links` carries only the REST links the sandbox serves
        (`self`, `jiraRest`); the portal and agent web pages (`web`, `agent`) do not exist
        here, so they are not handed out.
        """
        status = issue.status
        return shapes.customer_request(
            self.base,
            issue.pk,
            issue.key,
            desk_id=issue.project.service_desk_id,
            created=issue.created,
            reporter=None if issue.reporter is None else self.jsm_user(issue.reporter),
            summary=issue.summary,
            status=status.name,
            category=status.category,
            status_date=issue.updated,
        )
