"""Tempo's other list routes, the ones a backup reads (API-CONTRACTS.md §1 "Other list
routes (backup/export)"): paging style, required parameters, scopes and the demo's data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sandbox.demo import catalog, tempo_lists
from tests.sandbox.clients import TempoApi

pytestmark = pytest.mark.integration

OFFSET_ROUTES = {
    "/accounts": ("accounts", len(tempo_lists.ACCOUNTS)),
    "/customers": ("accounts", len(tempo_lists.CUSTOMERS)),
    "/teams": ("teams", len(tempo_lists.TEAMS)),
    "/work-attributes": ("worklogs", len(tempo_lists.work_attributes())),
    "/workload-schemes": ("schemes", len(tempo_lists.workload_schemes())),
}
ONE_PAGE_ROUTES = {
    "/holiday-schemes": ("schemes", len(tempo_lists.holiday_schemes())),
    "/roles": ("teams", len(tempo_lists.ROLES)),
    "/account-categories": ("accounts", len(tempo_lists.ACCOUNT_CATEGORIES)),
    "/programs": ("plans", len(tempo_lists.PROGRAMS)),
}
WIDE = {"from": "2000-01-01", "to": "2100-12-31"}


@pytest.fixture(scope="module")
def full_demo_token(sandbox) -> str:
    return sandbox.client.mint_token(name="tests: backup", full=True)


@pytest.fixture
def demo_tempo(sandbox_clean, full_demo_token):
    api = TempoApi(sandbox_clean, full_demo_token)
    yield api
    api.session.close()


def walk(api: TempoApi, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every object of an offset/limit route, following `metadata.next` to the end."""
    response = api.get(path, limit=limit, **params)
    pages, found = 0, []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"self", "metadata", "results"}
        metadata = body["metadata"]
        assert metadata["count"] == len(body["results"]) <= limit
        assert metadata["limit"] == limit
        assert metadata["offset"] == pages * limit
        assert ("previous" in metadata) == (pages > 0)
        found += body["results"]
        pages += 1
        if "next" not in metadata:
            return found
        assert metadata["next"].startswith("http")
        response = api.get(metadata["next"])


@pytest.mark.parametrize("path", OFFSET_ROUTES)
def test_offset_route_pages_to_the_end_in_id_order(demo_tempo, path):
    expected = OFFSET_ROUTES[path][1]

    found = walk(demo_tempo, path, limit=2)

    assert len(found) == expected
    assert found == demo_tempo.get(path).json()["results"]  # default limit 50: one page
    if "id" in found[0]:
        assert [item["id"] for item in found] == sorted(item["id"] for item in found)


@pytest.mark.parametrize("path", [*OFFSET_ROUTES, "/plans"])
def test_default_and_largest_limit(demo_tempo, path):
    params = WIDE if path == "/plans" else {}
    assert demo_tempo.get(path, **params).json()["metadata"]["limit"] == 50
    assert demo_tempo.get(path, limit=9999, **params).json()["metadata"]["limit"] == 5000


@pytest.mark.parametrize("path", ONE_PAGE_ROUTES)
def test_one_page_route_answers_everything_at_once(demo_tempo, path):
    body = demo_tempo.get(path).json()

    assert set(body) == {"self", "metadata", "results"}
    assert body["metadata"] == {"count": ONE_PAGE_ROUTES[path][1]}
    assert len(body["results"]) == ONE_PAGE_ROUTES[path][1]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        *[(path, {}) for path in OFFSET_ROUTES],
        *[(path, {}) for path in ONE_PAGE_ROUTES],
        ("/holiday-schemes/1/holidays", {}),
        ("/plans", WIDE),
        ("/periods", WIDE),
    ],
)
def test_token_without_the_scope_is_403(demo_tempo, sandbox, path, params):
    scope = {**OFFSET_ROUTES, **ONE_PAGE_ROUTES}.get(path, ("schemes",))[0]
    if path in ("/plans", "/periods"):
        scope = path[1:]
    others = [
        s for s in ("worklogs", "teams", "schemes", "plans", "periods", "accounts") if s != scope
    ]
    without = sandbox.client.mint_token(scopes=dict.fromkeys(others, "manage"))
    with_view = sandbox.client.mint_token(scopes={scope: "view"})

    refused = demo_tempo.get(path, token=without, **params)

    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("text/html")
    assert demo_tempo.get(path, token=with_view, **params).status_code == 200


