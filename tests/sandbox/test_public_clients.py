"""The sandbox driven by public client libraries that nobody here wrote (issue 14).

The sandbox answers as Atlassian's and Tempo's public API documents say. Our own clients
were written against the same reading of those documents, so they cannot tell a shared
misreading from the truth; two widely used libraries can. They are the referee here:

- `atlassian-python-api` >= 5.0 (`Jira` with `cloud=True`, `ServiceDesk`, and 5.x's
  `JiraServiceManagement`; checked with 5.0.5), with its own paging
  (`enhanced_jql_get_list_of_tickets` follows `nextPageToken`, `projects` follows
  `nextPage`, `get_service_desks` follows `start`). Before 4.0.7 its `jql()` still called
  the removed search on Cloud;
- `tempo-api-python-client` >= 0.12 (`tempoapiclient.client_v4.Tempo`), which pages by
  following `metadata.next`.

Both are test-only (`pip install -e ".[dev]"`). Every call must complete, and what the
libraries count must equal the sandbox's own data, read straight from its database
(`facts`). The tests named `test_deviation_<n>_...` pin the nine answers issue 14 found
different from the real services. Links are followed only once they point back at the
sandbox, and every session ignores proxy settings: nothing leaves the loopback interface.

The legacy `Jira` client speaks REST v2 unless told otherwise; a Cloud integration (the
app, the sandbox) uses v3, so it is built with `api_version=3`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from atlassian import Jira, ServiceDesk
from atlassian.jira import JiraServiceManagement
from atlassian.rest_client import AtlassianRestAPI
from requests import HTTPError
from tempoapiclient.client_v4 import Tempo
from tempoapiclient.rest_client import RestAPIClient

from sandbox.demo import catalog
from sandbox.jira.paging import EPOCH_MS_MAX
from sandbox.process import SandboxProcess

pytestmark = pytest.mark.integration

# Wider than any demo worklog: the Tempo client always sends `from` and `to`. (The demo's
# dates are relative to the day it was seeded, so narrower windows come from `facts`.)
EVER = ("2000-01-01", "2099-12-31")
NOTHING_LOGGED = ("2001-01-01", "2001-12-31")
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
MIGRATION = "https://developer.atlassian.com/changelog/#CHANGE-2046"

# Runs inside the sandbox (`manage.py shell`): what its database holds, as JSON.
FACTS = """
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sandbox.jira.models import Issue, JiraWorklog, Organization, Project
from sandbox.tempo.models import Worklog

now = timezone.now()
today = now.date()
window = (today - timedelta(days=240), today - timedelta(days=150))
recent_day = today - timedelta(days=20)
tempo = list(Worklog.objects.values_list("project_id", "issue_id", "author_account_id"))
logged = {issue for _, issue, _ in tempo}
per_issue = Counter(issue for _, issue, _ in tempo)
busiest_issue = max(sorted(per_issue), key=per_issue.__getitem__)
quiet = Issue.objects.exclude(pk__in=logged).filter(project__key="SUP").order_by("pk").first()
itsd = Issue.objects.filter(project__key="ITSD")
members = Organization.members.through.objects
participations = Counter(
    Issue.participants.through.objects.filter(issue__project__key="ITSD").values_list(
        "jirauser_id", flat=True
    )
)
participant = max(sorted(participations), key=participations.__getitem__)
shared = Counter(
    Issue.participants.through.objects.values_list("issue__key", flat=True)
)
crowded = max(sorted(shared), key=shared.__getitem__)
acme = Organization.objects.get(name="Acme")
in_window = Worklog.objects.filter(start_date__gte=window[0], start_date__lte=window[1])
visible = now - timedelta(seconds=settings.SANDBOX_JIRA_WORKLOG_CHANGES_DELAY)
print(json.dumps({
    "tempo_total": len(tempo),
    "tempo_window": [window[0].isoformat(), window[1].isoformat(), in_window.count()],
    "tempo_by_project": Counter(str(project) for project, _, _ in tempo),
    "tempo_by_author": Counter(author for _, _, author in tempo),
    "busiest_issue": [busiest_issue, per_issue[busiest_issue]],
    "quiet_issue": [quiet.pk, quiet.key],
    "projects": sorted(Project.objects.values_list("key", flat=True)),
    "issues_by_project": Counter(Issue.objects.values_list("project__key", flat=True)),
    "service_desks": Project.objects.exclude(service_desk_id=None).count(),
    "organizations": Organization.objects.count(),
    "acme_members": members.filter(organization_id=acme.pk).count(),
    "desk_1_customers": Project.objects.get(service_desk_id=1).customers.count(),
    "crowded_request": [crowded, shared[crowded]],
    "itsd_1_jira_worklogs": JiraWorklog.objects.filter(issue__key="ITSD-1").count(),
    "jira_worklogs_visible": JiraWorklog.objects.filter(updated__lt=visible).count(),
    "updated_since_recent_day": [
        recent_day.isoformat(),
        Issue.objects.filter(
            updated__gte=datetime.combine(recent_day, datetime.min.time(), tzinfo=UTC)
        ).count(),
    ],
    "itsd_waiting_for_support": itsd.filter(status_id="10001").count(),
    "itsd_updated_last_30_days": itsd.filter(updated__gte=now - timedelta(days=30)).count(),
    "itsd_reported_by_alice": itsd.filter(reporter__email="alice@acme.example").count(),
    "itsd_shared_with_acme": itsd.filter(organizations=acme).count(),
    "itsd_participant": [participant, participations[participant]],
}))
"""


# -- fixtures -----------------------------------------------------------------------------


def _local(session: requests.Session) -> requests.Session:
    """Never a proxy from the environment: the sandbox is on 127.0.0.1."""
    session.trust_env = False
    return session


@pytest.fixture(scope="module")
def facts(sandbox: SandboxProcess) -> dict[str, Any]:
    """The demo sandbox's data, read from its database rather than through its API."""
    output = sandbox.manage("shell", "-c", FACTS)
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def tempo_token(sandbox: SandboxProcess) -> str:
    return sandbox.client.mint_token(name="tests: public clients", full=True)


