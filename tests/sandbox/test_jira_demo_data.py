"""The demo data `seed_demo` creates (docs/product.md §3), its invariants, and reseeding."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.client import SandboxError
from sandbox.demo import catalog
from sandbox.process import SandboxProcess
from tests.sandbox.clients import JiraApi, TempoApi

pytestmark = pytest.mark.integration

REQUEST_FIELDS = [
    "summary",
    "status",
    "reporter",
    "created",
    "customfield_10026",
    "customfield_10002",
]


@pytest.fixture(scope="module")
def requests_(sandbox):
    """Every JSM request of the demo with the fields the app reads."""
    return JiraApi(sandbox).search_all(
        "project in (ITSD, SUP) ORDER BY id", REQUEST_FIELDS, maxResults=100
    )


@pytest.fixture(scope="module")
def tempo_worklogs(sandbox):
    token = sandbox.client.mint_token(name="tests: demo data", scopes={"worklogs": "view"})
    return TempoApi(sandbox, token).all_worklogs()


def reporter(issue):
    return issue["fields"]["reporter"]["accountId"]


def participants(issue):
    return {user["accountId"] for user in issue["fields"]["customfield_10026"] or []}


def organizations(issue):
    return {org["name"] for org in issue["fields"]["customfield_10002"] or []}


def test_projects_and_organizations_have_fixed_ids(jira):
    desks = jira.ok("/rest/servicedeskapi/servicedesk")["values"]
    orgs = jira.ok("/rest/servicedeskapi/organization")["values"]

    assert [(d["id"], d["projectId"], d["projectKey"]) for d in desks] == [
        (str(catalog.ITSD.service_desk_id), str(catalog.ITSD.id), "ITSD"),
        (str(catalog.SUP.service_desk_id), str(catalog.SUP.id), "SUP"),
    ]
    assert jira.ok("/rest/api/3/project/PLAT")["id"] == str(catalog.PLAT.id)
    assert [(o["id"], o["name"]) for o in orgs] == [
        ("1", "Acme"),
        ("2", "Globex"),
        ("3", "Initech"),
    ]


def test_counts(requests_, tempo_worklogs, jira):
    per_project = Counter(issue["key"].split("-")[0] for issue in requests_)

    assert len(requests_) == 300
    assert min(per_project.values()) > 100
    assert len(tempo_worklogs) == 1200
    assert len(jira.search_all("project = PLAT", maxResults=100)) == 24


def test_demo_customers_and_their_organizations(jira):
    acme = {
        u["emailAddress"]: u for u in jira.jsm_values("/rest/servicedeskapi/organization/1/user")
    }
    globex = {
        u["emailAddress"]: u for u in jira.jsm_values("/rest/servicedeskapi/organization/2/user")
    }

    assert acme["alice@acme.example"]["displayName"] == "Alice Anders"
    assert acme["alice@acme.example"]["accountId"] == catalog.ALICE.account_id
    assert acme["bob@acme.example"]["displayName"] == "Bob Baker"
    assert acme["bob@acme.example"]["accountId"] == catalog.BOB.account_id
    assert globex["carol@globex.example"]["displayName"] == "Carol Chen"
    assert globex["carol@globex.example"]["accountId"] == catalog.CAROL.account_id
    assert None in globex  # one customer hides her e-mail address
    assert acme["ivan@acme.example"]["active"] is False


def test_about_twenty_more_customers_some_without_organization(jira):
    customers = jira.jsm_values(
        "/rest/servicedeskapi/servicedesk/1/customer", headers={"X-ExperimentalApi": "opt-in"}
    )
    members = {
        user["accountId"]
        for org in ("1", "2", "3")
        for user in jira.jsm_values(f"/rest/servicedeskapi/organization/{org}/user")
    }

    assert 20 <= len(customers) <= 25
    assert len({c["accountId"] for c in customers} - members) >= 2


def test_alice_bob_and_carol_report_in_both_service_desks(requests_):
    for person in (catalog.ALICE, catalog.BOB, catalog.CAROL):
        desks = {
            issue["key"].split("-")[0]
            for issue in requests_
            if reporter(issue) == person.account_id
        }
        assert desks == {"ITSD", "SUP"}, person.display_name


def test_alice_never_takes_part_in_carols_requests(requests_):
    carols = [issue for issue in requests_ if reporter(issue) == catalog.CAROL.account_id]

    assert carols
    assert not any(catalog.ALICE.account_id in participants(issue) for issue in carols)
    assert not any("Acme" in organizations(issue) for issue in carols)


def test_bob_takes_part_in_some_of_alices_requests(requests_):
    alices = [issue for issue in requests_ if reporter(issue) == catalog.ALICE.account_id]

    with_bob = [issue for issue in alices if catalog.BOB.account_id in participants(issue)]
    assert 0 < len(with_bob) < len(alices)


def test_some_requests_are_shared_with_the_reporters_organization_and_some_not(requests_):
    shared = [issue for issue in requests_ if organizations(issue)]

    assert 0.3 < len(shared) / len(requests_) < 0.9
    assert any(
        "Acme" in organizations(issue) and reporter(issue) == catalog.ALICE.account_id
        for issue in shared
    )


def test_requests_spread_over_thirteen_months_with_realistic_statuses(requests_):
    created = [
        datetime.strptime(i["fields"]["created"], "%Y-%m-%dT%H:%M:%S.%f%z") for i in requests_
    ]
    now = datetime.now(UTC)
    statuses = Counter(i["fields"]["status"]["statusCategory"]["key"] for i in requests_)

    assert now - timedelta(days=400) < min(created) < now - timedelta(days=360)
    assert max(created) < now
    assert len({(moment.year, moment.month) for moment in created}) >= 13
    assert statuses["done"] > statuses["new"] + statuses["indeterminate"] > 0
    assert len({i["fields"]["summary"] for i in requests_}) > 50


def test_tempo_worklogs_belong_to_jira_issues_and_agents(tempo_worklogs, requests_, jira):
    known = {int(issue["id"]) for issue in requests_}
    known |= {int(i["id"]) for i in jira.search_all("project = PLAT", maxResults=100)}
    agents = {agent.account_id for agent in catalog.AGENTS}

    assert {w["issue"]["id"] for w in tempo_worklogs} <= known
    assert {w["author"]["accountId"] for w in tempo_worklogs} <= agents
    assert len({w["author"]["accountId"] for w in tempo_worklogs}) >= 5


def test_tempo_worklogs_vary_like_real_ones(tempo_worklogs, requests_):
    spent = [w["timeSpentSeconds"] for w in tempo_worklogs]
    billable = Counter(
        "all"
        if w["billableSeconds"] == w["timeSpentSeconds"]
        else "none"
        if w["billableSeconds"] == 0
        else "some"
        for w in tempo_worklogs
    )
    worked = Counter(w["issue"]["id"] for w in tempo_worklogs)

    assert min(spent) == 15 * 60 and max(spent) == 4 * 3600
    assert billable["all"] > billable["some"] > 0 and billable["none"] > 0
    assert all(w["billableSeconds"] <= w["timeSpentSeconds"] for w in tempo_worklogs)
    assert sum(1 for w in tempo_worklogs if w["description"]) > 0.9 * len(tempo_worklogs)
    assert all(w["updatedAt"] >= w["createdAt"] for w in tempo_worklogs)
    assert any(w["updatedAt"] > w["createdAt"] for w in tempo_worklogs)
    assert sum(1 for issue in requests_ if int(issue["id"]) in worked) > 0.75 * len(requests_)
    assert sorted(worked.values())[len(worked) // 2] >= 3  # several per request


def test_a_few_worklogs_are_in_jira_only(jira, tempo_worklogs):
    jira_total = 0
    url = "/rest/api/3/worklog/updated"
    while url:
        page = jira.ok(url)
        jira_total += len(page["values"])
        url = page.get("nextPage")

    assert 0 < jira_total - len(tempo_worklogs) < 0.05 * len(tempo_worklogs)


def snapshot(process: SandboxProcess) -> dict[str, object]:
    """Every id the demo hands out, and what hangs on them."""
    jira = JiraApi(process)
    token = process.client.mint_token(name="tests: snapshot", scopes={"worklogs": "view"})
    issues = jira.search_all(
        "project in (ITSD, SUP, PLAT) ORDER BY id", REQUEST_FIELDS, maxResults=100
    )
    # Without links: they name the sandbox's own port.
    return {
        "desks": [
            (d["id"], d["projectId"], d["projectKey"], d["projectName"])
            for d in jira.ok("/rest/servicedeskapi/servicedesk")["values"]
        ],
        "members": [
            [
                (u["accountId"], u["emailAddress"], u["displayName"], u["active"])
                for u in jira.jsm_values(f"/rest/servicedeskapi/organization/{org}/user")
            ]
            for org in (1, 2, 3)
        ],
        "issues": [
            (
                i["id"],
                i["key"],
                i["fields"]["summary"],
                reporter(i),
                sorted(participants(i)),
                sorted(organizations(i)),
            )
            for i in issues
        ],
        "tempo": [
            (w["tempoWorklogId"], w["issue"]["id"]) for w in TempoApi(process, token).all_worklogs()
        ],
    }


def test_reseeding_gives_the_same_ids_and_undoes_drift(sandbox, drift_sandbox):
    """The shared sandbox was seeded apart from the drift one: both must hold the same."""
    created = drift_sandbox.client.create_request("ITSD", "Drift", catalog.ALICE.email)
    drift_sandbox.client.create_tempo_worklog(created["key"], 900)

    output = drift_sandbox.manage("seed_demo")

    assert snapshot(drift_sandbox) == snapshot(sandbox)
    assert "300 requests" in output and "1200 Tempo worklogs" in output


@pytest.fixture(scope="module")
def benchmark_sandbox(tmp_path_factory):
    """A sandbox seeded at the benchmark's size, and how long starting it took."""
    started = time.monotonic()
    process = SandboxProcess(tmp_path_factory.mktemp("benchmark-sandbox"), scale=True).start()
    yield process, time.monotonic() - started
    process.stop()


