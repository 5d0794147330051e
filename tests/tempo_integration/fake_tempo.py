"""A Tempo `/4/worklogs/project/{id}` served from a dict through `responses`, and its
worklogs. Every body is built by `sandbox/shapes/tempo.py`, as the sandbox's are."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import responses
from django.conf import settings as django_settings

from sandbox.shapes.tempo import tempo_error, tempo_page, tempo_worklog

WORKLOGS_URL = "https://api.tempo.io/4/worklogs"
JIRA_SITE = "https://x.atlassian.net"


def worklog(
    tempo_id,
    issue_id,
    *,
    billable=3600,
    spent=3600,
    updated="2026-11-01T10:00:00Z",
    day="2026-11-01",
    attributes=(),
):
    return tempo_worklog(
        worklogs_url=WORKLOGS_URL,
        jira_site=JIRA_SITE,
        worklog_id=tempo_id,
        issue_id=issue_id,
        author_account_id="agent-1",
        time_spent_seconds=spent,
        billable_seconds=billable,
        start_date=day,
        start_time="09:30:00",
        description=f"Work {tempo_id}",
        created_at="2026-11-01T10:00:00Z",
        updated_at=updated,
        attributes=list(attributes),
    )


class FakeTempo:
    """Serves /4/worklogs/project/{id} from a dict, honouring updatedFrom and paging."""

    def __init__(self, page_size=2):
        self.worklogs: dict[int, list[dict]] = {}
        self.page_size = page_size
        self.seen_params: list[dict] = []
        # Called with the number of the page about to be served (1, 2, …), before serving it.
        self.before_page = None
        # Project ids Tempo answers 404 for (it has not caught up with their permissions).
        self.not_found_projects: set[int] = set()
        self.direct_reads: list[int] = []
        self.issue_reads: list[int] = []
        # Tempo's audit log (`POST /4/papertrail/search`): ids of deleted worklogs, and the
        # `from` of every search; `audit_status` other than 200 refuses it.
        self.audit_deleted: list[int] = []
        self.audit_searches: list[str] = []
        self.audit_status = 200

    def install(self, rsps):
        rsps.add_callback(
            responses.GET,
            re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/project/(\d+).*"),
            self.callback,
        )
        rsps.add_callback(
            responses.GET,
            re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/(\d+)$"),
            self.one_worklog,
        )
        rsps.add_callback(
            responses.GET,
            re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/issue/(\d+).*"),
            self.issue_worklogs,
        )
        rsps.add_callback(
            responses.POST,
            re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/papertrail/search.*"),
            self.audit_log,
        )

    def audit_log(self, request):
        body = json.loads(request.body)
        self.audit_searches.append(body["from"])
        if self.audit_status != 200:
            return self.audit_status, {}, json.dumps(tempo_error("Forbidden"))
        results = [
            {
                "action": "Deleted",
                "author": "a",
                "changes": [],
                "entityId": str(i),
                "entityType": "worklog",
                "parentId": "1",
                "timestamp": body["from"],
            }
            for i in self.audit_deleted
        ]
        page = {"self": request.url, "metadata": {"limit": 1000}, "results": results}
        return 200, {}, json.dumps(page)

    def issue_worklogs(self, request):
        """/4/worklogs/issue/{id}: every worklog of the issue, one page."""
        issue_id = int(urlsplit(request.url).path.rsplit("/", 1)[1])
        self.issue_reads.append(issue_id)
        found = [
            w for items in self.worklogs.values() for w in items if w["issue"]["id"] == issue_id
        ]
        page = tempo_page(found, self_url=request.url, offset=0, limit=5000)
        return 200, {}, json.dumps(page)

    def one_worklog(self, request):
        tempo_id = int(urlsplit(request.url).path.rsplit("/", 1)[1])
        self.direct_reads.append(tempo_id)
        for items in self.worklogs.values():
            for item in items:
                if item["tempoWorklogId"] == tempo_id:
                    return 200, {}, json.dumps(item)
        return 404, {}, json.dumps(tempo_error(f"Worklog with id {tempo_id} does not exist"))

    def callback(self, request):
        url = urlsplit(request.url)
        project_id = int(url.path.rsplit("/", 1)[1])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.seen_params.append(query)
        if self.before_page is not None:
            self.before_page(len(self.seen_params))
        if project_id in self.not_found_projects:
            return 404, {}, json.dumps(tempo_error("Project cannot be found in the system"))
        items = self.worklogs.get(project_id, [])
        if "updatedFrom" in query:
            items = [w for w in items if w["updatedAt"] >= query["updatedFrom"]]
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 50)), self.page_size)
        next_url = None
        if offset + limit < len(items):
            nxt = dict(query, offset=str(offset + limit))
            next_url = f"{url.scheme}://{url.netloc}{url.path}?" + "&".join(
                f"{k}={v}" for k, v in nxt.items()
            )
        page = tempo_page(
            items[offset : offset + limit],
            self_url=request.url,
            offset=offset,
            limit=limit,
            next_url=next_url,
        )
        return 200, {}, json.dumps(page)
