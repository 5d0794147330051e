"""Jira Cloud platform REST API v3 and JSM REST API objects (docs/outside-apis.md §3).

Sources: Atlassian's platform v3 OpenAPI (https://developer.atlassian.com/cloud/jira/
platform/rest/v3/) and the JSM OpenAPI (https://developer.atlassian.com/cloud/jira/
service-desk/rest/). Every id leaves as a digit string, every timestamp as
`2021-01-17T12:34:00.000+0000`, and every link is absolute: `base` is the Jira root
(`https://{site}.atlassian.net`, or the sandbox's `.../jira`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
SECONDS_PER_DAY = 8 * 3600  # Jira's default time tracking: 8-hour days, 5-day weeks.
SECONDS_PER_WEEK = 5 * SECONDS_PER_DAY
PARTICIPANTS_TYPE = "com.atlassian.servicedesk:sd-request-participants"
ORGANIZATIONS_TYPE = "com.atlassian.servicedesk:sd-customer-organizations"
# Jira's fixed status categories, key: (id, display name, colour) as `StatusCategory` has them.
STATUS_CATEGORIES: dict[str, tuple[int, str, str]] = {
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}

# -- values -------------------------------------------------------------------------------


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
    """`3h 20m`, `1d 2h`: a worklog's `timeSpent`, with Jira's 8-hour days and 5-day weeks."""
    parts = []
    for unit, size in (("w", SECONDS_PER_WEEK), ("d", SECONDS_PER_DAY), ("h", 3600), ("m", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0m"


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format `doc`, one paragraph per non-blank line
    (the ADF JSON schema, http://go.atlassian.com/adf-json-schema)."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.splitlines()
        if line.strip()
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def jsm_date(moment: datetime) -> dict[str, Any]:
    """JSM's `DateDTO`: the same moment as ISO 8601, in Jira's format, and epoch ms."""
    moment = moment.astimezone(UTC)
    return {
        "iso8601": f"{moment:%Y-%m-%dT%H:%M:%S}+0000",
        "jira": jira_time(moment),
        "friendly": f"{moment:%d/%b/%y %I:%M %p}",
        "epochMillis": epoch_ms(moment),
    }


# -- platform API objects -----------------------------------------------------------------


def jira_user(
    base: str,
    account_id: str,
    *,
    email: str | None,
    display_name: str,
    active: bool = True,
    time_zone: str | None = None,
    account_type: str = "atlassian",
) -> dict[str, Any]:
    """A user (`User` in the platform v3 OpenAPI), as reporters, participants and worklog
    authors carry it. `emailAddress` and `timeZone` are null when privacy settings hide them."""
    return {
        "self": f"{base}/rest/api/3/user?accountId={account_id}",
        "accountId": account_id,
        "accountType": account_type,
        "emailAddress": email,
        "displayName": display_name,
        "active": active,
        "timeZone": time_zone,
    }


def jira_project(
    base: str, project_id: int | str, key: str, name: str, type_key: str
) -> dict[str, Any]:
    """A project (`Project` in the platform v3 OpenAPI), without expansions."""
    return {
        "self": f"{base}/rest/api/3/project/{project_id}",
        "id": str(project_id),
        "key": key,
        "name": name,
        "projectTypeKey": type_key,
        "simplified": False,
        "style": "classic",
        "isPrivate": False,
        "properties": {},
    }


def status_category(base: str, key: str) -> dict[str, Any]:
    """A status category, `new`, `indeterminate` or `done` (`StatusCategory` in the platform
    v3 OpenAPI)."""
    category_id, category_name, colour = STATUS_CATEGORIES[key]
    return {
        "self": f"{base}/rest/api/3/statuscategory/{category_id}",
        "id": category_id,
        "key": key,
        "colorName": colour,
        "name": category_name,
    }


def jira_status(base: str, status_id: str, name: str, category: str) -> dict[str, Any]:
    """An issue's `status` field (`StatusDetails` in the platform v3 OpenAPI)."""
    return {
        "self": f"{base}/rest/api/3/status/{status_id}",
        "id": status_id,
        "name": name,
        "description": "",
        "statusCategory": status_category(base, category),
    }


def issue_type(
    base: str, type_id: str, name: str, description: str, avatar_id: int
) -> dict[str, Any]:
    """An issue's `issuetype` field (`IssueTypeDetails` in the platform v3 OpenAPI)."""
    return {
        "self": f"{base}/rest/api/3/issuetype/{type_id}",
        "id": type_id,
        "description": description,
        "iconUrl": (
            f"{base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{avatar_id}?size=medium"
        ),
        "name": name,
        "subtask": False,
        "avatarId": avatar_id,
        "hierarchyLevel": 0,
    }


