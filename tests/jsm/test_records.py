"""The records JiraClient hands the syncs: each Jira object read once, by `from_api`."""

from __future__ import annotations

import datetime as dt

import pytest

from jsm.records import (
    JiraIssue,
    JiraUser,
    JiraWorklog,
    JsmOrganization,
    MalformedRecord,
    ServiceDesk,
    WorklogChanges,
    users,
)
from sandbox.shapes import jira as shapes

from .fake_jira import BASE, ORGANIZATIONS, PARTICIPANTS, user

STARTED = dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)


def test_a_service_desk_names_its_project():
    desk = ServiceDesk.from_api(shapes.service_desk(BASE, 3, 10000, "ITSD", "IT help"))
    assert desk == ServiceDesk(
        id="3", project_id="10000", project_key="ITSD", project_name="IT help"
    )
    nameless = ServiceDesk.from_api(
        {**shapes.service_desk(BASE, 3, 10000, "ITSD", ""), "projectName": None}
    )
    assert nameless.project_name == "ITSD"


@pytest.mark.parametrize("missing", ["id", "projectId", "projectKey"])
def test_a_service_desk_without_its_keys_is_malformed(missing):
    item = shapes.service_desk(BASE, 3, 10000, "ITSD", "IT help")
    del item[missing]
    with pytest.raises(MalformedRecord):
        ServiceDesk.from_api(item)


def test_an_organization_has_a_string_id():
    assert JsmOrganization.from_api({"id": 7, "name": "Acme"}) == JsmOrganization("7", "Acme")
    with pytest.raises(MalformedRecord):
        JsmOrganization.from_api({"name": "Acme"})
    with pytest.raises(MalformedRecord):
        JsmOrganization.from_api(None)


def test_a_user_keeps_what_privacy_settings_leave():
    read = JiraUser.from_api(user("a1", "Ann@Example.com", "Ann"))
    assert read == JiraUser("a1", "Ann@Example.com", "Ann", True)
    hidden = JiraUser.from_api({"accountId": "a2", "emailAddress": None})
    assert (hidden.email_address, hidden.display_name, hidden.active) == ("", "", True)


@pytest.mark.parametrize("item", [None, "a1", {}, {"accountId": ""}, {"displayName": "Ann"}])
def test_a_user_without_an_account_id_is_malformed_and_skipped_in_lists(item):
    with pytest.raises(MalformedRecord):
        JiraUser.from_api(item)
    assert users([item, user("a1")]) == [JiraUser.from_api(user("a1"))]


def test_users_of_an_empty_field_are_none():
    assert users(None) == [] and users({"accountId": "a1"}) == []


def _issue(**fields):
    base = {
        "summary": "Printer",
        "status": shapes.jira_status(BASE, "3", "In Progress", "indeterminate"),
        "reporter": user("r1", "r@example.com"),
        "created": "2026-10-01T09:00:00.000+0000",
        "updated": "2026-10-02T09:00:00.000+0000",
        PARTICIPANTS: [user("p1"), {"no": "account"}],
        ORGANIZATIONS: [shapes.organization(BASE, 5, "Acme"), {"name": "no id"}],
    }
    return shapes.jira_issue(BASE, 20001, "ITSD-1", {**base, **fields})


def test_an_issue_reads_its_fields_and_the_sites_custom_fields():
    read = JiraIssue.from_api(_issue(), PARTICIPANTS, ORGANIZATIONS)
    assert (read.id, read.key, read.summary) == ("20001", "ITSD-1", "Printer")
    assert (read.status_name, read.status_category_key) == ("In Progress", "indeterminate")
    assert read.reporter is not None and read.reporter.account_id == "r1"
    assert read.created == dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    assert read.updated == dt.datetime(2026, 10, 2, 9, tzinfo=dt.UTC)
    assert [u.account_id for u in read.participants] == ["p1"]
    assert read.organization_ids == ["5"]
    assert read.project_id is None


