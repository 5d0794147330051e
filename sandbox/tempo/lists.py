"""Tempo's other list routes, the ones a backup or export reads (API-CONTRACTS.md §1 "Other
list routes (backup/export)"): each with its real paging style, required parameters and scope.

Offset/limit routes answer the worklogs' page envelope; "none" routes answer every object in
one `{"self", "metadata": {"count"}, "results"}`; `/4/periods` answers `{"periods": [...]}`.
Lists are in id order, so paging never skips or repeats an object. The timesheet approval
routes are in `approvals.py`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from sandbox.jira.serializers import Serializer
from sandbox.shapes.tempo import tempo_page
from sandbox.tempo.auth import View, tempo_api
from sandbox.tempo.models import ListRecord
from sandbox.tempo.query import Page, integer_param, page_from_params, required_date
from sandbox.tempo.responses import BadRequest, json_error

# Route (under /4/) → its kind of `ListRecord` and the scope that opens it.
OFFSET_ROUTES = {
    "accounts": "accounts",
    "customers": "accounts",
    "teams": "teams",
    "work-attributes": "worklogs",
    "workload-schemes": "schemes",
}
ONE_PAGE_ROUTES = {
    "holiday-schemes": "schemes",
    "roles": "teams",
    "account-categories": "accounts",
    "programs": "plans",
}


def list_data(kind: str, parent: int | None = None) -> list[dict[str, Any]]:
    records = ListRecord.objects.filter(kind=kind, parent=parent).order_by("position")
    return list(records.values_list("data", flat=True))


def offset_route(kind: str, scope: str) -> View:
    @require_GET
    @tempo_api(scope)
    def view(request: HttpRequest) -> HttpResponse:
        return offset_page(request, list_data(kind))

    view.__name__ = view.__qualname__ = kind.replace("-", "_")
    return view


def one_page_route(kind: str, scope: str) -> View:
    @require_GET
    @tempo_api(scope)
    def view(request: HttpRequest) -> HttpResponse:
        return one_page(request, list_data(kind))

    view.__name__ = view.__qualname__ = kind.replace("-", "_")
    return view


@require_GET
@tempo_api("schemes")
def holidays(request: HttpRequest, scheme_id: int) -> HttpResponse:
    """`/4/holiday-schemes/{id}/holidays?year=YYYY` (this year without `year`)."""
    year = integer_param(request.GET, "year", timezone.now().year)
    if not ListRecord.objects.filter(kind="holiday-schemes", position=scheme_id).exists():
        return json_error(404, f"Holiday scheme with id {scheme_id} does not exist")
    return one_page(
        request,
        [
            h
            for h in list_data("holidays", parent=scheme_id)
            if h["date"].startswith(f"{year:04d}-")
        ],
    )


@require_GET
@tempo_api("teams")
def team_memberships(request: HttpRequest, team_id: int) -> HttpResponse:
    """`GET /4/team-memberships/team/{teamId}` (API-CONTRACTS.md §1, scope teams): every
    membership of the team in one `{"self", "metadata": {"count"}, "results"}`, each
    `{"self", "id", "team": {"self", "id"}, "member": {"self", "accountId"}, "from", "to"
    (null while it lasts), "commitmentPercent", "role": {"self", "id", "name"}}`; 404 for a
    team Tempo does not have."""
    if not ListRecord.objects.filter(kind="teams", parent=None, position=team_id).exists():
        return json_error(404, f"Team with id {team_id} does not exist")
    links = Links(request)
    return one_page(
        request, [links.membership(m) for m in list_data("team-memberships", parent=team_id)]
    )


@require_GET
@tempo_api("accounts")
def account_links(request: HttpRequest, account_key: str) -> HttpResponse:
    """`GET /4/account-links/account/{accountKey}` (API-CONTRACTS.md §1, scope accounts): the
    account's links in one `{"self", "metadata": {"count"}, "results"}`, each `{"self", "id",
    "scope": {"self", "id" (the Jira project's id), "type": "PROJECT"}, "account": {"self",
    "key", "id"}, "default"}`; 404 for an account key Tempo does not have."""
    account = next((a for a in list_data("accounts") if a["key"] == account_key), None)
    if account is None:
        return json_error(404, f"Account with key {account_key} does not exist")
    links = Links(request)
    return one_page(
        request, [links.account_link(k) for k in list_data("account-links", parent=account["id"])]
    )


class Links:
    """The `self` links of Tempo's objects: this server's `/4/...` routes, and the Jira site
    (`SANDBOX_JIRA_SITE_URL`, else this sandbox's Jira) for users and projects."""

    def __init__(self, request: HttpRequest) -> None:
        worklogs = request.build_absolute_uri(reverse("sandbox_tempo:worklogs"))
        self.tempo = worklogs.rsplit("/", 1)[0]
        self.jira = (settings.SANDBOX_JIRA_SITE_URL or Serializer(request).base).rstrip("/")

    def user(self, account_id: str) -> dict[str, str]:
        return {
            "self": f"{self.jira}/rest/api/2/user?accountId={account_id}",
            "accountId": account_id,
        }

    def membership(self, data: dict[str, Any]) -> dict[str, Any]:
        team, role = data["team"]["id"], data["role"]["id"]
        return {
            "self": f"{self.tempo}/team-memberships/{data['id']}",
            "id": data["id"],
            "team": {"self": f"{self.tempo}/teams/{team}", "id": team},
            "member": self.user(data["member"]["accountId"]),
            "from": data["from"],
            "to": data["to"],
            "commitmentPercent": data["commitmentPercent"],
            "role": {"self": f"{self.tempo}/roles/{role}", **data["role"]},
        }

    def account_link(self, data: dict[str, Any]) -> dict[str, Any]:
        project, account = data["scope"]["id"], data["account"]
        return {
            "self": f"{self.tempo}/account-links/{data['id']}",
            "id": data["id"],
            "scope": {
                "self": f"{self.jira}/rest/api/2/project/{project}",
                "id": project,
                "type": data["scope"]["type"],
            },
            "account": {"self": f"{self.tempo}/accounts/{account['key']}", **account},
            "default": data["default"],
        }


@require_GET
@tempo_api("plans")
def plans(request: HttpRequest) -> HttpResponse:
    """`/4/plans?from&to` (both required): the plans that overlap the range."""
    start, end = _range(request)
    overlapping = [
        plan
        for plan in list_data("plans")
        if plan["startDate"] <= end.isoformat() and plan["endDate"] >= start.isoformat()
    ]
    return offset_page(request, overlapping)


@require_GET
@tempo_api("periods")
def periods(request: HttpRequest) -> HttpResponse:
    """`/4/periods?from&to` (both required): the monthly approval periods that meet the range."""
    start, end = _range(request)
    found = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        found.append({"from": first.isoformat(), "to": (following - timedelta(days=1)).isoformat()})
        first = following
    return JsonResponse({"periods": found})


def _range(request: HttpRequest) -> tuple[date, date]:
    start = required_date(request.GET, "from")
    end = required_date(request.GET, "to")
    if start > end:
        raise BadRequest("'from' must be before or equal to 'to'")
    return start, end


def offset_page(request: HttpRequest, items: list[dict[str, Any]]) -> JsonResponse:
    page = page_from_params(request.GET)
    results = items[page.offset : page.offset + page.limit]
    next_url = previous_url = None
    if page.offset + page.limit < len(items):
        next_url = _page_url(request, Page(page.offset + page.limit, page.limit))
    if page.offset > 0:
        previous_url = _page_url(request, Page(max(0, page.offset - page.limit), page.limit))
    return JsonResponse(
        tempo_page(
            results,
            self_url=_page_url(request, page),
            offset=page.offset,
            limit=page.limit,
            next_url=next_url,
            previous_url=previous_url,
        )
    )


def one_page(request: HttpRequest, items: list[dict[str, Any]]) -> JsonResponse:
    return JsonResponse(
        {
            "self": request.build_absolute_uri(request.get_full_path()),
            "metadata": {"count": len(items)},
            "results": items,
        }
    )


def _page_url(request: HttpRequest, page: Page) -> str:
    params = request.GET.copy()
    params["offset"] = str(page.offset)
    params["limit"] = str(page.limit)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