@pytest.fixture
def tempo(sandbox_clean: SandboxProcess, tempo_token: str) -> Iterator[Callable[..., Tempo]]:
    """`tempo(limit=n)`: the library's client on the demo sandbox, `n` worklogs a page."""
    clients: list[Tempo] = []

    def make(limit: int = 5000) -> Tempo:
        client = Tempo(auth_token=tempo_token, base_url=f"{sandbox_clean.tempo_url}/4", limit=limit)
        _local(client._session)  # the library takes no session and no proxy setting
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _jira(sandbox: SandboxProcess, **options: Any) -> Jira:
    options = {"cloud": True, "api_version": 3, **options}
    return Jira(
        sandbox.jira_url,
        username=sandbox.jira_email,
        password=sandbox.jira_api_token,
        session=_local(requests.Session()),
        **options,
    )


@pytest.fixture
def jira(sandbox_clean: SandboxProcess) -> Iterator[Jira]:
    client = _jira(sandbox_clean)
    yield client
    client.close()


@pytest.fixture
def service_desk(sandbox_clean: SandboxProcess) -> Iterator[ServiceDesk]:
    client = ServiceDesk(
        sandbox_clean.jira_url,
        username=sandbox_clean.jira_email,
        password=sandbox_clean.jira_api_token,
        cloud=True,
        session=_local(requests.Session()),
    )
    yield client
    client.close()


def follow(client: AtlassianRestAPI | RestAPIClient, sandbox: SandboxProcess, link: str) -> Any:
    """GET a link the sandbox handed out, through the library's own HTTP layer.

    It must point back at the sandbox: a link elsewhere is a deviation, and is not called.
    """
    assert link.startswith(f"{sandbox.url}/"), f"{link} leaves the sandbox ({sandbox.url})"
    if isinstance(client, RestAPIClient):
        return RestAPIClient.get(client, link)  # Tempo's get() would prefix its base URL
    return client.get(link, absolute=True)


def jsm_all(service_desk: ServiceDesk, path: str, limit: int, **params: Any) -> list[Any]:
    """Every value of a JSM list, a page of `limit` at a time (start/limit, as documented)."""
    values: list[Any] = []
    pages = 0
    while True:
        page = service_desk.get(
            path,
            params={**params, "start": len(values), "limit": limit},
            headers=service_desk.experimental_headers,
        )
        values += page["values"]
        pages += 1
        if page["isLastPage"]:
            return values
        assert pages < 100, "the list never ends"


