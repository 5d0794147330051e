"""`GET /rest/api/3/myself` and `/serverInfo`: who the API account is, and which Jira."""

from __future__ import annotations

import base64
import re

import pytest

pytestmark = pytest.mark.integration

JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")


def test_myself_is_the_api_account(jira, sandbox):
    me = jira.ok("/rest/api/3/myself")

    assert (me["emailAddress"], me["displayName"], me["accountType"], me["active"]) == (
        "admin@sandbox.example",
        "Sandbox Admin",
        "atlassian",
        True,
    )
    assert me["self"] == f"{sandbox.jira_url}/rest/api/3/user?accountId={me['accountId']}"
    assert set(me["avatarUrls"]) == {"48x48", "24x24", "16x16", "32x32"}
    assert (me["timeZone"] is None) or isinstance(me["timeZone"], str)
    assert me["locale"] == "en_US"
    assert me["groups"] == {"size": 0, "items": []}


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic " + base64.b64encode(b"admin@sandbox.example:wrong-token").decode()],
    ids=["none", "wrong-token"],
)
def test_myself_without_the_account_is_401(sandbox, http, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = http.get(f"{sandbox.jira_url}/rest/api/3/myself", headers=headers, timeout=10)

    assert response.status_code == 401
    assert response.json() == {
        "errorMessages": [
            "You are not authenticated. Authentication required to perform this operation."
        ],
        "errors": {},
    }


def test_server_info_describes_a_cloud_site(jira, sandbox):
    info = jira.ok("/rest/api/3/serverInfo")

    assert info["baseUrl"] == sandbox.jira_url
    assert info["deploymentType"] == "Cloud"
    assert info["versionNumbers"] == [int(n) for n in info["version"].split("-")[0].split(".")]
    assert isinstance(info["buildNumber"], int)
    assert JIRA_TIME.match(info["buildDate"])
    assert JIRA_TIME.match(info["serverTime"])
    assert info["scmInfo"]
    assert info["serverTitle"] == "Jira"


def test_server_info_answers_anonymously_as_jira_does(sandbox, http):
    response = http.get(f"{sandbox.jira_url}/rest/api/3/serverInfo", timeout=10)

    assert response.status_code == 200
    assert response.json()["deploymentType"] == "Cloud"
