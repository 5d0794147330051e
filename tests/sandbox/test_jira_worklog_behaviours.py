"""Documented behaviours of real Jira worklogs the sandbox shows (docs/outside-apis.md §6).

Restricted worklogs carry `visibility`; users carry their profile's `timeZone` (null when
hidden) and `started` is written in the API account's zone; comments may be rich ADF
documents. These tests change data, so they use `drift_sandbox` and put every time zone back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.client import SandboxError
from sandbox.demo import catalog
from tests.sandbox.clients import JiraApi

pytestmark = pytest.mark.integration

KEY = "ITSD-3"
RICH = {
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Restarted spooler"},
                {"type": "hardBreak"},
                {"type": "text", "text": "Replaced toner", "marks": [{"type": "strong"}]},
            ],
        },
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [{"type": "paragraph", "content": [{"type": "text", "text": t}]}],
                }
                for t in ("Tray 1", "Tray 2")
            ],
        },
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Checked with "},
                {"type": "mention", "attrs": {"id": "acc", "text": "@Site Admin"}},
                {"type": "text", "text": " "},
                {"type": "emoji", "attrs": {"shortName": ":thumbsup:", "text": "👍"}},
            ],
        },
    ],
}


@pytest.fixture
def jira(drift_sandbox) -> Iterator[JiraApi]:
    api = JiraApi(drift_sandbox)
    yield api
    api.session.close()


@pytest.fixture
def control(drift_sandbox):
    """The control client; every time zone these tests set is put back afterwards."""
    yield drift_sandbox.client
    for person in (catalog.ADMIN, catalog.CHIARA):
        drift_sandbox.client.set_jira_time_zone(person.email, "Etc/UTC")


def read_back(jira, worklog_id: str) -> tuple[dict, dict]:
    """The worklog as the issue's worklog page and as `worklog/list` write it."""
    page = jira.ok(f"/rest/api/3/issue/{KEY}/worklog")["worklogs"]
    listed = jira.post("/rest/api/3/worklog/list", {"ids": [worklog_id]}).json()
    return next(w for w in page if w["id"] == worklog_id), listed[0]


def test_a_rich_adf_comment_comes_back_as_it_was_written(control, jira):
    created = control.create_jira_worklog(KEY, 900, comment=RICH)
    for worklog in read_back(jira, created["id"]):
        assert worklog["comment"] == RICH


def test_a_text_comment_is_a_doc_of_paragraphs(control, jira):
    created = control.create_jira_worklog(KEY, 900, comment="One\nTwo")
    on_page, _ = read_back(jira, created["id"])
    assert [p["content"][0]["text"] for p in on_page["comment"]["content"]] == ["One", "Two"]


@pytest.mark.parametrize(
    "visibility",
    [
        {"type": "role", "value": "Service Desk Team"},
        {"type": "group", "value": "jira-servicemanagement-users", "identifier": "5f2e7c84"},
    ],
    ids=["role", "group"],
)
def test_a_restricted_worklog_carries_its_visibility_to_the_api_account(control, jira, visibility):
    created = control.create_jira_worklog(
        KEY, 1800, comment="INTERNAL: customer on credit hold", visibility=visibility
    )
    for worklog in read_back(jira, created["id"]):
        assert worklog["visibility"] == visibility
        assert worklog["timeSpentSeconds"] == 1800


def test_an_open_worklog_has_no_visibility(control, jira):
    created = control.create_jira_worklog(KEY, 900)
    for worklog in read_back(jira, created["id"]):
        assert "visibility" not in worklog


def test_the_authors_time_zone_and_started_in_the_api_accounts_zone(control, jira):
    """The issue's example: 01:30 UTC on 1 Nov is 21:30 on 31 Oct in New York."""
    control.set_jira_time_zone(catalog.CHIARA.email, "America/New_York")
    created = control.create_jira_worklog(
        KEY, 1800, started="2026-11-01T01:30:00Z", author=catalog.CHIARA.email
    )
    on_page, listed = read_back(jira, created["id"])
    assert on_page["author"]["timeZone"] == listed["author"]["timeZone"] == "America/New_York"
    assert on_page["started"] == listed["started"] == "2026-11-01T01:30:00.000+0000"

    control.set_jira_time_zone(catalog.ADMIN.email, "America/New_York")  # the API account
    on_page, listed = read_back(jira, created["id"])
    assert on_page["started"] == listed["started"] == "2026-10-31T21:30:00.000-0400"


def test_a_hidden_time_zone_is_null(control, jira):
    control.set_jira_time_zone(catalog.CHIARA.email, None)
    created = control.create_jira_worklog(KEY, 900, author=catalog.CHIARA.email)
    on_page, _ = read_back(jira, created["id"])
    assert on_page["author"]["timeZone"] is None


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda c: c.create_jira_worklog(KEY, 900, visibility={"type": "user"}), "visibility"),
        (lambda c: c.create_jira_worklog(KEY, 900, comment={"type": "p"}), "ADF doc"),
        (lambda c: c.set_jira_time_zone(catalog.CHIARA.email, "Mars/Olympus"), "No time zone"),
        (lambda c: c.set_jira_time_zone("nobody@nowhere.example", "UTC"), "No Jira user"),
    ],
)
def test_bad_worklog_and_time_zone_calls_are_refused_with_a_reason(control, call, words):
    with pytest.raises(SandboxError, match=words):
        call(control)
