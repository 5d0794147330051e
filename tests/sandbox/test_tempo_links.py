"""Every link a Tempo worklog carries resolves (issue item 5).

`self` and `attributes.self` lead to Tempo's own routes, `issue.self` and `author.self` to
the Jira site (by default this sandbox's own Jira, REST API v2 as Tempo writes them). Runs
on the demo sandbox, whose Jira holds the worklogs' issues and authors.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.process import SandboxProcess
from tests.sandbox.clients import TempoApi

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo_token(sandbox) -> str:
    return sandbox.client.mint_token(name="tests: tempo links", full=True)


@pytest.fixture
def demo_tempo(sandbox_clean, demo_token) -> Iterator[TempoApi]:
    api = TempoApi(sandbox_clean, demo_token)
    yield api
    api.session.close()


def first_worklogs(tempo: TempoApi, limit: int = 20) -> dict:
    response = tempo.get("/worklogs", limit=limit)
    assert response.status_code == 200, response.text
    return response.json()


def test_worklog_links_resolve(demo_tempo, jira, sandbox):
    page = first_worklogs(demo_tempo)
    assert page["results"]

    assert demo_tempo.get(page["self"]).json() == page
    for worklog in page["results"]:
        assert demo_tempo.get(worklog["self"]).json() == worklog

        attributes = demo_tempo.get(worklog["attributes"]["self"])
        assert attributes.status_code == 200, attributes.text
        assert attributes.json() == {
            "self": worklog["attributes"]["self"],
            "metadata": {"count": len(worklog["attributes"]["values"])},
            "results": worklog["attributes"]["values"],
        }

        assert worklog["issue"]["self"].startswith(f"{sandbox.jira_url}/rest/api/2/issue/")
        issue = jira.ok(worklog["issue"]["self"])
        assert issue["id"] == str(worklog["issue"]["id"])

        assert worklog["author"]["self"].startswith(f"{sandbox.jira_url}/rest/api/2/user?")
        author = jira.ok(worklog["author"]["self"])
        assert author["accountId"] == worklog["author"]["accountId"]


def test_one_attribute_value(demo_tempo):
    worklog = next(w for w in first_worklogs(demo_tempo)["results"] if w["attributes"]["values"])
    value = worklog["attributes"]["values"][0]

    response = demo_tempo.get(f"{worklog['attributes']['self']}/{value['key']}")

    assert response.status_code == 200
    assert response.json() == value
    missing = demo_tempo.get(f"{worklog['attributes']['self']}/_NoSuchAttribute_")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["message"]


def test_attribute_values_of_an_unknown_worklog_are_404(demo_tempo):
    response = demo_tempo.get("/worklogs/999999999/work-attribute-values")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"] == "Worklog with id 999999999 does not exist"


def test_attribute_values_need_a_worklogs_token(sandbox_clean, demo_tempo):
    accounts_only = sandbox_clean.client.mint_token(
        name="tests: accounts only", scopes={"accounts": "view"}
    )

    assert demo_tempo.get("/worklogs/1/work-attribute-values", token="nope").status_code == 401
    response = demo_tempo.get("/worklogs/1/work-attribute-values", token=accounts_only)
    assert response.status_code == 403


def test_jira_site_setting_still_overrides_the_links(tmp_path):
    """`SANDBOX_JIRA_SITE_URL` points issue and author links at another site."""
    site = "https://example.atlassian.net"
    with SandboxProcess(tmp_path, seed=False, env={"SANDBOX_JIRA_SITE_URL": site}) as process:
        process.manage("seed_sandbox")
        token = process.client.mint_token(name="tests: site override", full=True)
        tempo = TempoApi(process, token)
        worklog = first_worklogs(tempo, 1)["results"][0]
        tempo.session.close()

    assert worklog["issue"]["self"] == f"{site}/rest/api/2/issue/{worklog['issue']['id']}"
    assert worklog["author"]["self"].startswith(f"{site}/rest/api/2/user?accountId=")
