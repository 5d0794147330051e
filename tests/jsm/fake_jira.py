"""An in-memory Jira for unit tests of the sync, served through `responses` callbacks.

It speaks the same paging styles as the real API (JSM start/limit/isLastPage, enhanced
search nextPageToken) with tiny pages, so paging bugs show up with a handful of rows. Every
object and page is built by `sandbox/shapes/jira.py`, as the sandbox's are; the lists hold
them ready to serve, so a test changes a field where the API shows it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import responses

from sandbox.shapes import jira as shapes

BASE = "http://jira.test"
PARTICIPANTS = "customfield_10026"
ORGANIZATIONS = "customfield_10002"
CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
UPDATED = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
WORKLOG_UPDATED = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)


def user(account_id: str, email: str | None = None, name: str = "") -> dict:
    """A Jira user as issues and worklogs carry it; JSM routes serve it as JSM's UserDTO."""
    return shapes.jira_user(BASE, account_id, email=email, display_name=name or account_id)


@dataclass
class FakeJira:
    desks: list[dict] = field(default_factory=list)
    orgs: dict[str, list[dict]] = field(default_factory=dict)  # desk id -> orgs
    members: dict[str, list[dict]] = field(default_factory=dict)  # org id -> users
    customers: dict[str, list[dict]] = field(default_factory=dict)  # desk id -> users
    projects: dict[str, dict] = field(default_factory=dict)  # project id -> project
    issues: dict[str, list[dict]] = field(default_factory=dict)  # project id -> issues
    worklogs: dict[str, dict] = field(default_factory=dict)  # id -> worklog
    deleted: dict[str, int] = field(default_factory=dict)  # id -> deletion time (ms)
    # Issue ids the next search leaves out, once each (Jira's eventually consistent search).
    omit_once: set[str] = field(default_factory=set)
    # Service desk ids whose JSM routes answer 403 (the API account lost access to them).
    forbidden_desks: set[str] = field(default_factory=set)
    # Worklog ids /worklog/updated does not list (yet): it hides the last minute.
    hidden_from_feed: set[str] = field(default_factory=set)
    page_size: int = 2
    calls: int = 0

    def add_project(self, project_id: str, key: str, name: str, desk_id: str) -> None:
        self.projects[project_id] = shapes.jira_project(BASE, project_id, key, name, "service_desk")
        self.desks.append(shapes.service_desk(BASE, desk_id, project_id, key, name))
        self.orgs.setdefault(desk_id, [])
        self.customers.setdefault(desk_id, [])
        self.issues.setdefault(project_id, [])

    def add_issue(self, project_id, jira_id, key, reporter, participants=(), orgs=(), **extra):
        """`orgs` are `{id, name}`; `extra` may set `summary`, `status` (a name of the
        `new` category) and `updated` (a datetime)."""
        fields = {
            "summary": extra.get("summary", f"Request {key}"),
            "status": shapes.jira_status(BASE, "1", extra.get("status", "Open"), "new"),
            "reporter": reporter,
            "created": shapes.jira_time(CREATED),
            "updated": shapes.jira_time(extra.get("updated", UPDATED)),
            PARTICIPANTS: list(participants) or None,
            ORGANIZATIONS: [shapes.organization(BASE, o["id"], o["name"]) for o in orgs] or None,
        }
        self.issues[project_id].append(shapes.jira_issue(BASE, jira_id, key, fields))

    def move_issue(self, jira_id: str, project_id: str, key: str) -> None:
        """Jira's Move: same id, the new project's key."""
        for issues in self.issues.values():
            for issue in list(issues):
                if issue["id"] == jira_id:
                    issues.remove(issue)
                    self.issues[project_id].append({**issue, "key": key})
                    return
        raise KeyError(jira_id)

    def delete_issue(self, jira_id: str) -> None:
        for issues in self.issues.values():
            issues[:] = [issue for issue in issues if issue["id"] != jira_id]

    def add_worklog(
        self, worklog_id, issue_id, seconds, author, *, updated_ms=1_000, day="2026-10-05"
    ):
        """A worklog started at 09:00 UTC on `day`; `updated_ms` is its time in the feed."""
        started = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
        worklog = shapes.jira_worklog(
            BASE,
            worklog_id,
            issue_id,
            author=author,
            update_author=author,
            comment=shapes.adf(f"Jira work {worklog_id}"),
            started=started,
            created=WORKLOG_UPDATED,
            updated=WORKLOG_UPDATED,
            time_spent_seconds=seconds,
        )
        self.worklogs[str(worklog_id)] = {**worklog, "_updated_ms": updated_ms}

    # -- responses wiring ---------------------------------------------------------------

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, f"{BASE}/rest/api/3/field", self._fields)
        rsps.add_callback(
            responses.GET,
            f"{BASE}/rest/servicedeskapi/servicedesk",
            self._jsm(lambda p: self.desks),
        )
        rsps.add_callback(
            responses.GET,
            _pattern(r"/rest/servicedeskapi/servicedesk/(\w+)/organization"),
            self._jsm(self._children("orgs", _jsm_organization)),
        )
        rsps.add_callback(
            responses.GET,
            _pattern(r"/rest/servicedeskapi/organization/(\w+)/user"),
            self._jsm(self._children("members", _jsm_user)),
        )
        rsps.add_callback(
            responses.GET,
            _pattern(r"/rest/servicedeskapi/servicedesk/(\w+)/customer"),
            self._customers,
        )
        rsps.add_callback(responses.POST, f"{BASE}/rest/api/3/search/jql", self._search)
        rsps.add_callback(responses.GET, _pattern(r"/rest/api/3/issue/(\d+)"), self._issue)
        rsps.add_callback(
            responses.GET, _pattern(r"/rest/api/3/issue/(\d+)/worklog"), self._issue_worklogs
        )
        rsps.add_callback(
            responses.GET, _pattern(r"/rest/api/3/worklog/updated"), self._worklogs_updated
        )
        rsps.add_callback(
            responses.GET, _pattern(r"/rest/api/3/worklog/deleted"), self._worklogs_deleted
        )
        rsps.add_callback(responses.POST, f"{BASE}/rest/api/3/worklog/list", self._worklog_list)

    def _since(self, request) -> int:
        self.calls += 1
        return int(parse_qs(urlsplit(request.url).query).get("since", ["0"])[0])

    def _change_page(self, request, changes: dict[str, int], since: int):
        page = sorted(((i, t) for i, t in changes.items() if t >= since), key=lambda c: c[1])
        until = max([since] + [t for _, t in page])
        body = shapes.worklog_changes(
            page, since=since, until=until, self_url=request.url, last_page=True
        )
        return 200, {}, json.dumps(body)

    def _worklogs_updated(self, request):
        since = self._since(request)
        changes = {
            i: w["_updated_ms"] for i, w in self.worklogs.items() if i not in self.hidden_from_feed
        }
        return self._change_page(request, changes, since)

    def _worklogs_deleted(self, request):
        return self._change_page(request, self.deleted, self._since(request))

    def _worklog_list(self, request):
        self.calls += 1
        ids = [str(i) for i in json.loads(request.body)["ids"]]
        found = [_served(self.worklogs[i]) for i in ids if i in self.worklogs]
        return 200, {}, json.dumps(found)

    def _fields(self, request):
        self.calls += 1
        fields = [
            shapes.jira_field("summary", "Summary", "string", ["summary"]),
            shapes.participants_field(int(PARTICIPANTS.removeprefix("customfield_"))),
            shapes.organizations_field(int(ORGANIZATIONS.removeprefix("customfield_"))),
        ]
        return 200, {}, json.dumps(fields)

    def _jsm(self, values_for):
        def callback(request):
            self.calls += 1
            url = urlsplit(request.url)
            parts = url.path.split("/")
            desk = parts[parts.index("servicedesk") + 1] if "servicedesk" in parts[:-1] else None
            if desk in self.forbidden_desks:
                message = "You do not have permission to view this service desk."
                return 403, {}, json.dumps(shapes.jsm_error(message, "sd.permission.denied"))
            query = parse_qs(url.query)
            start = int(query.get("start", ["0"])[0])
            values = values_for(url.path)
            last = start + self.page_size >= len(values)
            body = shapes.jsm_page(
                values[start : start + self.page_size],
                base=BASE,
                self_url=request.url,
                start=start,
                limit=self.page_size,
                is_last=last,
                next_url=None if last else f"{BASE}{url.path}?start={start + self.page_size}",
            )
            return 200, {}, json.dumps(body)

        return callback

    def _customers(self, request):
        if request.headers.get("X-ExperimentalApi") != "opt-in":
            body = shapes.jsm_error("This API is experimental.", "sd.api.experimental")
            return 403, {}, json.dumps(body)
        return self._jsm(self._children("customers", _jsm_user))(request)

    def _children(self, attribute: str, serialize):
        """The values of a JSM list route `/<parent>/{id}/<children>`: the stored list
        `self.<attribute>[id]` (read at each call: tests replace it), as JSM shows it."""

        def values_for(path: str) -> list[dict]:
            parent_id = path.split("/")[-2]
            return [serialize(item) for item in getattr(self, attribute).get(parent_id, [])]

        return values_for

    def _search(self, request):
        self.calls += 1
        body = json.loads(request.body)
        project_id = body["jql"].split()[2]
        issues = [i for i in self.issues.get(project_id, []) if i["id"] not in self.omit_once]
        start = int(body.get("nextPageToken") or 0)
        is_last = start + self.page_size >= len(issues)
        if is_last:  # the omission lasts one whole search
            self.omit_once -= {i["id"] for i in self.issues.get(project_id, [])}
        token = None if is_last else str(start + self.page_size)
        page = shapes.search_page(issues[start : start + self.page_size], token)
        return 200, {}, json.dumps(page)

    def _issue(self, request):
        self.calls += 1
        jira_id = urlsplit(request.url).path.rsplit("/", 1)[-1]
        for project_id, issues in self.issues.items():
            for issue in issues:
                if issue["id"] == jira_id:
                    fields = {**issue["fields"], "project": self._project(project_id, issue)}
                    return 200, {}, json.dumps({**issue, "fields": fields})
        message = "Issue does not exist or you do not have permission to see it."
        return 404, {}, json.dumps(shapes.platform_error(message))

    def _project(self, project_id: str, issue: dict) -> dict:
        """The issue's project; one not added with `add_project` is a software project."""
        if project_id in self.projects:
            return self.projects[project_id]
        key = issue["key"].split("-")[0]
        return shapes.jira_project(BASE, project_id, key, key, "software")

    def _issue_worklogs(self, request):
        self.calls += 1
        issue_id = urlsplit(request.url).path.split("/")[-2]
        found = [_served(w) for w in self.worklogs.values() if w["issueId"] == issue_id]
        body = shapes.issue_worklogs(found, start_at=0, max_results=5000, total=len(found))
        return 200, {}, json.dumps(body)


def _served(worklog: dict) -> dict:
    """A stored worklog without the fake's own bookkeeping (`_updated_ms`)."""
    return {k: v for k, v in worklog.items() if not k.startswith("_")}


def _jsm_user(user: dict) -> dict:
    """A stored Jira user as JSM's routes list it."""
    return shapes.jsm_user(
        BASE,
        user["accountId"],
        email=user.get("emailAddress"),
        display_name=user["displayName"],
        active=user["active"],
        time_zone=user.get("timeZone"),
    )


def _jsm_organization(organization: dict) -> dict:
    """A stored `{id, name}` as JSM's routes list it, created with the fake's issues."""
    return shapes.jsm_organization(BASE, organization["id"], organization["name"], CREATED)


def _pattern(path_regex: str):
    return re.compile(re.escape(BASE) + path_regex + r"(\?.*)?$")
