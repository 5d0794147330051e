"""Fields and projects: `/rest/api/3/field`, `/project/search` (offset paging), `/project/{id}`."""

from __future__ import annotations

import pytest

from sandbox.demo import catalog

pytestmark = pytest.mark.integration

PROJECT_KEYS = {"self", "id", "key", "name", "projectTypeKey", "simplified", "style", "isPrivate"}


def test_fields_list_both_jsm_custom_fields_with_their_schema(jira):
    fields = {field["id"]: field for field in jira.ok("/rest/api/3/field")}

    assert fields["customfield_10026"]["name"] == "Request participants"
    assert fields["customfield_10026"]["custom"] is True
    assert fields["customfield_10026"]["schema"] == {
        "type": "array",
        "items": "user",
        "custom": "com.atlassian.servicedesk:sd-request-participants",
        "customId": 10026,
    }
    assert fields["customfield_10002"]["name"] == "Organizations"
    assert fields["customfield_10002"]["schema"] == {
        "type": "array",
        "items": "sd-customerorganization",
        "custom": "com.atlassian.servicedesk:sd-customer-organizations",
        "customId": 10002,
    }


def test_fields_include_the_standard_ones(jira):
    fields = jira.ok("/rest/api/3/field")

    standard = {field["id"] for field in fields if not field["custom"]}
    assert {"summary", "status", "reporter", "created", "updated"} <= standard
    assert all({"id", "name", "custom", "schema"} <= set(field) for field in fields)
    assert len({field["id"] for field in fields}) == len(fields)


def test_project_search_by_type_lists_service_desks_only(jira):
    page = jira.ok("/rest/api/3/project/search", typeKey="service_desk")

    assert [p["key"] for p in page["values"]] == ["ITSD", "SUP"]
    assert page["values"][0]["id"] == str(catalog.ITSD.id)
    assert set(page["values"][0]) >= PROJECT_KEYS
    assert page["values"][0]["projectTypeKey"] == "service_desk"
    assert (page["startAt"], page["maxResults"], page["total"], page["isLast"]) == (0, 50, 2, True)
    assert "nextPage" not in page


def test_project_search_without_type_includes_the_software_project(jira):
    keys = [p["key"] for p in jira.ok("/rest/api/3/project/search")["values"]]

    assert keys == ["ITSD", "PLAT", "SUP"]


def test_following_next_page_visits_every_project_once(jira):
    seen, url = [], "/rest/api/3/project/search?maxResults=1"
    while url:
        page = jira.ok(url)
        seen += [p["key"] for p in page["values"]]
        assert page["total"] == 3 and page["maxResults"] == 1
        url = page.get("nextPage")
        assert page["isLast"] is (url is None)

    assert seen == ["ITSD", "PLAT", "SUP"]


def test_max_results_above_100_is_100(jira):
    assert jira.ok("/rest/api/3/project/search", maxResults=500)["maxResults"] == 100


def test_project_search_matching_nothing_is_404(jira):
    response = jira.get("/rest/api/3/project/search", typeKey="business")

    assert response.status_code == 404
    assert response.json()["errorMessages"]


@pytest.mark.parametrize("ref", ["SUP", "sup", "10001"])
def test_project_by_key_or_id(jira, ref):
    project = jira.ok(f"/rest/api/3/project/{ref}")

    assert (project["id"], project["key"], project["name"]) == ("10001", "SUP", "Customer Support")
    assert project["self"].endswith("/jira/rest/api/3/project/10001")


@pytest.mark.parametrize("ref", ["NOPE", "99999"])
def test_unknown_project_is_404_platform_body(jira, ref):
    response = jira.get(f"/rest/api/3/project/{ref}")

    assert response.status_code == 404
    assert ref in response.json()["errorMessages"][0]
