"""Who sees what (docs/product.md §5.3), on the page and in the CSV alike."""

from __future__ import annotations

import csv
import io

import pytest

from jsm.models import JiraProject, Organization, Request
from portal.models import ReportSettings
from portal.visibility import (
    ORGANIZATION,
    organization_scope_allowed,
    projects_with_requests_visible_to,
    requests_visible_to,
)

URL = "/portal/ITSD/worklog-report/"

# (user, scope, organization sharing on?) -> the requests they see
MATRIX = [
    ("alice", "mine", False, {"ITSD-1"}),
    ("bob", "mine", False, {"ITSD-1", "ITSD-2"}),
    ("carol", "mine", False, {"ITSD-3"}),
    ("alice", "organization", False, {"ITSD-1"}),  # not allowed: falls back to mine
    ("alice", "mine", True, {"ITSD-1"}),
    ("alice", "organization", True, {"ITSD-1", "ITSD-4"}),
    ("bob", "organization", True, {"ITSD-1", "ITSD-4"}),
    ("carol", "organization", True, {"ITSD-3"}),
]
ALL = {"ITSD-1", "ITSD-2", "ITSD-3", "ITSD-4"}


def csv_keys(response) -> set[str]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Request", "Summary", "Status", "Hours"]
    assert rows[-1][0] == "Total"
    return {row[0] for row in rows[1:-1]}


@pytest.mark.parametrize("name,scope,sharing,expected", MATRIX)
def test_visibility_matrix(world, as_user, name, scope, sharing, expected):
    world.settings.visibility = "organizations" if sharing else "participants"
    world.settings.save()
    client = as_user(name)
    page = client.get(URL, {"scope": scope}).content.decode()
    for key in ALL:
        assert (f"/worklog-report/{key}/" in page) == (key in expected), key
    assert csv_keys(client.get(URL, {"scope": scope, "format": "csv"})) == expected


@pytest.mark.parametrize(
    "name,key", [("alice", "ITSD-3"), ("carol", "ITSD-1"), ("alice", "ITSD-2")]
)
def test_someone_elses_request_is_404(world, as_user, name, key):
    assert as_user(name).get(f"{URL}{key}/").status_code == 404


def test_shared_request_detail_needs_sharing_on(world, as_user):
    client = as_user("alice")
    assert client.get(f"{URL}ITSD-4/").status_code == 404
    world.settings.visibility = "organizations"
    world.settings.save()
    assert client.get(f"{URL}ITSD-4/").status_code == 200


def test_organization_tab_only_when_allowed(world, as_user):
    client = as_user("alice")
    assert "Organization requests" not in client.get(URL).content.decode()
    world.settings.visibility = "organizations"
    world.settings.save()
    assert "Organization requests" in client.get(URL).content.decode()


def test_disabled_project_is_404_for_customers(world, as_user):
    world.settings.enabled = False
    world.settings.save()
    client = as_user("alice")
    assert client.get(URL).status_code == 404
    assert client.get(URL, {"format": "csv"}).status_code == 404
    assert client.get(f"{URL}ITSD-1/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/portal/NOPE/worklog-report/",
        "/portal/itsd/worklog-report/",
        "/portal/ITSD/worklog-report/NOPE-1/",
        "/portal/ITSD/worklog-report/ITSD-999/",
    ],
)
def test_unknown_projects_and_requests_are_404(world, as_user, url):
    assert as_user("alice").get(url).status_code == 404


def test_customer_without_jsm_customer_sees_nothing(world, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("stranger@x.example", password="x"))
    page = client.get(URL).content.decode()
    assert "No hours in this period" in page


def test_portal_home_lists_only_projects_with_visible_requests(world, as_user):
    assert "IT Service Desk" in as_user("alice").get("/portal/").content.decode()
    world.settings.enabled = False
    world.settings.save()
    assert "No reports to show yet" in as_user("alice").get("/portal/").content.decode()


def test_anonymous_is_sent_to_sign_in(world, client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_the_homes_one_query_agrees_with_every_scope_of_every_project(
    world, django_user_model, django_assert_num_queries
):
    """``projects_with_requests_visible_to`` answers what ``requests_visible_to`` says, for
    every person, project and sharing setting, in one query for all projects."""
    globex = Organization.objects.get(name="Globex")
    other = JiraProject.objects.create(
        jira_id="10001", key="SUP", name="Support", service_desk_id="2"
    )
    ReportSettings.objects.create(
        project=other, enabled=True, visibility=ReportSettings.Visibility.ORGANIZATIONS
    )
    shared = Request.objects.create(
        jira_id="30001",
        key="SUP-1",
        project=other,
        summary="Globex only",
        reporter=world.requests["ITSD-4"].reporter,  # dave: no organization
        created=world.requests["ITSD-1"].created,
        updated=world.requests["ITSD-1"].updated,
    )
    shared.organizations.set([globex])
    stranger = django_user_model.objects.create_user("stranger@x.example")
    people = [*world.users.values(), stranger]
    for sharing in (
        ReportSettings.Visibility.PARTICIPANTS,
        ReportSettings.Visibility.ORGANIZATIONS,
    ):
        world.settings.visibility = sharing
        world.settings.save()
        projects = list(JiraProject.objects.select_related("report_settings"))
        for user in people:
            expected = [
                p
                for p in projects
                if any(
                    requests_visible_to(user, p, p.report_settings, scope).exists()
                    for scope in (
                        ["mine", ORGANIZATION]
                        if organization_scope_allowed(p.report_settings)
                        else ["mine"]
                    )
                )
            ]
            queries = 0 if user is stranger else 2  # their organizations, then the answer
            with django_assert_num_queries(queries):
                got = projects_with_requests_visible_to(user, projects)
            assert got == expected, (user, sharing)
    carol = world.users["carol"]
    assert [p.key for p in projects_with_requests_visible_to(carol, projects)] == ["ITSD", "SUP"]