def tempo_ids(worklogs: list[dict[str, Any]]) -> list[int]:
    ids = [worklog["tempoWorklogId"] for worklog in worklogs]
    assert len(set(ids)) == len(ids), "a worklog came twice across the pages"
    return ids


# -- Tempo: worklogs by project, issue, user and date, several pages each ------------------


def test_tempo_worklogs_of_a_project_across_pages(tempo, facts):
    client = tempo(limit=100)

    worklogs = client.get_worklogs(*EVER, projectId=catalog.ITSD.id)

    assert facts["tempo_by_project"][str(catalog.ITSD.id)] > 300  # several pages of 100
    assert len(tempo_ids(worklogs)) == facts["tempo_by_project"][str(catalog.ITSD.id)]


def test_tempo_worklogs_of_an_issue_across_pages(tempo, facts):
    issue_id, count = facts["busiest_issue"]

    worklogs = tempo(limit=3).get_worklogs(*EVER, issueId=issue_id)

    assert count > 6
    assert len(tempo_ids(worklogs)) == count
    assert {worklog["issue"]["id"] for worklog in worklogs} == {issue_id}


def test_tempo_worklogs_of_a_user_across_pages(tempo, facts):
    account = catalog.AGNES.account_id

    worklogs = tempo(limit=40).get_worklogs(*EVER, accountId=account)

    assert facts["tempo_by_author"][account] > 80
    assert len(tempo_ids(worklogs)) == facts["tempo_by_author"][account]
    assert {worklog["author"]["accountId"] for worklog in worklogs} == {account}


def test_tempo_every_worklog_across_pages(tempo, facts):
    worklogs = tempo(limit=250).get_worklogs(*EVER)

    assert facts["tempo_total"] > 750
    assert len(tempo_ids(worklogs)) == facts["tempo_total"]


def test_tempo_worklogs_in_a_date_range_across_pages(tempo, facts):
    first, last, count = facts["tempo_window"]

    worklogs = tempo(limit=50).get_worklogs(first, last)

    assert count > 100
    assert len(tempo_ids(worklogs)) == count
    assert all(first <= worklog["startDate"] <= last for worklog in worklogs)


def test_tempo_search_answers_one_page_as_asked(tempo):
    """POST /4/worklogs/search: the library sends offset/limit in the query string."""
    page = tempo().search_worklogs(*EVER, projectIds=[catalog.SUP.id], offset=0, limit=20)

    assert page["metadata"]["count"] == len(page["results"]) == 20
    assert "next" in page["metadata"]


# -- deviation 1: an existing parent without worklogs is an empty page, not a 404 -----------


def test_deviation_1_issue_without_tempo_worklogs_is_an_empty_list(tempo, facts):
    issue_id, key = facts["quiet_issue"]

    assert tempo().get_worklogs(*EVER, issueId=issue_id) == [], key


def test_deviation_1_user_without_tempo_worklogs_is_an_empty_list(tempo, facts):
    """Alice is a Jira user (a customer) who never logged time in Tempo."""
    assert catalog.ALICE.account_id not in facts["tempo_by_author"]

    assert tempo().get_worklogs(*EVER, accountId=catalog.ALICE.account_id) == []


def test_deviation_1_unknown_issue_is_still_missing(tempo):
    """The other side of item 1: an issue Jira does not have stays a 404, which this
    library reports by raising SystemExit."""
    with pytest.raises(SystemExit, match="404"):
        tempo().get_worklogs(*EVER, issueId=424242)


@pytest.mark.parametrize(
    "parent",
    [
        {"projectId": catalog.SUP.id},
        {"issueId": catalog.FIRST_ISSUE_ID},
        {"accountId": catalog.AGNES.account_id},
    ],
    ids=["project", "issue", "user"],
)
def test_deviation_1_parent_with_nothing_in_the_dates_is_an_empty_list(tempo, parent):
    assert tempo().get_worklogs(*NOTHING_LOGGED, **parent) == []


# -- Jira platform REST v3 through `Jira(cloud=True)` ----------------------------------------


def test_deviation_6_myself_is_the_api_account(jira, sandbox):
    me = jira.myself()

    assert me["accountId"] == catalog.ADMIN.account_id
    assert me["emailAddress"] == sandbox.jira_email
    assert me["accountType"] == "atlassian" and me["active"] is True


