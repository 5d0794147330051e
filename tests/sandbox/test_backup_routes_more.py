"""More of Tempo's backup routes (API-CONTRACTS.md §1 "Other list routes (backup/export)"):
team memberships, account links, timesheet approvals, the View All Worklogs behaviour, and
the control routes a backup's tests use (`/_sandbox/tempo/approvals`, `/counts`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from sandbox.client import SandboxError
from sandbox.demo import catalog, tempo_lists
from tests.sandbox.clients import TempoApi

pytestmark = pytest.mark.integration

ONE_PAGE = {"self", "metadata", "results"}
MEMBERSHIP_KEYS = {"self", "id", "team", "member", "from", "to", "commitmentPercent", "role"}
LINK_KEYS = {"self", "id", "scope", "account", "default"}
APPROVAL_KEYS = {"self", "user", "period", "requiredSeconds", "timeSpentSeconds", "status"}
WORKERS = {person.account_id for team in catalog.TEAMS.values() for person in team}
ALL_SCOPES = ("worklogs", "teams", "schemes", "plans", "periods", "approvals", "accounts")


def today() -> date:
    return datetime.now(UTC).date()  # the sandbox dates its demo from today in UTC


def months_ago(months: int) -> date:
    return tempo_lists.month_start(today(), months)


@pytest.fixture(scope="module")
def full_demo_token(sandbox) -> str:
    return sandbox.client.mint_token(name="tests: backup, more", full=True)


@pytest.fixture
def demo_tempo(sandbox_clean, full_demo_token):
    api = TempoApi(sandbox_clean, full_demo_token)
    yield api
    api.session.close()


@pytest.fixture
def control(drift_sandbox):
    """The drift sandbox's control client; behaviours are switched off afterwards."""
    yield drift_sandbox.client
    drift_sandbox.client.switch_off()


@pytest.fixture(scope="module")
def drift_tempo(drift_sandbox):
    token = drift_sandbox.client.mint_token(name="tests: backup behaviours", full=True)
    api = TempoApi(drift_sandbox, token)
    yield api
    api.session.close()


def one_page(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ONE_PAGE
    assert body["metadata"] == {"count": len(body["results"])}
    return body["results"]


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


def spent_in(api: TempoApi, account_id: str, first: date) -> int:
    last = tempo_lists.month_end(first)
    response = api.get(
        f"/worklogs/user/{account_id}", limit=5000, **{"from": first, "to": last.isoformat()}
    )
    assert response.status_code == 200 and "next" not in response.json()["metadata"]
    return sum(w["timeSpentSeconds"] for w in response.json()["results"])


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/team-memberships/team/1", "teams"),
        ("/account-links/account/ACME-SUPPORT", "accounts"),
        ("/timesheet-approvals/team/1?from=2026-01-05", "approvals"),
        (f"/timesheet-approvals/user/{catalog.AGNES.account_id}?from=2026-01-05", "approvals"),
        ("/timesheet-approvals/waiting", "approvals"),
    ],
)
def test_token_without_the_scope_is_403(demo_tempo, sandbox, path, scope):
    others = {s: "manage" for s in ALL_SCOPES if s != scope}
    without = sandbox.client.mint_token(scopes=others)
    with_view = sandbox.client.mint_token(scopes={scope: "view"})

    refused = demo_tempo.get(path, token=without)

    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("text/html")
    assert demo_tempo.get(path, token=with_view).status_code == 200


# -- team memberships ---------------------------------------------------------------------


@pytest.mark.parametrize("team", [t[0] for t in tempo_lists.TEAMS])
def test_every_team_has_two_to_four_members_who_log_work(demo_tempo, team):
    memberships = one_page(demo_tempo.get(f"/team-memberships/team/{team}"))

    assert 2 <= len(memberships) <= 4
    assert all(set(m) == MEMBERSHIP_KEYS for m in memberships)
    assert {m["team"]["id"] for m in memberships} == {team}
    assert {m["member"]["accountId"] for m in memberships} <= WORKERS
    roles = {r["id"]: r["name"] for r in tempo_lists.ROLES}
    assert all(roles[m["role"]["id"]] == m["role"]["name"] for m in memberships)
    assert all(m["commitmentPercent"] in (50, 100) for m in memberships)


