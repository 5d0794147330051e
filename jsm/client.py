"""JiraClient: the only code that talks to Jira Cloud and JSM (docs/outside-apis.md §3, §5).

Basic auth (e-mail and API token) travels in the session's ``Authorization`` header only.
Each paging style Atlassian uses has one generator here, and every id leaves this module
as a string, so the rest of the app never meets an integer id from Jira.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import requests
from django.conf import settings

from worklog_report.http_client import JsonHttpClient, ServiceUnavailable, jitter

from .records import (
    JiraIssue,
    JiraUser,
    JiraWorklog,
    JsmOrganization,
    MalformedRecord,
    ServiceDesk,
    WorklogChanges,
    users,
)

MAX_PAGES = 10_000  # loop guard
JSM_PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 100
# The issue fields the sync reads, besides the two custom fields (docs/outside-apis.md §3).
ISSUE_FIELDS = ["summary", "status", "reporter", "created", "updated"]
PARTICIPANTS_FIELD = "com.atlassian.servicedesk:sd-request-participants"
ORGANIZATIONS_FIELD = "com.atlassian.servicedesk:sd-customer-organizations"


class JiraError(Exception):
    """Base class: something went wrong talking to Jira."""


class JiraAuthError(JiraError):
    """401: the e-mail address or API token is wrong, or the token was revoked."""


class JiraPermissionError(JiraError):
    """403: the account may not see this."""


class JiraNotFound(JiraError):
    """404: missing, or invisible to this account."""


class JiraRequestError(JiraError):
    """Another 4xx: Jira refused the request itself."""


class JiraUnavailable(JiraError, ServiceUnavailable):
    """Jira could not be reached or did not answer sensibly within the retry budget."""


def _error_message(response: requests.Response) -> str:
    # Platform: {"errorMessages": [...], "errors": {...}}; JSM: {"errorMessage": "..."}.
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    messages = list(body.get("errorMessages") or [])
    if isinstance(body.get("errors"), dict):
        messages += [f"{k}: {v}" for k, v in body["errors"].items()]
    if body.get("errorMessage"):
        messages.append(str(body["errorMessage"]))
    return "; ".join(str(m) for m in messages) or f"HTTP {response.status_code}"


def _basic_auth(email: str, api_token: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{api_token}".encode()).decode()


class JiraClient(JsonHttpClient):
    service = "Jira"
    unavailable_error = JiraUnavailable

    def __init__(
        self,
        *,
        base_url: str | None = None,
        email: str | None = None,
        api_token: str | None = None,
        retry_budget: float | None = None,
        timeout: tuple[float, float] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            base_url if base_url is not None else settings.JIRA_BASE_URL,
            {
                "Authorization": _basic_auth(
                    email if email is not None else settings.JIRA_EMAIL,
                    api_token if api_token is not None else settings.JIRA_API_TOKEN,
                )
            },
            timeout=timeout or (settings.JIRA_CONNECT_TIMEOUT, settings.JIRA_READ_TIMEOUT),
            retry_budget=retry_budget if retry_budget is not None else settings.JIRA_RETRY_BUDGET,
            **options,
        )

    def raise_for_refusal(self, response: requests.Response) -> None:
        status = response.status_code
        message = _error_message(response)
        if status == 401:
            raise JiraAuthError("Jira rejected the e-mail address and API token (401).")
        if status == 403:
            raise JiraPermissionError(f"Jira refused access (403): {message}")
        if status == 404:
            raise JiraNotFound(f"Jira could not find it (404): {message}")
        raise JiraRequestError(f"Jira refused the request ({status}): {message}")

    def server_error_delay(self, attempt: int) -> float:
        # Atlassian's advice: 5 s doubling to 30 s, with jitter.
        return jitter(min(5.0 * 2 ** (attempt - 1), 30.0))

    def _json(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        body = self.request_json(method, path_or_url, **kwargs)
        if not isinstance(body, dict | list):
            raise JiraUnavailable("Jira answered with JSON of an unexpected shape.")
        return body

    # -- the three paging styles -------------------------------------------------------

    def _jsm_pages(self, path: str, params: dict[str, Any] | None = None, **kw) -> Iterator[dict]:
        """JSM paging: ``start``/``limit`` until ``isLastPage``."""
        start = 0
        for _ in range(MAX_PAGES):
            page = self._json(
                "GET", path, params={**(params or {}), "start": start, "limit": JSM_PAGE_SIZE}, **kw
            )
            values = page.get("values") if isinstance(page, dict) else None
            if not isinstance(values, list):
                raise JiraUnavailable("Jira answered with JSON that is not a JSM page.")
            yield from values
            if page.get("isLastPage", True) or not values:
                return
            start += len(values)
        raise JiraUnavailable(f"Jira kept returning pages after {MAX_PAGES}; stopped.")

    def _search_pages(self, jql: str, fields: list[str]) -> Iterator[dict]:
        """Enhanced JQL search: follow ``nextPageToken`` until it is absent."""
        token = None
        for _ in range(MAX_PAGES):
            body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": SEARCH_PAGE_SIZE}
            if token:
                body["nextPageToken"] = token
            page = self._json("POST", "/rest/api/3/search/jql", json=body)
            issues = page.get("issues") if isinstance(page, dict) else None
            if not isinstance(issues, list):
                raise JiraUnavailable("Jira answered with JSON that is not a search page.")
            yield from issues
            token = page.get("nextPageToken")
            if not token:
                return
        raise JiraUnavailable(f"Jira kept returning pages after {MAX_PAGES}; stopped.")

    # -- who we are ---------------------------------------------------------------------

    def myself(self) -> dict:
        """The API account's user object (``accountId``, ``displayName``, ``emailAddress``
        (null if hidden by privacy), ``active``, …): one call, which proves the credentials.

        Reference: GET /rest/api/3/myself in Atlassian's platform v3 OpenAPI (``User``).
        """
        body = self._json("GET", "/rest/api/3/myself")
        if not isinstance(body, dict) or "accountId" not in body:
            raise JiraUnavailable("Jira answered with JSON that is not a user.")
        return body

    # -- what the sync reads -----------------------------------------------------------

    def custom_field_ids(self) -> dict[str, str | None]:
        """The site-specific ids of the Request participants and Organizations fields."""
        fields = self._json("GET", "/rest/api/3/field")
        if not isinstance(fields, list):
            raise JiraUnavailable("Jira answered with JSON that is not a field list.")
        found: dict[str, str | None] = {"participants": None, "organizations": None}
        for field in fields:
            custom = (field.get("schema") or {}).get("custom") if isinstance(field, dict) else None
            if custom == PARTICIPANTS_FIELD:
                found["participants"] = str(field["id"])
            elif custom == ORGANIZATIONS_FIELD:
                found["organizations"] = str(field["id"])
        return found

    def service_desks(self) -> Iterator[ServiceDesk]:
        """Every JSM project. Raises JiraUnavailable for one that cannot be read."""
        for item in self._jsm_pages("/rest/servicedeskapi/servicedesk"):
            yield _read(ServiceDesk.from_api, item)

    def organizations(self, service_desk_id: str) -> Iterator[JsmOrganization]:
        """The project's organizations. Raises JiraUnavailable for one that cannot be read."""
        for item in self._jsm_pages(
            f"/rest/servicedeskapi/servicedesk/{service_desk_id}/organization"
        ):
            yield _read(JsmOrganization.from_api, item)

    def organization_members(self, organization_id: str) -> Iterator[JiraUser]:
        """The organization's users (one without an account id is skipped)."""
        for item in self._jsm_pages(f"/rest/servicedeskapi/organization/{organization_id}/user"):
            yield from users([item])

    def customers(self, service_desk_id: str) -> Iterator[JiraUser]:
        """The project's customers (one without an account id is skipped)."""
        # An experimental route: JSM refuses it without the opt-in header.
        for item in self._jsm_pages(
            f"/rest/servicedeskapi/servicedesk/{service_desk_id}/customer",
            headers={"X-ExperimentalApi": "opt-in"},
        ):
            yield from users([item])

    def requests_of_project(
        self, project_id: str, field_ids: dict[str, str | None]
    ) -> Iterator[JiraIssue]:
        """Every issue of the project, oldest first, with the fields the sync reads;
        ``field_ids`` is ``custom_field_ids()``'s answer. Raises JiraUnavailable for an issue
        that cannot be read."""
        jql = f"project = {int(project_id)} ORDER BY id ASC"
        for item in self._search_pages(jql, issue_fields(field_ids)):
            yield issue_record(item, field_ids)

    def issue(self, issue_id: str, field_ids: dict[str, str | None]) -> JiraIssue | None:
        """One issue read directly, with its project (``JiraIssue.project_id``), or None
        when Jira answers 404 (deleted, or no longer visible to the API account).

        A direct read is not served by the eventually consistent search index, so it is how
        the sync confirms that a request the search left out is really gone, or moved: a
        moved issue answers with its new key and project (docs/outside-apis.md §6).
        Reference: GET /rest/api/3/issue/{issueIdOrKey} in Atlassian's platform v3 OpenAPI.
        """
        fields = [*issue_fields(field_ids), "project"]
        try:
            body = self._json(
                "GET", f"/rest/api/3/issue/{int(issue_id)}", params={"fields": ",".join(fields)}
            )
        except JiraNotFound:
            return None
        if not isinstance(body, dict) or "id" not in body or "key" not in body:
            raise JiraUnavailable("Jira answered with JSON that is not an issue.")
        return issue_record(body, field_ids)

    def updated_worklog_pages(self, since_ms: int) -> Iterator[WorklogChanges]:
        """Ids of worklogs changed since ``since_ms`` (oldest first, 1000 a page)."""
        for page in _worklog_change_pages(self, "/rest/api/3/worklog/updated", since_ms):
            yield _read(WorklogChanges.from_api, page)

    def deleted_worklog_pages(self, since_ms: int) -> Iterator[WorklogChanges]:
        """Ids of worklogs deleted since ``since_ms`` (oldest first, 1000 a page)."""
        for page in _worklog_change_pages(self, "/rest/api/3/worklog/deleted", since_ms):
            yield _read(WorklogChanges.from_api, page)

    def worklogs_by_id(self, ids: list[int]) -> list[JiraWorklog]:
        """Up to 1000 worklogs by id (Jira refuses more in one call); one that cannot be
        read is left out, as if Jira had not returned it."""
        body = self._json("POST", "/rest/api/3/worklog/list", json={"ids": ids})
        if not isinstance(body, list):
            raise JiraUnavailable("Jira answered with JSON that is not a worklog list.")
        return _worklogs(body)

    def issue_worklogs(self, issue_id: str) -> Iterator[JiraWorklog]:
        """Jira's own worklogs of one issue (offset paging: ``startAt``/``total``); one that
        cannot be read is left out."""
        start = 0
        for _ in range(MAX_PAGES):
            page = self._json(
                "GET",
                f"/rest/api/3/issue/{issue_id}/worklog",
                params={"startAt": start, "maxResults": 5000},
            )
            worklogs = page.get("worklogs") if isinstance(page, dict) else None
            if not isinstance(worklogs, list):
                raise JiraUnavailable("Jira answered with JSON that is not a worklog page.")
            yield from _worklogs(worklogs)
            start += len(worklogs)
            if not worklogs or start >= int(page.get("total", 0)):
                return
        raise JiraUnavailable(f"Jira kept returning pages after {MAX_PAGES}; stopped.")