def test_deviation_6_server_info_says_cloud(jira, sandbox):
    info = jira.get_server_info()

    assert info["deploymentType"] == "Cloud"
    assert info["baseUrl"] == sandbox.jira_url
    assert info["versionNumbers"][0] >= 1000


def test_projects_are_the_sandboxs(jira, facts):
    assert sorted(project["key"] for project in jira.projects()) == facts["projects"]


def test_enhanced_search_pages_with_next_page_token(jira, facts):
    """The library's loop: `nextPageToken` until it is absent (50 a page by default)."""
    issues = jira.enhanced_jql_get_list_of_tickets("project = ITSD ORDER BY id", fields="summary")

    assert facts["issues_by_project"]["ITSD"] > 100
    assert len({issue["id"] for issue in issues}) == facts["issues_by_project"]["ITSD"]


def test_enhanced_search_pages_by_hand(jira, facts):
    keys: list[str] = []
    token = None
    pages = 0
    while True:
        page = jira.enhanced_jql(
            "project = SUP", fields=["summary", "status"], nextPageToken=token, limit=25
        )
        keys += [issue["key"] for issue in page["issues"]]
        pages += 1
        token = page.get("nextPageToken")
        assert page["isLast"] is (token is None)
        if token is None:
            break

    assert pages > 3
    assert len(set(keys)) == len(keys) == facts["issues_by_project"]["SUP"]


def test_jql_method_uses_enhanced_search_on_cloud(jira):
    """With `cloud=True`, the library's old `jql()` goes to search/jql, never to /search."""
    page = jira.jql("project = ITSD", fields="summary", limit=5)

    assert len(page["issues"]) == 5 and page["nextPageToken"]


def test_issue_by_key_and_by_id(jira):
    by_key = jira.issue("ITSD-1")
    by_id = jira.get_issue(by_key["id"], fields=["summary", "status"])

    assert by_key["key"] == by_id["key"] == "ITSD-1"
    assert by_id["fields"]["summary"] == by_key["fields"]["summary"]
    assert set(by_id["fields"]) == {"summary", "status"}


def test_issue_worklogs_count(jira, facts):
    page = jira.issue_get_worklog("ITSD-1")

    assert page["total"] == len(page["worklogs"]) == facts["itsd_1_jira_worklogs"] > 0


def test_deviation_3_updated_worklogs_have_integer_ids_across_pages(jira, facts):
    """`worklog/updated` (1,000 a page; `nextPage` followed): `worklogId` is an int64."""
    page = jira.get_updated_worklogs(since=None)
    values = list(page["values"])
    while not page["lastPage"]:
        page = jira.get(page["nextPage"], absolute=True)
        values += page["values"]

    ids = [value["worklogId"] for value in values]
    assert {type(worklog_id) for worklog_id in ids} == {int}
    assert facts["jira_worklogs_visible"] > 1000  # two pages at least
    assert len(set(ids)) == len(ids) == facts["jira_worklogs_visible"]


def test_deviation_3_deleted_worklogs_have_integer_ids(drift_sandbox):
    """On the drift sandbox (no one-minute delay): log time in Jira, delete it, list it."""
    client = _jira(drift_sandbox)
    since = time.time() - 5  # the library takes seconds and sends milliseconds
    created = drift_sandbox.client.create_jira_worklog("SUP-2", 900)
    drift_sandbox.client.delete_jira_worklog(created["id"])

    deleted = client.get_deleted_worklogs(since=since)["values"]
    client.close()

    assert {type(value["worklogId"]) for value in deleted} == {int}
    assert int(created["id"]) in [value["worklogId"] for value in deleted]


def test_deviation_4_extreme_since_is_a_400_in_jiras_body(jira):
    with pytest.raises(HTTPError) as raised:
        jira.get_updated_worklogs(since=EPOCH_MS_MAX)  # seconds: a thousand times too far

    assert raised.value.response.status_code == 400
    assert "'since' parameter must be a whole number" in str(raised.value)


def test_deviation_4_extreme_started_after_is_a_400_in_jiras_body(jira):
    with pytest.raises(HTTPError) as raised:
        jira.get(
            jira.resource_url("issue/ITSD-1/worklog"), params={"startedAfter": EPOCH_MS_MAX + 1}
        )

    assert raised.value.response.status_code == 400
    assert "'startedAfter' parameter must be a whole number" in str(raised.value)