def test_membership_shape_and_links(demo_tempo):
    memberships = one_page(demo_tempo.get("/team-memberships/team/1"))
    lead = memberships[0]

    assert lead["id"] == 1
    assert lead["self"].endswith("/tempo/4/team-memberships/1")
    assert lead["team"] == {"self": lead["team"]["self"], "id": 1}
    assert lead["team"]["self"].endswith("/tempo/4/teams/1")
    assert lead["member"]["accountId"] == catalog.AGNES.account_id
    assert lead["member"]["self"].endswith(f"/rest/api/2/user?accountId={catalog.AGNES.account_id}")
    assert lead["role"]["name"] == "Team lead" and lead["role"]["self"].endswith("/4/roles/2")
    assert lead["to"] is None
    assert date.fromisoformat(lead["from"]) < months_ago(tempo_lists.APPROVAL_MONTHS)


def test_an_ended_membership_has_a_to_date(demo_tempo):
    memberships = one_page(demo_tempo.get("/team-memberships/team/3"))

    ended = [m for m in memberships if m["to"] is not None]
    assert [m["member"]["accountId"] for m in ended] == [catalog.BRUNO.account_id]
    assert date.fromisoformat(ended[0]["to"]) == months_ago(6) - timedelta(days=1)


def test_memberships_of_an_unknown_team_is_404(demo_tempo):
    assert_json_error(demo_tempo.get("/team-memberships/team/999"), 404)


# -- account links ------------------------------------------------------------------------


def test_customer_accounts_are_linked_to_the_service_desks(demo_tempo):
    desks = {project.id for project in catalog.SERVICE_DESKS}
    for account_id, key, _, _, _, customer in tempo_lists.ACCOUNTS:
        if customer is None:
            continue
        links = one_page(demo_tempo.get(f"/account-links/account/{key}"))
        assert links, key
        assert all(set(link) == LINK_KEYS for link in links)
        assert {link["scope"]["id"] for link in links} <= desks
        assert all(link["scope"]["type"] == "PROJECT" for link in links)
        assert all(link["account"]["key"] == key for link in links)
        assert all(link["account"]["id"] == account_id for link in links)


def test_internal_is_the_software_projects_default(demo_tempo):
    links = one_page(demo_tempo.get("/account-links/account/INTERNAL"))

    assert [(link["scope"]["id"], link["default"]) for link in links] == [(catalog.PLAT.id, True)]
    link = links[0]
    assert link["self"].endswith(f"/tempo/4/account-links/{link['id']}")
    assert link["scope"]["self"].endswith(f"/rest/api/2/project/{catalog.PLAT.id}")
    assert link["account"]["self"].endswith("/tempo/4/accounts/INTERNAL")
    assert isinstance(link["scope"]["id"], int)


def test_each_project_has_one_default_account(demo_tempo):
    defaults = [
        link["scope"]["id"]
        for account in tempo_lists.ACCOUNTS
        for link in one_page(demo_tempo.get(f"/account-links/account/{account[1]}"))
        if link["default"]
    ]

    assert sorted(defaults) == sorted(project.id for project in catalog.PROJECTS)


def test_an_account_without_links_is_an_empty_list_and_an_unknown_key_404(demo_tempo):
    assert one_page(demo_tempo.get("/account-links/account/LEGACY")) == []
    assert_json_error(demo_tempo.get("/account-links/account/NOPE"), 404)


# -- timesheet approvals ------------------------------------------------------------------


