from __future__ import annotations

import pytest
import responses

from .fake_jira import BASE, FakeJira, user

ALICE = user("acc-alice", "Alice@Acme.example", "Alice Anders")
BOB = user("acc-bob", "bob@acme.example", "Bob Baker")
CAROL = user("acc-carol", "carol@globex.example", "Carol Chen")
HIDDEN = user("acc-hidden", None, "Private Person")
ACME = {"id": "1", "name": "Acme"}
GLOBEX = {"id": "2", "name": "Globex"}


@pytest.fixture
def jira_settings(settings):
    settings.JIRA_BASE_URL = BASE
    settings.JIRA_EMAIL = "admin@example.com"
    settings.JIRA_API_TOKEN = "jira-api-token-123"
    settings.JIRA_RETRY_BUDGET = 5


@pytest.fixture
def fake_jira(jira_settings):
    jira = FakeJira()
    jira.add_project("10000", "ITSD", "IT Service Desk", "1")
    jira.add_project("10001", "SUP", "Customer Support", "2")
    jira.orgs["1"] = [ACME, GLOBEX]
    jira.orgs["2"] = [ACME]
    jira.members = {"1": [ALICE, BOB], "2": [CAROL]}
    jira.customers["1"] = [ALICE, BOB, CAROL, HIDDEN]
    jira.customers["2"] = [ALICE]
    jira.add_issue("10000", "20001", "ITSD-1", ALICE, participants=[BOB], orgs=[ACME])
    jira.add_issue("10000", "20002", "ITSD-2", BOB)
    jira.add_issue("10000", "20003", "ITSD-3", CAROL, orgs=[GLOBEX])
    jira.add_issue("10001", "20004", "SUP-1", ALICE)
    jira.add_issue("10001", "20005", "SUP-2", HIDDEN)
    agent = user("agent-1", "agent@provider.example", "Agent Smith")
    jira.add_worklog(1, "20001", 3600, agent)
    jira.add_worklog(2, "20004", 1800, agent)
    jira.add_worklog(3, "99999", 600, agent)  # on an issue that is not a synced request
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        jira.install(rsps)
        jira.rsps = rsps
        yield jira