@pytest.mark.parametrize(
    ("path", "name"),
    [("project/search", "startAt"), ("issue/ITSD-1/worklog", "maxResults")],
)
def test_deviation_9_non_numeric_paging_is_a_400_in_jiras_body(jira, path, name):
    with pytest.raises(HTTPError) as raised:
        jira.get(jira.resource_url(path), params={name: "ten"})

    assert raised.value.response.status_code == 400
    assert f"'{name}' parameter must be a whole number" in str(raised.value)


def test_deviation_9_non_numeric_jsm_paging_is_a_400_in_jsms_body(service_desk):
    with pytest.raises(HTTPError) as raised:
        service_desk.get(
            "rest/servicedeskapi/organization",
            params={"start": "first"},
            headers=service_desk.experimental_headers,
        )

    assert raised.value.response.status_code == 400
    assert "'start' parameter must be a whole number" in str(raised.value)


@pytest.mark.parametrize("api_version", [2, 3])
def test_deviation_7_removed_search_is_410_with_the_migration_message(sandbox_clean, api_version):
    """Without `cloud=True` the library's `jql()` still calls GET /rest/api/{2,3}/search, as
    its releases before 4.0 did on Cloud: Jira Cloud answers 410 Gone, and so does the
    sandbox, with Atlassian's message, which surfaces as the library's HTTPError."""
    client = _jira(sandbox_clean, cloud=False, api_version=api_version)

    with pytest.raises(HTTPError) as raised:
        client.jql("project = ITSD")
    client.close()

    assert raised.value.response.status_code == 410
    assert raised.value.response.url.split("?")[0].endswith(f"/rest/api/{api_version}/search")
    assert f"Please migrate to the /rest/api/{api_version}/search/jql API" in str(raised.value)
    assert MIGRATION in str(raised.value)


# -- deviation 2: bounded JQL as Jira Cloud reads it ----------------------------------------


def search_all(jira: Jira, jql: str, fields: str = "summary") -> list[dict[str, Any]]:
    issues = jira.enhanced_jql_get_list_of_tickets(jql, fields=fields)
    assert len({issue["id"] for issue in issues}) == len(issues)
    return issues


def test_deviation_2_an_updated_clause_alone_is_bounded(jira, facts):
    """As `updated >= "2026-11-01"` in the issue: a date clause alone restricts the search."""
    day, count = facts["updated_since_recent_day"]

    issues = search_all(jira, f'updated >= "{day}"')

    assert len(issues) == count > 0


def test_deviation_2_no_clause_at_all_is_still_unbounded(jira):
    with pytest.raises(HTTPError) as raised:
        jira.enhanced_jql("ORDER BY created DESC", fields="summary")

    assert raised.value.response.status_code == 400
    assert str(raised.value) == UNBOUNDED


def test_deviation_2_status(jira, facts):
    issues = search_all(jira, 'project = ITSD AND status = "Waiting for support"', "status")

    assert len(issues) == facts["itsd_waiting_for_support"] > 0
    assert {issue["fields"]["status"]["name"] for issue in issues} == {"Waiting for support"}


def test_deviation_2_relative_date(jira, facts):
    issues = search_all(jira, "project = ITSD AND updated >= -30d")

    assert len(issues) == facts["itsd_updated_last_30_days"] > 0


def test_deviation_2_issuetype(jira):
    """The type the sandbox gives SUP-1 finds SUP-1, and exactly the SUP requests of it."""
    name = jira.issue("SUP-1", fields="issuetype")["fields"]["issuetype"]["name"]
    everything = search_all(jira, "project = SUP", "issuetype")
    expected = [
        issue["key"] for issue in everything if issue["fields"]["issuetype"]["name"] == name
    ]

    issues = search_all(jira, f'project = SUP AND issuetype = "{name}"')

    assert "SUP-1" in expected
    assert sorted(issue["key"] for issue in issues) == sorted(expected)


def test_deviation_2_reporter(jira, facts):
    issues = search_all(jira, f'project = ITSD AND reporter = "{catalog.ALICE.account_id}"')

    assert len(issues) == facts["itsd_reported_by_alice"] > 0


def test_deviation_2_organizations(jira, facts):
    issues = search_all(jira, 'project = ITSD AND organizations = "Acme"')

    assert len(issues) == facts["itsd_shared_with_acme"] > 0


