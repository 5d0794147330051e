"""What ``JiraClient`` hands the syncs: Jira's and JSM's objects as typed records.

Parsing lives here, once per object (``from_api``); the syncs map records to rows by name.
Every id is a string, as Jira writes it (docs/outside-apis.md §1, *Id mapping*). Sources:
Atlassian's JSM REST API (docs/outside-apis.md §3, *Projects*, *Customers and
organizations*) and Jira's platform REST API v3 (§3, *Fields read*, *Jira worklogs*).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime


class MalformedRecord(ValueError):
    """An object Jira sent that cannot be read: not an object, or a required field missing
    or of the wrong type. ``JiraClient`` skips such users and worklogs and refuses pages
    with such service desks, organizations or issues (``JiraUnavailable``)."""


@dataclass(frozen=True, slots=True)
class ServiceDesk:
    """A JSM project, from ``GET /rest/servicedeskapi/servicedesk`` (§3, *Projects*)."""

    id: str
    """``id``: the service desk's id (JSM routes take it)."""
    project_id: str
    """``projectId``: the Jira project's id."""
    project_key: str
    """``projectKey``: the project's key, e.g. ``ITSD``."""
    project_name: str
    """``projectName``; the key when it is absent or empty."""

    @classmethod
    def from_api(cls, item: Any) -> ServiceDesk:
        """Raises MalformedRecord without ``id``, ``projectId`` or ``projectKey``."""
        try:
            return cls(
                id=str(item["id"]),
                project_id=str(item["projectId"]),
                project_key=str(item["projectKey"]),
                project_name=str(item.get("projectName") or item["projectKey"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedRecord("Jira sent a service desk that cannot be read.") from exc


@dataclass(frozen=True, slots=True)
class JsmOrganization:
    """A JSM customer organization, from ``GET …/servicedesk/{id}/organization`` (§3,
    *Customers and organizations*)."""

    id: str
    """``id``: the organization's id (JSM writes a digit string)."""
    name: str
    """``name``; "" when absent."""

    @classmethod
    def from_api(cls, item: Any) -> JsmOrganization:
        """Raises MalformedRecord without ``id``."""
        try:
            return cls(id=str(item["id"]), name=str(item.get("name", "")))
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedRecord("Jira sent an organization that cannot be read.") from exc


@dataclass(frozen=True, slots=True)
class JiraUser:
    """An Atlassian account as Jira and JSM write it (``User`` / ``UserDetails``): a
    customer, an organization member, a reporter or a request participant (§3)."""

    account_id: str
    """``accountId``: the Atlassian account id."""
    email_address: str
    """``emailAddress`` as sent; "" when privacy settings hide it (null or absent)."""
    display_name: str
    """``displayName``; "" when absent."""
    active: bool
    """``active``; True when absent."""

    @classmethod
    def from_api(cls, item: Any) -> JiraUser:
        """Raises MalformedRecord for anything but an object with an ``accountId``."""
        if not isinstance(item, dict) or not item.get("accountId"):
            raise MalformedRecord("Jira sent a user without an account id.")
        return cls(
            account_id=str(item["accountId"]),
            email_address=str(item.get("emailAddress") or ""),
            display_name=str(item.get("displayName") or ""),
            active=bool(item.get("active", True)),
        )


def users(items: Any) -> list[JiraUser]:
    """The users of a list Jira sent (a user field's value, or null), skipping the ones that
    cannot be read."""
    found = []
    for item in items if isinstance(items, list) else ():
        try:
            found.append(JiraUser.from_api(item))
        except MalformedRecord:
            continue
    return found


@dataclass(frozen=True, slots=True)
class JiraIssue:
    """A request (a JSM issue) from the enhanced search or a direct read (§3, *Issue
    search*, *Fields read*)."""

    id: str
    """``id``: the issue's id, a digit string."""
    key: str
    """``key``, e.g. ``ITSD-12``."""
    summary: str
    """``fields.summary``; "" when absent."""
    status_name: str
    """``fields.status.name``; "" when absent."""
    status_category_key: str
    """``fields.status.statusCategory.key`` (``new``, ``indeterminate``, ``done``); ""."""
    reporter: JiraUser | None
    """``fields.reporter``; None when absent or unreadable."""
    created: dt.datetime | None
    """``fields.created``, aware (Jira writes an offset); None when absent or unreadable."""
    updated: dt.datetime | None
    """``fields.updated``, else ``fields.created``; None when neither can be read."""
    participants: list[JiraUser]
    """The Request participants custom field (its id is the site's: ``custom_field_ids``)."""
    organization_ids: list[str]
    """The ids in the Organizations custom field (likewise found at runtime)."""
    project_id: str | None
    """``fields.project.id``, when the read asked for ``project`` (a direct read)."""

    @classmethod
    def from_api(
        cls, item: Any, participants_field: str | None, organizations_field: str | None
    ) -> JiraIssue:
        """Read an issue; the custom fields' ids come from ``JiraClient.custom_field_ids``.

        Raises MalformedRecord without ``id`` or ``key``.
        """
        try:
            issue_id, key = str(item["id"]), str(item["key"])
            fields = item.get("fields") or {}
            status = fields.get("status") or {}
            category = status.get("statusCategory") or {}
            reporter = fields.get("reporter")
            created = fields.get("created")
            project = fields.get("project")
            organizations = (fields.get(organizations_field) if organizations_field else None) or []
            return cls(
                id=issue_id,
                key=key,
                summary=str(fields.get("summary") or ""),
                status_name=str(status.get("name") or ""),
                status_category_key=str(category.get("key") or ""),
                reporter=(users([reporter]) or [None])[0],
                created=_timestamp(created),
                updated=_timestamp(fields.get("updated") or created),
                participants=users(fields.get(participants_field) if participants_field else None),
                organization_ids=[
                    str(org["id"])
                    for org in organizations
                    if isinstance(org, dict) and org.get("id") is not None
                ],
                project_id=(
                    str(project["id"]) if isinstance(project, dict) and project.get("id") else None
                ),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MalformedRecord("Jira sent an issue that cannot be read.") from exc


@dataclass(frozen=True, slots=True)
class JiraWorklog:
    """A worklog of Jira's own (§3, *Jira worklogs*; quirks in §6)."""

    id: str
    """``id``: the worklog's id, a digit string."""
    issue_id: str
    """``issueId``: its issue's id, a digit string ("" when absent)."""
    author_account_id: str
    """``author.accountId``; "" when absent."""
    author_display_name: str
    """``author.displayName``; "" when absent."""
    author_time_zone: str | None
    """``author.timeZone``: an IANA zone name; None when privacy settings hide it."""
    started: dt.datetime
    """``started``: when the work started, an instant written in the *API account's* zone
    (aware; the worker's day is taken in ``author_time_zone``: ``jsm.worklogs.worker_day``)."""
    time_spent_seconds: int
    """``timeSpentSeconds``: time logged, in seconds; 0 when absent, never negative."""
    internal: bool
    """``visibility`` (``{"type": "group" | "role", "value", "identifier"}``) is set: an
    agent's API account receives the worklog, but a customer must never read its comment
    (§6). Any visibility counts, even of a shape we do not know: hiding a comment too many
    costs less than showing one."""
    comment: Any
    """``comment`` as sent: an ADF document (or a string, or None); None when ``internal``:
    a restricted comment is not even kept."""
    updated: dt.datetime
    """``updated``, else ``started``: when the worklog last changed (aware)."""

    @classmethod
    def from_api(cls, item: Any) -> JiraWorklog:
        """Raises MalformedRecord without ``id``, or when ``started`` (or ``updated``) is not
        a timestamp, or ``timeSpentSeconds`` not a number."""
        try:
            author = item.get("author") or {}
            started = parse_datetime(str(item.get("started") or ""))
            updated = parse_datetime(str(item.get("updated") or item.get("started") or ""))
            internal = bool(item.get("visibility"))
            zone = author.get("timeZone")
            worklog = cls(
                id=str(item["id"]),
                issue_id=str(item.get("issueId", "")),
                author_account_id=str(author.get("accountId") or ""),
                author_display_name=str(author.get("displayName") or ""),
                author_time_zone=zone if isinstance(zone, str) else None,
                started=started,  # type: ignore[arg-type]  # checked below
                time_spent_seconds=max(0, int(item.get("timeSpentSeconds") or 0)),
                internal=internal,
                comment=None if internal else item.get("comment"),
                updated=updated,  # type: ignore[arg-type]
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MalformedRecord("Jira sent a worklog that cannot be read.") from exc
        if started is None or updated is None:
            raise MalformedRecord("Jira sent a worklog without a readable start or update time.")
        return worklog


@dataclass(frozen=True, slots=True)
class WorklogChanges:
    """A page of ``/rest/api/3/worklog/updated`` or ``/worklog/deleted`` (§3, *Jira
    worklogs*)."""

    worklog_ids: list[int]
    """``values[].worklogId``: the worklogs changed (or deleted), oldest first."""
    until: int | None
    """``until``: epoch milliseconds the page reaches; None when absent."""

    @classmethod
    def from_api(cls, page: dict) -> WorklogChanges:
        """A value without a readable ``worklogId`` is skipped; a bad ``until`` raises
        MalformedRecord."""
        ids = []
        for value in page["values"]:
            try:
                ids.append(int(value["worklogId"]))
            except (KeyError, TypeError, ValueError):
                continue
        try:
            until = int(page["until"]) if page.get("until") else None
        except (TypeError, ValueError) as exc:
            raise MalformedRecord(
                "Jira sent a worklog change page with an unreadable until."
            ) from exc
        return cls(ids, until)


def _timestamp(value: Any) -> dt.datetime | None:
    return parse_datetime(str(value)) if value else None