def test_benchmark_scale(benchmark_sandbox, capsys):
    process, elapsed = benchmark_sandbox
    token = process.client.mint_token(name="tests: scale", scopes={"worklogs": "view"})
    tempo = TempoApi(process, token)

    # Counting through the last pages: the 50,000th worklog exists, a 50,001st does not.
    last = tempo.get("/worklogs", offset=49_999, limit=5000).json()["metadata"]
    beyond = tempo.get("/worklogs", offset=50_000).json()["metadata"]
    sample = tempo.get("/worklogs", limit=500).json()["results"]
    requests = JiraApi(process).search_all("project in (ITSD, SUP)", ["key"], maxResults=5000)

    seeded = next(line for line in process.log_path.read_text().splitlines() if "Seeded" in line)
    with capsys.disabled():
        print(f"\n[seed_demo --scale] start-up with seeding {elapsed:.1f} s; {seeded}")
    assert (last["count"], "next" in last, beyond["count"]) == (1, False, 0)
    assert len(requests) == 2000
    accounts = Counter(value["value"] for w in sample for value in w["attributes"]["values"])
    assert accounts["ACME"] > len(sample) / 2


def test_any_size_of_the_benchmarks_shape(benchmark_sandbox):
    process, _ = benchmark_sandbox

    output = process.manage("seed_demo", "--requests", "30", "--worklogs", "250")

    assert "30 requests" in output and "250 Tempo worklogs" in output
    assert len(JiraApi(process).search_all("project in (ITSD, SUP)", maxResults=5000)) == 30
    with pytest.raises(SandboxError, match="not both"):
        process.manage("seed_demo", "--scale", "--requests", "30", "--worklogs", "250")