def test_deviation_2_request_participants(jira, facts):
    account, count = facts["itsd_participant"]

    issues = search_all(jira, f'project = ITSD AND "Request participants" = "{account}"')

    assert len(issues) == count > 0


def test_deviation_2_order_by(jira, facts):
    issues = search_all(jira, "project = ITSD ORDER BY updated DESC", "updated")

    updated = [issue["fields"]["updated"] for issue in issues]
    assert len(updated) == facts["issues_by_project"]["ITSD"]
    assert updated == sorted(updated, reverse=True)


# -- JSM through `ServiceDesk` ----------------------------------------------------------------


def test_service_desks_across_pages(service_desk, facts):
    desks = service_desk.get_service_desks(limit=1)  # the library follows `start`

    assert [desk["projectKey"] for desk in desks] == ["ITSD", "SUP"]
    assert len(desks) == facts["service_desks"]


def test_organizations_across_pages(service_desk, facts):
    first = service_desk.get_organisations(start=0, limit=1)
    everything = jsm_all(service_desk, "rest/servicedeskapi/organization", limit=1)

    assert first["values"] == everything[:1] and first["isLastPage"] is False
    assert len(everything) == facts["organizations"]


def test_organizations_of_a_user(service_desk):
    orgs = jsm_all(
        service_desk,
        "rest/servicedeskapi/organization",
        limit=50,
        accountId=catalog.JONAS.account_id,
    )

    assert [org["name"] for org in orgs] == ["Acme", "Initech"]


def test_deviation_8_service_desk_organizations_honour_account_id(service_desk):
    """Every demo organization is on desk 1; Jonas is in Acme and Initech, Quinn in none."""
    path = "rest/servicedeskapi/servicedesk/1/organization"
    everyone = jsm_all(service_desk, path, limit=2)
    jonas = jsm_all(service_desk, path, limit=50, accountId=catalog.JONAS.account_id)
    quinn_id = next(p.account_id for p in catalog.CUSTOMERS if p.handle.startswith("quinn@"))
    quinn = jsm_all(service_desk, path, limit=50, accountId=quinn_id)

    assert [org["name"] for org in everyone] == ["Acme", "Globex", "Initech"]
    assert [org["name"] for org in jonas] == ["Acme", "Initech"]
    assert quinn == []


def test_organization_users_across_pages(service_desk, facts):
    first = service_desk.get_users_in_organization(catalog.ACME.id, start=0, limit=4)
    members = jsm_all(service_desk, f"rest/servicedeskapi/organization/{catalog.ACME.id}/user", 4)

    assert first["values"] == members[:4]
    assert len({user["accountId"] for user in members}) == facts["acme_members"] > 4


def test_customers_with_the_libraries_opt_in_header(service_desk, facts):
    """`ServiceDesk` sends `X-ExperimentalApi: opt-in` on every call; the sandbox asks for it
    on the (experimental) customer list."""
    assert service_desk.experimental_headers["X-ExperimentalApi"] == "opt-in"
    first = service_desk.get_customers(1, start=0, limit=5)
    customers = jsm_all(service_desk, "rest/servicedeskapi/servicedesk/1/customer", 5)

    assert first["values"] == customers[:5]
    assert len({user["accountId"] for user in customers}) == facts["desk_1_customers"] > 5


def test_newer_jsm_client_needs_the_opt_in_header_passed(sandbox_clean, facts):
    """`JiraServiceManagement` (5.x) sends no opt-in header of its own: without one the
    sandbox refuses the customer list (400, as it assumes JSM does); given one, it lists."""
    client = JiraServiceManagement(
        sandbox_clean.jira_url,
        username=sandbox_clean.jira_email,
        password=sandbox_clean.jira_api_token,
        session=_local(requests.Session()),
    )

    with pytest.raises(HTTPError) as raised:
        client.get_customers(1)
    page = client.get_customers(1, limit=50, headers=client.experimental_headers)
    client.close()

    assert raised.value.response.status_code == 400
    assert "X-ExperimentalApi: opt-in" in raised.value.response.json()["errorMessage"]
    assert page["size"] == min(50, facts["desk_1_customers"])


def test_request_participants_across_pages(service_desk, facts):
    key, count = facts["crowded_request"]

    first = service_desk.get_request_participants(key, start=0, limit=1)
    participants = jsm_all(service_desk, f"rest/servicedeskapi/request/{key}/participant", 1)

    assert count > 1
    assert first == participants[:1]
    assert len({user["accountId"] for user in participants}) == count