def test_team_approvals_one_per_member_with_the_time_spent(demo_tempo):
    first = months_ago(1)

    approvals = one_page(demo_tempo.get("/timesheet-approvals/team/1", **{"from": first}))

    members = [m.person.account_id for m in tempo_lists.MEMBERSHIPS if m.team == 1]
    assert [a["user"]["accountId"] for a in approvals] == members
    for approval in approvals:
        assert set(approval) >= APPROVAL_KEYS
        assert approval["period"] == {
            "from": first.isoformat(),
            "to": tempo_lists.month_end(first).isoformat(),
        }
        assert approval["timeSpentSeconds"] == spent_in(
            demo_tempo, approval["user"]["accountId"], first
        )
        assert approval["requiredSeconds"] > 0
        assert set(approval["status"]) == {"key", "comment", "actor", "updatedAt"}
        assert approval["status"]["key"] in ("OPEN", "IN_REVIEW", "APPROVED")
        datetime.strptime(approval["status"]["updatedAt"], "%Y-%m-%dT%H:%M:%SZ")
    assert sum(a["timeSpentSeconds"] for a in approvals) > 0


def test_any_day_of_the_period_and_a_to_in_the_same_period(demo_tempo):
    first = months_ago(2)
    middle = first + timedelta(days=14)

    by_first = demo_tempo.get("/timesheet-approvals/team/2", **{"from": first}).json()
    by_middle = demo_tempo.get(
        "/timesheet-approvals/team/2",
        **{"from": middle, "to": tempo_lists.month_end(first).isoformat()},
    ).json()

    assert by_first["results"] == by_middle["results"]
    outside = {"from": middle, "to": (tempo_lists.month_end(first) + timedelta(1)).isoformat()}
    assert_json_error(demo_tempo.get("/timesheet-approvals/team/2", **outside), 400)
    before = {"from": middle, "to": first.isoformat()}
    assert_json_error(demo_tempo.get("/timesheet-approvals/team/2", **before), 400)


@pytest.mark.parametrize(
    "path",
    ["/timesheet-approvals/team/1", f"/timesheet-approvals/user/{catalog.AGNES.account_id}"],
)
@pytest.mark.parametrize("params", [{}, {"from": "2026-1-5"}, {"from": "soon"}])
def test_from_is_required(demo_tempo, path, params):
    assert_json_error(demo_tempo.get(path, **params), 400)


def test_unknown_team_or_user_is_404(demo_tempo):
    params = {"from": today().isoformat()}
    assert_json_error(demo_tempo.get("/timesheet-approvals/team/999", **params), 404)
    assert_json_error(demo_tempo.get("/timesheet-approvals/user/nobody", **params), 404)


def test_a_team_lists_who_was_a_member_in_the_period(demo_tempo):
    def members(first: date) -> list[str]:
        answer = demo_tempo.get("/timesheet-approvals/team/3", **{"from": first})
        return [a["user"]["accountId"] for a in one_page(answer)]

    assert catalog.BRUNO.account_id in members(months_ago(8))
    assert catalog.BRUNO.account_id not in members(months_ago(1))


def test_user_approval_is_one_object(demo_tempo):
    first = months_ago(3)

    response = demo_tempo.get(
        f"/timesheet-approvals/user/{catalog.BRUNO.account_id}", **{"from": first}
    )

    assert response.status_code == 200
    approval = response.json()
    assert set(approval) == APPROVAL_KEYS | {"submittedSeconds", "reviewer"}
    assert approval["user"]["accountId"] == catalog.BRUNO.account_id
    assert approval["status"]["key"] == "APPROVED"
    assert approval["reviewer"]["accountId"] == catalog.AGNES.account_id  # his team's lead
    assert approval["status"]["actor"]["accountId"] == catalog.AGNES.account_id
    assert approval["submittedSeconds"] == approval["timeSpentSeconds"]
    assert approval["timeSpentSeconds"] == spent_in(demo_tempo, catalog.BRUNO.account_id, first)
    assert approval["self"].startswith("http")


def status_of(api: TempoApi, person: catalog.Person, first: date) -> dict[str, Any]:
    response = api.get(f"/timesheet-approvals/user/{person.account_id}", **{"from": first})
    assert response.status_code == 200, response.text
    return response.json()["status"]


@pytest.mark.parametrize("months", [2, 5, tempo_lists.APPROVAL_MONTHS])
def test_older_periods_are_approved_except_for_the_admin(demo_tempo, months):
    first = months_ago(months)
    for person in tempo_lists.WORKERS:
        expected = "OPEN" if person == catalog.ADMIN else "APPROVED"
        assert status_of(demo_tempo, person, first)["key"] == expected, person.handle