def _worklog_change_pages(client: JiraClient, path: str, since_ms: int) -> Iterator[dict]:
    """``/worklog/updated`` or ``/worklog/deleted`` pages, following ``nextPage`` verbatim
    (a link that is not on Jira's address raises JiraUnavailable: ``next_link``)."""
    page = client._json("GET", path, params={"since": since_ms})
    for _ in range(MAX_PAGES):
        if not isinstance(page, dict) or not isinstance(page.get("values"), list):
            raise JiraUnavailable("Jira answered with JSON that is not a worklog change page.")
        yield page
        if page.get("lastPage", True) or not page.get("nextPage"):
            return
        page = client._json("GET", client.next_link(page["nextPage"]))
    raise JiraUnavailable(f"Jira kept returning pages after {MAX_PAGES}; stopped.")


def _read(parse, item):
    """``parse(item)``; a MalformedRecord becomes JiraUnavailable: an answer without what
    the sync keys on is not one to write, and the project's last good data is kept."""
    try:
        return parse(item)
    except MalformedRecord as exc:
        raise JiraUnavailable(str(exc)) from exc


def issue_fields(field_ids: dict[str, str | None]) -> list[str]:
    """The ``fields`` to ask of Jira's issue API: the standard ones this app reads and the
    custom fields of ``field_ids`` (participants, organizations) this site has."""
    return ISSUE_FIELDS + [f for f in field_ids.values() if f]


def issue_record(item: Any, field_ids: dict[str, str | None]) -> JiraIssue:
    """One issue of Jira's REST API v3 (``GET /rest/api/3/issue/{id}`` or a search result)
    as a ``JiraIssue``; raises ``JiraUnavailable`` when it is not shaped like one."""
    try:
        return JiraIssue.from_api(
            item, field_ids.get("participants"), field_ids.get("organizations")
        )
    except MalformedRecord as exc:
        raise JiraUnavailable(str(exc)) from exc


def _worklogs(items: list[Any]) -> list[JiraWorklog]:
    found = []
    for item in items:
        try:
            found.append(JiraWorklog.from_api(item))
        except MalformedRecord:
            continue
    return found