def test_request_by_key(service_desk, jira):
    request = service_desk.get_customer_request("ITSD-1")
    issue = jira.issue("ITSD-1", fields="summary")

    assert request["issueKey"] == "ITSD-1"
    assert request["issueId"] == issue["id"]
    assert request["serviceDeskId"] == "1"


def test_service_desk_by_id(service_desk):
    desk = service_desk.get_service_desk_by_id(2)

    assert (desk["id"], desk["projectKey"]) == ("2", "SUP")


# -- deviation 5: every link the sandbox hands out resolves, on the sandbox ------------------


def test_deviation_5_tempo_worklog_links_resolve(tempo, sandbox_clean, jira, facts):
    client = tempo()
    worklog = client.get_worklogs(*EVER, issueId=facts["busiest_issue"][0])[0]

    itself = follow(client, sandbox_clean, worklog["self"])
    attributes = follow(client, sandbox_clean, worklog["attributes"]["self"])
    issue = follow(jira, sandbox_clean, worklog["issue"]["self"])
    author = follow(jira, sandbox_clean, worklog["author"]["self"])

    assert itself == worklog
    assert [(a["key"], a["value"]) for a in attributes["results"]] == [
        (a["key"], a["value"]) for a in worklog["attributes"]["values"]
    ]
    assert issue["id"] == str(worklog["issue"]["id"])
    assert author["accountId"] == worklog["author"]["accountId"]


def test_deviation_5_issue_links_resolve(jira, sandbox_clean):
    """The issue's `self` and the links in its fields (project, status, reporter, orgs)."""
    issue = jira.enhanced_jql("key = ITSD-1", fields="*all")["issues"][0]
    fields = issue["fields"]

    assert follow(jira, sandbox_clean, issue["self"])["key"] == "ITSD-1"
    assert follow(jira, sandbox_clean, fields["project"]["self"])["key"] == "ITSD"
    assert follow(jira, sandbox_clean, fields["status"]["self"])["id"] == fields["status"]["id"]
    category = fields["status"]["statusCategory"]
    assert follow(jira, sandbox_clean, category["self"])["key"] == category["key"]
    reporter = follow(jira, sandbox_clean, fields["reporter"]["self"])
    assert reporter["accountId"] == fields["reporter"]["accountId"]
    for org in fields["customfield_10002"] or []:
        assert follow(jira, sandbox_clean, org["_links"]["self"])["id"] == org["id"]


def test_deviation_5_jira_worklog_links_resolve(jira, sandbox_clean):
    worklog = jira.issue_get_worklog("ITSD-1")["worklogs"][0]

    assert follow(jira, sandbox_clean, worklog["self"])["id"] == worklog["id"]
    author = follow(jira, sandbox_clean, worklog["author"]["self"])
    assert author["accountId"] == worklog["author"]["accountId"]


def test_deviation_5_service_desk_and_organization_links_resolve(service_desk, sandbox_clean):
    for desk in service_desk.get_service_desks():
        assert follow(service_desk, sandbox_clean, desk["_links"]["self"])["id"] == desk["id"]
    for org in service_desk.get_organisations()["values"]:
        assert follow(service_desk, sandbox_clean, org["_links"]["self"])["id"] == org["id"]


def test_deviation_5_request_links_resolve(service_desk, jira, sandbox_clean):
    request = service_desk.get_customer_request("ITSD-1")

    assert follow(service_desk, sandbox_clean, request["_links"]["self"]) == request
    assert follow(jira, sandbox_clean, request["_links"]["jiraRest"])["key"] == "ITSD-1"


def test_deviation_5_jsm_user_links_resolve(service_desk, jira, sandbox_clean):
    user = service_desk.get_users_in_organization(catalog.ACME.id, limit=1)["values"][0]

    for name in ("self", "jiraRest"):
        answer = follow(jira, sandbox_clean, user["_links"][name])
        assert answer["accountId"] == user["accountId"]


def test_approximate_issue_count_is_the_searchs_count(jira, sandbox_clean):
    expected = len(jira.enhanced_jql("project = SUP", fields="id", limit=5000)["issues"])

    assert jira.approximate_issue_count("project = SUP") == {"count": expected}