def test_last_month_is_a_mix_with_one_reopened(demo_tempo):
    first = months_ago(1)
    keys = {p.handle: status_of(demo_tempo, p, first)["key"] for p in tempo_lists.WORKERS}

    assert {keys[p.handle] for p in tempo_lists.LAST_MONTH_IN_REVIEW} == {"IN_REVIEW"}
    assert {keys[p.handle] for p in tempo_lists.LAST_MONTH_APPROVED} == {"APPROVED"}
    reopened = status_of(demo_tempo, catalog.FATIMA, first)
    assert reopened["key"] == "OPEN"  # Tempo has no REOPENED
    assert reopened["comment"] == "Reopened: missing hours"
    assert reopened["actor"]["accountId"] == catalog.ADMIN.account_id  # her reviewer


def test_the_current_month_is_open_for_everyone(demo_tempo):
    for person in tempo_lists.WORKERS:
        status = status_of(demo_tempo, person, today())
        assert status["key"] == "OPEN" and status["comment"] == ""


def test_waiting_lists_the_timesheets_in_review(demo_tempo):
    waiting = one_page(demo_tempo.get("/timesheet-approvals/waiting"))

    assert {a["status"]["key"] for a in waiting} == {"IN_REVIEW"}
    assert {a["user"]["accountId"] for a in waiting} == {
        p.account_id for p in tempo_lists.LAST_MONTH_IN_REVIEW
    }
    assert {a["period"]["from"] for a in waiting} == {months_ago(1).isoformat()}
    assert all(a["submittedSeconds"] == a["timeSpentSeconds"] for a in waiting)


def test_demo_approvals_never_lie_in_the_future():
    rows = tempo_lists.approvals(today())
    now = datetime.now(UTC)

    assert all(row.updated_at < now for row in rows)
    assert all(row.period_from < months_ago(0) for row in rows)
    assert {row.status for row in rows} == {"OPEN", "IN_REVIEW", "APPROVED"}


# -- the control route for approvals (drift sandbox: it changes data) ---------------------


def test_set_a_timesheet_approval(control, drift_tempo):
    first = months_ago(4)
    person = catalog.EMEKA
    try:
        answer = control.set_timesheet_approval(
            person.account_id, (first + timedelta(days=3)).isoformat(), "IN_REVIEW"
        )
        assert answer["period"]["from"] == first.isoformat()
        assert answer["status"] == "IN_REVIEW"
        assert status_of(drift_tempo, person, first)["key"] == "IN_REVIEW"
        waiting = one_page(drift_tempo.get("/timesheet-approvals/waiting"))
        assert (person.account_id, first.isoformat()) in {
            (a["user"]["accountId"], a["period"]["from"]) for a in waiting
        }

        control.set_timesheet_approval(person.account_id, first.isoformat(), "OPEN", "Reopened")
        reopened = status_of(drift_tempo, person, first)
        assert (reopened["key"], reopened["comment"]) == ("OPEN", "Reopened")
        assert reopened["actor"]["accountId"] == catalog.DMITRI.account_id  # the reviewer
    finally:
        control.set_timesheet_approval(person.account_id, first.isoformat(), "APPROVED")
    assert status_of(drift_tempo, person, first)["key"] == "APPROVED"


def test_set_an_approval_for_a_user_without_a_row(control, drift_tempo):
    first = months_ago(0)  # no stored row: OPEN until set
    person = catalog.BRUNO
    try:
        answer = control.set_timesheet_approval(person.account_id, first.isoformat(), "APPROVED")
        # The reviewer is the lead of his team, who is also the one who approved.
        assert answer["reviewer"] == answer["actor"] == catalog.AGNES.account_id
        status = status_of(drift_tempo, person, first)
        assert status["key"] == "APPROVED"
        assert status["actor"]["accountId"] == catalog.AGNES.account_id
    finally:
        control.set_timesheet_approval(person.account_id, first.isoformat(), "OPEN")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("someone", "2026-11-01", "REOPENED"), "'status' must be one of"),
        (("someone", "November", "OPEN"), "'period_from'"),
        (("", "2026-11-01", "OPEN"), "'account_id'"),
    ],
)
def test_set_approval_refuses_bad_input(control, args, words):
    with pytest.raises(SandboxError, match=words):
        control.set_timesheet_approval(*args)