def test_worklogs_view_token_cannot_read_the_other_data_sets(demo_tempo, sandbox):
    token = sandbox.client.mint_token(scopes={"worklogs": "view"})

    assert demo_tempo.get("/work-attributes", token=token).status_code == 200
    for path in ("/accounts", "/customers", "/teams", "/workload-schemes", "/holiday-schemes"):
        assert demo_tempo.get(path, token=token).status_code == 403


def test_accounts_link_customers_and_leads(demo_tempo):
    accounts = demo_tempo.get("/accounts").json()["results"]

    assert {a["status"] for a in accounts} == {"OPEN", "CLOSED", "ARCHIVED"}
    assert accounts[0]["customer"] == {"id": 1, "key": "ACME", "name": "Acme"}
    assert accounts[0]["lead"] == {"accountId": catalog.AGNES.account_id}


def test_teams_have_leads(demo_tempo):
    teams = demo_tempo.get("/teams").json()["results"]

    assert all(set(team) >= {"id", "name", "summary", "lead"} for team in teams)
    assert teams[1]["lead"] == {"accountId": catalog.DMITRI.account_id}


def test_work_attributes_include_the_account_attribute(demo_tempo):
    attributes = demo_tempo.get("/work-attributes").json()["results"]

    account = next(a for a in attributes if a["key"] == "_Account_")
    assert account["type"] == "ACCOUNT"
    assert all(set(a) >= {"key", "name", "type", "required", "values", "names"} for a in attributes)


def test_workload_schemes_have_a_default_and_seven_days(demo_tempo):
    schemes = demo_tempo.get("/workload-schemes").json()["results"]

    assert [s["defaultScheme"] for s in schemes] == [True, False]
    assert all(len(s["days"]) == 7 for s in schemes)
    assert schemes[0]["days"][0] == {"day": "MONDAY", "requiredSeconds": 8 * 3600}


def test_holidays_of_a_year(demo_tempo):
    year = date.today().year

    body = demo_tempo.get("/holiday-schemes/1/holidays", year=year).json()

    assert body["metadata"]["count"] == len(tempo_lists.HOLIDAYS)
    assert body["results"][0] == {
        "date": f"{year}-01-01",
        "durationSeconds": 8 * 3600,
        "name": "New Year's Day",
    }
    assert demo_tempo.get("/holiday-schemes/1/holidays", year=1990).json()["results"] == []


def test_holidays_of_an_unknown_scheme_is_404(demo_tempo):
    response = demo_tempo.get("/holiday-schemes/999/holidays")

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"]


def test_holidays_year_must_be_a_number(demo_tempo):
    assert demo_tempo.get("/holiday-schemes/1/holidays", year="soon").status_code == 400


def test_plans_page_and_filter_by_range(demo_tempo):
    every = walk(demo_tempo, "/plans", limit=5, **WIDE)

    assert len(every) == len(tempo_lists.PLANNED) * 12
    assert all(
        set(p) == {"id", "assignee", "planItem", "startDate", "endDate", "plannedSecondsPerDay"}
        for p in every
    )
    first = min(p["startDate"] for p in every)
    some = demo_tempo.get("/plans", **{"from": first, "to": first}).json()["results"]
    assert len(some) == len(tempo_lists.PLANNED)


@pytest.mark.parametrize("path", ["/plans", "/periods"])
@pytest.mark.parametrize(
    "params",
    [{}, {"from": "2024-01-01"}, {"to": "2024-01-31"}, {"from": "2024-1-1", "to": "2024-01-31"}],
)
def test_from_and_to_are_required(demo_tempo, path, params):
    response = demo_tempo.get(path, **params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_periods_are_monthly(demo_tempo):
    body = demo_tempo.get("/periods", **{"from": "2024-01-15", "to": "2024-03-01"}).json()

    assert body == {
        "periods": [
            {"from": "2024-01-01", "to": "2024-01-31"},
            {"from": "2024-02-01", "to": "2024-02-29"},
            {"from": "2024-03-01", "to": "2024-03-31"},
        ]
    }
