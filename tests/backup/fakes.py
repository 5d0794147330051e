"""A Tempo serving every route of a backup through `responses`, and a backup run with a fast
client."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import responses
from django.conf import settings as django_settings

from backup.datasets import DATA_SETS, Paging
from backup.models import Backup
from backup.runs import run_backup

# Tests never wait: no spacing between requests, and a retry budget that allows a few tries.
FAST = {"min_interval": 0, "retry_budget": 12.0}


def _route_pattern(route: str) -> re.Pattern:
    return re.compile(re.escape(route).replace(re.escape("{parent}"), "(?P<parent>[^/]+)") + "$")


ROUTES = [(data_set, _route_pattern(data_set.route)) for data_set in DATA_SETS]


class FakeTempo:
    """Every route of backup/datasets.py, from `data` (route path → list of records).

    `scopes`: the scopes the token has (403 elsewhere). `status`: path → status answered
    instead (404, 500…), or a list of statuses answered one call after another before the
    data. `page_size`: offset routes page with `metadata.next`.
    """

    def __init__(self) -> None:
        self.base = django_settings.TEMPO_BASE_URL
        self.scopes = {data_set.scope for data_set in DATA_SETS}
        self.status: dict[str, int | list[int]] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.page_size = 5000
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.before: Callable[[str], None] | None = None
        self.data: dict[str, list[dict]] = {
            "/4/worklogs": [{"tempoWorklogId": n, "timeSpentSeconds": 60 * n} for n in (1, 2, 3)],
            "/4/work-attributes": [{"key": "_Phase_", "name": "Phase"}],
            "/4/accounts": [{"id": 1, "key": "ACC1"}, {"id": 2, "key": "ACC2"}],
            "/4/account-categories": [{"id": 7, "key": "CAT"}],
            "/4/account-links/account/ACC1": [{"id": 11, "scope": {"id": 10000}}],
            "/4/account-links/account/ACC2": [],
            "/4/customers": [{"id": 5, "key": "CUST"}],
            "/4/teams": [{"id": 100, "name": "Red"}, {"id": 200, "name": "Blue"}],
            "/4/team-memberships/team/100": [{"id": 1001, "team": {"id": 100}}],
            "/4/team-memberships/team/200": [{"id": 2001, "team": {"id": 200}}],
            "/4/roles": [{"id": 1, "name": "Member"}],
            "/4/holiday-schemes": [{"id": 31, "name": "Default"}],
            "/4/holiday-schemes/31/holidays": [{"id": 9, "name": "New Year", "date": "01-01"}],
            "/4/workload-schemes": [{"id": 41, "name": "Default"}],
            "/4/programs": [{"id": 51, "name": "P"}],
            "/4/plans": [{"id": 61}],
            "/4/periods": [{"from": "2026-10-01", "to": "2026-10-31"}],
            "/4/timesheet-approvals/team/100": [{"status": {"key": "OPEN"}}],
            "/4/timesheet-approvals/team/200": [{"status": {"key": "APPROVED"}}],
            "/4/timesheet-approvals/waiting": [],
        }

    def install(self, rsps) -> None:
        rsps.add_callback(
            responses.GET, re.compile(rf"{re.escape(self.base)}/4/.*"), callback=self.callback
        )

    def calls_to(self, path: str) -> list[dict[str, str]]:
        return [params for called, params in self.calls if called == path]

    def _match(self, path: str):
        if re.fullmatch(r"/4/worklogs/project/\d+", path):
            return None, "worklogs"
        for data_set, pattern in ROUTES:
            if pattern.match(path):
                return data_set, data_set.scope
        raise AssertionError(f"no such Tempo route in the fake: {path}")

    def callback(self, request):
        parts = urlsplit(request.url)
        path = parts.path.removeprefix(urlsplit(self.base).path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.calls.append((path, params))
        if self.before is not None:
            self.before(path)
        data_set, scope = self._match(path)
        headers = self.headers.get(path, {})
        status = self.status.get(path)
        if isinstance(status, list):
            status = status.pop(0) if status else None
        if status is not None:
            return status, headers, json.dumps({"errors": [{"message": f"HTTP {status}"}]})
        if scope not in self.scopes:
            return 403, {}, json.dumps({"errors": [{"message": "Forbidden"}]})
        records = self.data.get(path, [])
        if data_set is None:  # the worklog project probe
            return 200, {}, json.dumps({"metadata": {"count": 0}, "results": []})
        if data_set.paging is Paging.PERIODS:
            return 200, {}, json.dumps({"periods": records})
        if data_set.paging is Paging.ONE:
            body = {"self": request.url, "metadata": {"count": len(records)}, "results": records}
            return 200, {}, json.dumps(body)
        offset = int(params.get("offset", 0))
        limit = min(int(params.get("limit", 50)), self.page_size)
        page = records[offset : offset + limit]
        metadata = {"count": len(page), "offset": offset, "limit": limit}
        if offset + limit < len(records):
            rest = {**params, "offset": offset + limit, "limit": limit}
            metadata["next"] = f"{self.base}{path}?{urlencode(rest)}"
        return 200, {}, json.dumps({"self": request.url, "metadata": metadata, "results": page})


def backup_now(**options) -> Backup:
    backup = Backup.objects.create(trigger=Backup.Trigger.COMMAND)
    run_backup(backup, client_options={**FAST, **options.pop("client_options", {})}, **options)
    backup.refresh_from_db()
    return backup
