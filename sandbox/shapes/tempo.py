"""Tempo Cloud REST API v4 objects (docs/outside-apis.md §1).

Source: Tempo's v4 OpenAPI (https://apidocs.tempo.io/). Values arrive already in Tempo's
text forms (`2026-10-14`, `09:30:00`, `2026-10-14T09:30:00Z`): the sandbox serves thousands
of worklogs a page from database text, so nothing here parses or formats a date.
"""

from __future__ import annotations

from typing import Any


def tempo_worklog(
    *,
    worklogs_url: str,
    jira_site: str,
    worklog_id: int,
    issue_id: int,
    author_account_id: str,
    time_spent_seconds: int,
    billable_seconds: int | None,
    start_date: str,
    start_time: str,
    description: str,
    created_at: str,
    updated_at: str,
    attributes: list[dict[str, str]],
) -> dict[str, Any]:
    """A worklog (`Worklog` in Tempo's v4 OpenAPI).

    `worklogs_url` is the API's `.../4/worklogs`, `jira_site` the Atlassian site that the
    issue and author links point to. `billableSeconds` is left out when None (§6).
    `startDateTimeUtc` assumes the worker lives in UTC (local and UTC start coincide).
    """
    own_url = f"{worklogs_url}/{worklog_id}"
    worklog: dict[str, Any] = {
        "self": own_url,
        "tempoWorklogId": worklog_id,
        "issue": {"self": f"{jira_site}/rest/api/2/issue/{issue_id}", "id": issue_id},
        "timeSpentSeconds": time_spent_seconds,
    }
    if billable_seconds is not None:
        worklog["billableSeconds"] = billable_seconds
    worklog["startDate"] = start_date
    worklog["startTime"] = start_time
    worklog["startDateTimeUtc"] = f"{start_date}T{start_time}Z"
    worklog["description"] = description
    worklog["createdAt"] = created_at
    worklog["updatedAt"] = updated_at
    worklog["author"] = {
        "self": f"{jira_site}/rest/api/2/user?accountId={author_account_id}",
        "accountId": author_account_id,
    }
    worklog["attributes"] = {"self": f"{own_url}/work-attribute-values", "values": attributes}
    return worklog


def tempo_page(
    results: list[dict[str, Any]],
    *,
    self_url: str,
    offset: int,
    limit: int,
    next_url: str | None = None,
    previous_url: str | None = None,
) -> dict[str, Any]:
    """A page of a paged list (`PageableMetadata` and `results` in Tempo's v4 OpenAPI, e.g.
    `WorklogResults`): `count` is this page's size, there is no total, and `next` and
    `previous` appear only when such a page exists."""
    metadata: dict[str, Any] = {"count": len(results), "offset": offset, "limit": limit}
    if next_url is not None:
        metadata["next"] = next_url
    if previous_url is not None:
        metadata["previous"] = previous_url
    return {"self": self_url, "metadata": metadata, "results": results}


def tempo_attribute_values(values: list[dict[str, str]], *, self_url: str) -> dict[str, Any]:
    """A worklog's work attribute values (`WorkAttributeValueResults` in Tempo's v4
    OpenAPI): not paged, so the metadata holds only `count`."""
    return {"self": self_url, "metadata": {"count": len(values)}, "results": values}


def tempo_error(message: str) -> dict[str, Any]:
    """Tempo's JSON error body for 400 and 404 (`ErrorMessage` list in the v4 OpenAPI)."""
    return {"errors": [{"message": message}]}