def test_an_issue_without_optional_fields_has_their_defaults():
    item = shapes.jira_issue(BASE, 20001, "ITSD-1", {"project": {"id": 10000}})
    read = JiraIssue.from_api(item, None, None)
    assert (read.summary, read.status_name, read.status_category_key) == ("", "", "")
    assert (read.reporter, read.created, read.updated) == (None, None, None)
    assert (read.participants, read.organization_ids, read.project_id) == ([], [], "10000")


def test_an_issue_without_updated_was_updated_when_created():
    read = JiraIssue.from_api(_issue(updated=None), PARTICIPANTS, ORGANIZATIONS)
    assert read.updated == read.created


@pytest.mark.parametrize(
    "item",
    [
        {"key": "ITSD-1", "fields": {}},
        {"id": "20001", "fields": {}},
        {"id": "20001", "key": "ITSD-1", "fields": "not an object"},
        _issue(created="2026-13-45T09:00:00.000+0000"),  # shaped like a time, but none
        None,
    ],
)
def test_a_malformed_issue_raises_a_typed_error(item):
    with pytest.raises(MalformedRecord):
        JiraIssue.from_api(item, PARTICIPANTS, ORGANIZATIONS)


def _worklog(**fields):
    worklog = shapes.jira_worklog(
        BASE,
        30001,
        20001,
        author=shapes.jira_user(BASE, "w1", email=None, display_name="Wes", time_zone="Asia/Tokyo"),
        update_author=None,
        comment=shapes.adf("Fixed it"),
        started=STARTED,
        created=STARTED,
        updated=STARTED + dt.timedelta(hours=1),
        time_spent_seconds=1800,
    )
    return {**worklog, **fields}


def test_a_worklog_reads_its_author_times_and_comment():
    read = JiraWorklog.from_api(_worklog())
    assert (read.id, read.issue_id) == ("30001", "20001")
    assert (read.author_account_id, read.author_display_name) == ("w1", "Wes")
    assert read.author_time_zone == "Asia/Tokyo"
    assert read.started == STARTED and read.started.tzinfo is not None
    assert read.updated == STARTED + dt.timedelta(hours=1)
    assert read.time_spent_seconds == 1800
    assert read.internal is False and read.comment == shapes.adf("Fixed it")


def test_a_restricted_worklog_is_internal_and_its_comment_is_not_kept():
    read = JiraWorklog.from_api(_worklog(visibility={"type": "group", "value": "staff"}))
    assert read.internal is True and read.comment is None


def test_a_worklog_without_optional_fields_has_their_defaults():
    item = _worklog(author=None, updated=None, timeSpentSeconds=None)
    read = JiraWorklog.from_api(item)
    assert (read.author_account_id, read.author_display_name, read.author_time_zone) == (
        "",
        "",
        None,
    )
    assert read.updated == read.started
    assert read.time_spent_seconds == 0
    assert JiraWorklog.from_api(_worklog(timeSpentSeconds=-60)).time_spent_seconds == 0


@pytest.mark.parametrize(
    "item",
    [
        {k: v for k, v in _worklog().items() if k != "id"},
        _worklog(started=None),
        _worklog(started="yesterday"),
        _worklog(updated="not a time"),
        _worklog(timeSpentSeconds="half an hour"),
        _worklog(author="w1"),
        None,
    ],
)
def test_a_malformed_worklog_raises_a_typed_error(item):
    with pytest.raises(MalformedRecord):
        JiraWorklog.from_api(item)


def test_a_change_page_keeps_the_readable_ids_and_its_end():
    page = shapes.worklog_changes(
        [(1, 10), (2, 20)], since=0, until=20, self_url="x", last_page=True
    )
    page["values"] += [{"updatedTime": 30}, {"worklogId": "abc"}]
    assert WorklogChanges.from_api(page) == WorklogChanges([1, 2], 20)
    assert WorklogChanges.from_api({"values": []}).until is None
    with pytest.raises(MalformedRecord):
        WorklogChanges.from_api({"values": [], "until": "later"})