def jira_issue(
    base: str, issue_id: int | str, key: str | None = None, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An issue as search and `GET /rest/api/3/issue/{id}` answer it (`IssueBean` in the
    platform v3 OpenAPI): only the id when no fields were asked for (`fields` None)."""
    if fields is None:
        return {"id": str(issue_id)}
    return {
        "id": str(issue_id),
        "key": key,
        "self": f"{base}/rest/api/3/issue/{issue_id}",
        "fields": fields,
    }


def jira_worklog(
    base: str,
    worklog_id: int | str,
    issue_id: int | str,
    *,
    author: dict[str, Any] | None,
    update_author: dict[str, Any] | None,
    comment: dict[str, Any],
    started: datetime,
    created: datetime,
    updated: datetime,
    time_spent_seconds: int,
    zone: tzinfo = UTC,
    visibility: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A worklog (`Worklog` in the platform v3 OpenAPI): the comment as ADF, the times in
    `zone` (the asking account's), `visibility` only on a restricted worklog (§6)."""
    worklog = {
        "self": f"{base}/rest/api/3/issue/{issue_id}/worklog/{worklog_id}",
        "id": str(worklog_id),
        "issueId": str(issue_id),
        "author": author,
        "updateAuthor": update_author,
        "comment": comment,
        "started": jira_time(started, zone),
        "created": jira_time(created, zone),
        "updated": jira_time(updated, zone),
        "timeSpent": duration(time_spent_seconds),
        "timeSpentSeconds": time_spent_seconds,
    }
    if visibility:
        worklog["visibility"] = visibility
    return worklog


def organization(base: str, organization_id: int | str, name: str) -> dict[str, Any]:
    """An organization as the Organizations field lists it, and the start of JSM's
    `OrganizationDTO`."""
    return {
        "id": str(organization_id),
        "name": name,
        "_links": {"self": f"{base}/rest/servicedeskapi/organization/{organization_id}"},
    }


def jira_field(
    field_id: str, name: str, schema_type: str, clause_names: list[str], **schema: Any
) -> dict[str, Any]:
    """A system field as `GET /rest/api/3/field` lists it (`FieldDetails` in the platform
    v3 OpenAPI)."""
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": False,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": clause_names,
        "schema": {"type": schema_type, "system": field_id, **schema},
    }


