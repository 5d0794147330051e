"""Jira and JSM objects in their JSON shapes (API-CONTRACTS.md §3).

Every id leaves as a digit string, every timestamp as `2021-01-17T12:34:00.000+0000` (UTC;
a worklog's in the API account's time zone, as Jira writes them), and every `self` link is
an absolute URL on this server, so a client may follow it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest

from sandbox.jira import statuses
from sandbox.jira.fields import ORGANIZATIONS_FIELD, PARTICIPANTS_FIELD
from sandbox.jira.models import Issue, JiraUser, JiraWorklog, Organization, Project

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
SECONDS_PER_DAY = 8 * 3600  # Jira's default time tracking: 8-hour days, 5-day weeks.
SECONDS_PER_WEEK = 5 * SECONDS_PER_DAY
# The issue fields search can return; any other requested name is left out, as Jira does.
ISSUE_FIELDS = (
    "summary",
    "status",
    "reporter",
    "created",
    "updated",
    "project",
    PARTICIPANTS_FIELD,
    ORGANIZATIONS_FIELD,
)


def jira_time(moment: datetime, zone: tzinfo = UTC) -> str:
    """`2021-01-17T12:34:00.000+0000`, Jira's timestamp format, in UTC or in `zone`
    (`2021-01-17T07:34:00.000-0500`)."""
    moment = moment.astimezone(zone)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}{moment:%z}"


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch, as `worklog/updated` writes `updatedTime`.

    Integer arithmetic: `timestamp() * 1000` would round some moments down a millisecond.
    """
    return (moment - EPOCH) // MILLISECOND


def from_epoch_ms(milliseconds: int) -> datetime:
    return EPOCH + milliseconds * MILLISECOND


def duration(seconds: int) -> str:
    """`3h 20m`, `1d 2h`: Jira's `timeSpent`, with its 8-hour days and 5-day weeks."""
    parts = []
    for unit, size in (("w", SECONDS_PER_WEEK), ("d", SECONDS_PER_DAY), ("h", 3600), ("m", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0m"


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format doc, one paragraph per line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.splitlines()
        if line.strip()
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


class Serializer:
    """Builds objects whose links point at the Jira root (`.../jira`) of this request."""

    def __init__(self, request: HttpRequest) -> None:
        self.base = f"{request.scheme}://{request.get_host()}/jira"

    @cached_property
    def zone(self) -> tzinfo:
        """The API account's profile time zone: Jira writes a worklog's `started` (and its
        `created`, `updated`) in the zone of whoever asks, UTC when it is hidden or unset."""
        name = (
            JiraUser.objects.filter(email__iexact=settings.SANDBOX_JIRA_EMAIL)
            .values_list("time_zone", flat=True)
            .first()
        )
        try:
            return ZoneInfo(name) if name else UTC
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    # -- platform API -------------------------------------------------------------------

    def user(self, user: JiraUser | None) -> dict[str, Any] | None:
        if user is None:
            return None
        return {
            "self": f"{self.base}/rest/api/3/user?accountId={user.account_id}",
            "accountId": user.account_id,
            "accountType": user.account_type,
            "emailAddress": user.email,
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": user.time_zone,
        }

    def project(self, project: Project) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/project/{project.pk}",
            "id": str(project.pk),
            "key": project.key,
            "name": project.name,
            "projectTypeKey": project.project_type_key,
            "simplified": False,
            "style": "classic",
            "isPrivate": False,
            "properties": {},
        }

    def status(self, status: statuses.Status) -> dict[str, Any]:
        category_id, category_name, colour = statuses.CATEGORIES[status.category]
        return {
            "self": f"{self.base}/rest/api/3/status/{status.id}",
            "id": status.id,
            "name": status.name,
            "description": "",
            "statusCategory": {
                "self": f"{self.base}/rest/api/3/statuscategory/{category_id}",
                "id": category_id,
                "key": status.category,
                "colorName": colour,
                "name": category_name,
            },
        }

    def organization(self, organization: Organization) -> dict[str, Any]:
        return {
            "id": str(organization.pk),
            "name": organization.name,
            "_links": {"self": f"{self.base}/rest/servicedeskapi/organization/{organization.pk}"},
        }

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
            return jira_time(issue.created)
        if name == "updated":
            return jira_time(issue.updated)
        if name == "project":
            return self.project(issue.project)
        if name == PARTICIPANTS_FIELD:
            return [self.user(user) for user in issue.participants.all()] or None
        if name == ORGANIZATIONS_FIELD:
            return [self.organization(org) for org in issue.organizations.all()] or None
        raise KeyError(name)

    def issue(self, issue: Issue, fields: list[str] | None) -> dict[str, Any]:
        """A search result: only the id without `fields`, else id, key, self, fields."""
        if fields is None:
            return {"id": str(issue.pk)}
        return {
            "id": str(issue.pk),
            "key": issue.key,
            "self": f"{self.base}/rest/api/3/issue/{issue.pk}",
            "fields": {name: self.issue_field(issue, name) for name in fields},
        }

    def worklog(self, worklog: JiraWorklog) -> dict[str, Any]:
        """A worklog as REST API v3 writes it: the comment as ADF, the times in the API
        account's zone, `visibility` only on a restricted worklog (API-CONTRACTS.md §3, §6)."""
        answer = {
            "self": f"{self.base}/rest/api/3/issue/{worklog.issue_id}/worklog/{worklog.pk}",
            "id": str(worklog.pk),
            "issueId": str(worklog.issue_id),
            "author": self.user(worklog.author),
            "updateAuthor": self.user(worklog.update_author),
            "comment": worklog.comment_adf or adf(worklog.comment),
            "started": jira_time(worklog.started, self.zone),
            "created": jira_time(worklog.created, self.zone),
            "updated": jira_time(worklog.updated, self.zone),
            "timeSpent": duration(worklog.time_spent_seconds),
            "timeSpentSeconds": worklog.time_spent_seconds,
        }
        if worklog.visibility:
            answer["visibility"] = worklog.visibility
        return answer

    # -- JSM API ------------------------------------------------------------------------

    def service_desk(self, project: Project) -> dict[str, Any]:
        return {
            "id": str(project.service_desk_id),
            "projectId": str(project.pk),
            "projectName": project.name,
            "projectKey": project.key,
            "_links": {
                "self": f"{self.base}/rest/servicedeskapi/servicedesk/{project.service_desk_id}"
            },
        }

    def jsm_organization(self, organization: Organization) -> dict[str, Any]:
        return {**self.organization(organization), "created": jsm_date(organization.created)}

    def jsm_user(self, user: JiraUser) -> dict[str, Any]:
        return {
            "accountId": user.account_id,
            "emailAddress": user.email,
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": user.time_zone,
            "_links": {
                "jiraRest": f"{self.base}/rest/api/2/user?accountId={user.account_id}",
                "self": f"{self.base}/rest/api/2/user?accountId={user.account_id}",
            },
        }


def jsm_date(moment: datetime) -> dict[str, Any]:
    """JSM's date object: the same moment as ISO 8601, in Jira's format, and epoch ms."""
    moment = moment.astimezone(UTC)
    return {
        "iso8601": f"{moment:%Y-%m-%dT%H:%M:%S}+0000",
        "jira": jira_time(moment),
        "friendly": f"{moment:%d/%b/%y %I:%M %p}",
        "epochMillis": epoch_ms(moment),
    }