# -- View All Worklogs --------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    assert "next" not in response.json()["metadata"]
    return {w["tempoWorklogId"] for w in response.json()["results"]}


def test_without_view_all_worklogs_a_project_disappears(control, drift_tempo):
    project = f"/worklogs/project/{catalog.ITSD.id}"
    itsd = ids(drift_tempo.get(project, limit=5000))
    every = ids(drift_tempo.get("/worklogs", limit=5000))
    one = min(itsd)
    issue_id = drift_tempo.get(f"/worklogs/{one}").json()["issue"]["id"]
    author = drift_tempo.get(f"/worklogs/{one}").json()["author"]["accountId"]
    assert itsd and itsd < every

    # count=1, yet reading the behaviour never uses it up: it lasts until switched off.
    control.switch_on("tempo_no_view_all_worklogs", "ITSD", count=1)
    for _ in range(2):
        assert ids(drift_tempo.get("/worklogs", limit=5000)) == every - itsd
        refused = drift_tempo.get(project)
        assert refused.status_code == 404
        assert set(refused.json()) == {"errors"} and refused.json()["errors"][0]["message"]
    search = drift_tempo.request(
        "POST", "/worklogs/search?limit=5000", json={"projectIds": [catalog.ITSD.id]}
    )
    assert ids(search) == set()
    assert ids(drift_tempo.get(f"/worklogs/issue/{issue_id}", limit=5000)) == set()
    assert not ids(drift_tempo.get(f"/worklogs/user/{author}", limit=5000)) & itsd
    assert_json_error(drift_tempo.get(f"/worklogs/{one}"), 404)
    assert_json_error(drift_tempo.get(f"/worklogs/{one}/work-attribute-values"), 404)
    assert drift_tempo.get(f"/worklogs/project/{catalog.SUP.id}").status_code == 200

    control.switch_off("tempo_no_view_all_worklogs")
    assert ids(drift_tempo.get("/worklogs", limit=5000)) == every
    assert drift_tempo.get(f"/worklogs/{one}").status_code == 200


def test_view_all_worklogs_target_by_project_id(control, drift_tempo):
    control.switch_on("tempo_no_view_all_worklogs", catalog.PLAT.id, count=None)

    assert_json_error(drift_tempo.get(f"/worklogs/project/{catalog.PLAT.id}"), 404)
    assert ids(drift_tempo.get("/worklogs", projectId=catalog.PLAT.id, limit=5000)) == set()
    assert ids(drift_tempo.get("/worklogs", projectId=catalog.SUP.id, limit=5000))


# -- counts -------------------------------------------------------------------------------


def test_counts_of_every_data_set(demo_tempo, sandbox):
    counts = sandbox.client.tempo_counts()

    assert counts == {
        "worklogs": len(demo_tempo.all_worklogs()),
        "work-attributes": len(tempo_lists.work_attributes()),
        "accounts": len(tempo_lists.ACCOUNTS),
        "customers": len(tempo_lists.CUSTOMERS),
        "account-categories": len(tempo_lists.ACCOUNT_CATEGORIES),
        "account-links": len(tempo_lists.ACCOUNT_LINKS),
        "teams": len(tempo_lists.TEAMS),
        "team-memberships": len(tempo_lists.MEMBERSHIPS),
        "roles": len(tempo_lists.ROLES),
        "holiday-schemes": len(tempo_lists.holiday_schemes()),
        "workload-schemes": len(tempo_lists.workload_schemes()),
        "programs": len(tempo_lists.PROGRAMS),
    }
    assert counts["worklogs"] < 5000  # all_worklogs read them all in one page


def test_counts_without_list_data(tempo_sandbox):
    counts = tempo_sandbox.client.tempo_counts()

    assert counts["worklogs"] == 12  # seed_sandbox's
    assert {n for name, n in counts.items() if name != "worklogs"} == {0}