def custom_field(number: int, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A custom field `customfield_{number}` as `GET /rest/api/3/field` lists it
    (`FieldDetails`); its id differs per site, its `schema.custom` names its type."""
    field_id = f"customfield_{number}"
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "untranslatedName": name,
        "custom": True,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [f"cf[{number}]", name],
        "schema": {**schema, "customId": number},
    }


def participants_field(number: int) -> dict[str, Any]:
    """JSM's Request participants field, found by its `schema.custom` (§3 "Fields read")."""
    schema = {"type": "array", "items": "user", "custom": PARTICIPANTS_TYPE}
    return custom_field(number, "Request participants", schema)


def organizations_field(number: int) -> dict[str, Any]:
    """JSM's Organizations field, found by its `schema.custom` (§3 "Fields read")."""
    schema = {"type": "array", "items": "sd-customerorganization", "custom": ORGANIZATIONS_TYPE}
    return custom_field(number, "Organizations", schema)


# -- JSM API objects ----------------------------------------------------------------------


def jsm_organization(
    base: str, organization_id: int | str, name: str, created: datetime | None = None
) -> dict[str, Any]:
    """An organization (`OrganizationDTO` in the JSM OpenAPI); `created` is optional."""
    answer = organization(base, organization_id, name)
    if created is not None:
        answer["created"] = jsm_date(created)
    return answer


def jsm_user(
    base: str,
    account_id: str,
    *,
    email: str | None,
    display_name: str,
    active: bool = True,
    time_zone: str | None = None,
) -> dict[str, Any]:
    """A customer or organization member (`UserDTO` in the JSM OpenAPI): no `self` of its
    own, links to the platform's v2 user instead."""
    return {
        "accountId": account_id,
        "emailAddress": email,
        "displayName": display_name,
        "active": active,
        "timeZone": time_zone,
        "_links": {
            "jiraRest": f"{base}/rest/api/2/user?accountId={account_id}",
            "self": f"{base}/rest/api/2/user?accountId={account_id}",
        },
    }


def service_desk(
    base: str, desk_id: int | str, project_id: int | str, project_key: str, project_name: str
) -> dict[str, Any]:
    """A service desk (`ServiceDeskDTO` in the JSM OpenAPI)."""
    return {
        "id": str(desk_id),
        "projectId": str(project_id),
        "projectName": project_name,
        "projectKey": project_key,
        "_links": {"self": f"{base}/rest/servicedeskapi/servicedesk/{desk_id}"},
    }


def customer_request(
    base: str,
    issue_id: int | str,
    key: str,
    *,
    desk_id: int | str,
    created: datetime,
    reporter: dict[str, Any] | None,
    summary: str,
    status: str,
    category: str,
    status_date: datetime,
) -> dict[str, Any]:
    """A request without expansions (`CustomerRequestDTO` in the JSM OpenAPI, operation
    `getCustomerRequestByIdOrKey`). `reporter` is a `jsm_user`, left out when None;
    `requestFieldValues` holds only the summary, and `_links` only the REST links."""
    answer: dict[str, Any] = {
        "issueId": str(issue_id),
        "issueKey": key,
        "serviceDeskId": str(desk_id),
        "createdDate": jsm_date(created),
    }
    if reporter is not None:
        answer["reporter"] = reporter
    answer["requestFieldValues"] = [{"fieldId": "summary", "label": "Summary", "value": summary}]
    answer["currentStatus"] = {
        "status": status,
        "statusCategory": category.upper(),
        "statusDate": jsm_date(status_date),
    }
    answer["_links"] = {
        "jiraRest": f"{base}/rest/api/2/issue/{issue_id}",
        "self": f"{base}/rest/servicedeskapi/request/{issue_id}",
    }
    return answer


# -- pages and errors ---------------------------------------------------------------------


def jsm_page(
    values: list[Any],
    *,
    base: str,
    self_url: str,
    start: int,
    limit: int,
    is_last: bool,
    next_url: str | None = None,
    prev_url: str | None = None,
) -> dict[str, Any]:
    """A JSM page (`PagedDTO` in the JSM OpenAPI): `size`, `isLastPage`, no total; the
    `next` and `prev` links only when such a page exists."""
    links: dict[str, str] = {"base": base, "context": ""}
    if next_url is not None:
        links["next"] = next_url
    if prev_url is not None:
        links["prev"] = prev_url
    links["self"] = self_url
    return {
        "_expands": [],
        "size": len(values),
        "start": start,
        "limit": limit,
        "isLastPage": is_last,
        "_links": links,
        "values": values,
    }


def search_page(issues: list[dict[str, Any]], next_page_token: str | None) -> dict[str, Any]:
    """A page of enhanced JQL search (`SearchAndReconcileResults` in the platform v3
    OpenAPI): `nextPageToken` absent on the last page."""
    page: dict[str, Any] = {"issues": issues}
    if next_page_token is not None:
        page["nextPageToken"] = next_page_token
    page["isLast"] = next_page_token is None
    return page


def issue_worklogs(
    worklogs: list[dict[str, Any]], *, start_at: int, max_results: int, total: int
) -> dict[str, Any]:
    """An issue's worklogs (`PageOfWorklogs` in the platform v3 OpenAPI)."""
    return {"startAt": start_at, "maxResults": max_results, "total": total, "worklogs": worklogs}


def worklog_changes(
    changes: list[tuple[int | str, int]],
    *,
    since: int,
    until: int,
    self_url: str,
    last_page: bool,
    next_page: str | None = None,
) -> dict[str, Any]:
    """A page of `worklog/updated` or `/deleted` (`ChangedWorklogs` in the platform v3
    OpenAPI): `changes` are (worklog id, epoch ms) pairs; `worklogId` is an integer here."""
    answer: dict[str, Any] = {
        "values": [
            {"worklogId": int(worklog_id), "updatedTime": moment, "properties": []}
            for worklog_id, moment in changes
        ],
        "since": since,
        "until": until,
        "self": self_url,
        "lastPage": last_page,
    }
    if next_page is not None:
        answer["nextPage"] = next_page
    return answer


def platform_error(message: str, field_errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The platform's error body (`ErrorCollection` in the platform v3 OpenAPI)."""
    return {"errorMessages": [message] if message else [], "errors": field_errors or {}}


def jsm_error(message: str, i18n_key: str) -> dict[str, Any]:
    """JSM's error body (`ErrorResponse` in the JSM OpenAPI)."""
    return {
        "errorMessage": message,
        "i18nErrorMessage": {"i18nKey": i18n_key, "parameters": []},
    }
