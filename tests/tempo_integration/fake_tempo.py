"""A Tempo `/4/worklogs/project/{id}` served from a dict through `responses`, and its
worklogs (the shape of API-CONTRACTS' worklog)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import responses
from django.conf import settings as django_settings


def worklog(
    tempo_id,
    issue_id,
    *,
    billable=3600,
    spent=3600,
    updated="2026-11-01T10:00:00Z",
    day="2026-11-01",
):
    return {
        "self": f"https://api.tempo.io/4/worklogs/{tempo_id}",
        "tempoWorklogId": tempo_id,
        "issue": {"self": f"https://x.atlassian.net/rest/api/2/issue/{issue_id}", "id": issue_id},
        "timeSpentSeconds": spent,
        "billableSeconds": billable,
        "startDate": day,
        "startTime": "09:30:00",
        "description": f"Work {tempo_id}",
        "createdAt": "2026-11-01T10:00:00Z",
        "updatedAt": updated,
        "author": {
            "self": "https://x.atlassian.net/rest/api/2/user?accountId=agent-1",
            "accountId": "agent-1",
        },
        "attributes": {"self": "", "values": []},
    }


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

    def issue_worklogs(self, request):
        """/4/worklogs/issue/{id}: every worklog of the issue, one page."""
        issue_id = int(urlsplit(request.url).path.rsplit("/", 1)[1])
        self.issue_reads.append(issue_id)
        found = [
            w for items in self.worklogs.values() for w in items if w["issue"]["id"] == issue_id
        ]
        metadata = {"count": len(found), "offset": 0, "limit": 5000}
        return 200, {}, json.dumps({"self": request.url, "metadata": metadata, "results": found})

    def one_worklog(self, request):
        tempo_id = int(urlsplit(request.url).path.rsplit("/", 1)[1])
        self.direct_reads.append(tempo_id)
        for items in self.worklogs.values():
            for item in items:
                if item["tempoWorklogId"] == tempo_id:
                    return 200, {}, json.dumps(item)
        message = f"Worklog with id {tempo_id} does not exist"
        return 404, {}, json.dumps({"errors": [{"message": message}]})

    def callback(self, request):
        url = urlsplit(request.url)
        project_id = int(url.path.rsplit("/", 1)[1])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.seen_params.append(query)
        if self.before_page is not None:
            self.before_page(len(self.seen_params))
        if project_id in self.not_found_projects:
            message = "Project cannot be found in the system"
            return 404, {}, json.dumps({"errors": [{"message": message}]})
        items = self.worklogs.get(project_id, [])
        if "updatedFrom" in query:
            items = [w for w in items if w["updatedAt"] >= query["updatedFrom"]]
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 50)), self.page_size)
        page = items[offset : offset + limit]
        metadata = {"count": len(page), "offset": offset, "limit": limit}
        if offset + limit < len(items):
            nxt = dict(query, offset=str(offset + limit))
            metadata["next"] = f"{url.scheme}://{url.netloc}{url.path}?" + "&".join(
                f"{k}={v}" for k, v in nxt.items()
            )
        return 200, {}, json.dumps({"self": request.url, "metadata": metadata, "results": page})
