"""The fields `GET /rest/api/3/field` lists, and the ids of the two JSM custom fields.

On a real site the JSM fields get ids like `customfield_10026` that differ per site, so the
app must find them through their schema's `custom` type, never by id or name. The sandbox
lists a few unrelated custom fields too, so that a client picking the wrong one would show.
"""

from __future__ import annotations

from typing import Any

PARTICIPANTS_FIELD = "customfield_10026"
ORGANIZATIONS_FIELD = "customfield_10002"
PARTICIPANTS_TYPE = "com.atlassian.servicedesk:sd-request-participants"
ORGANIZATIONS_TYPE = "com.atlassian.servicedesk:sd-customer-organizations"


def _system(field_id: str, name: str, schema_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": False,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [field_id],
        "schema": {"type": schema_type, "system": field_id, **extra},
    }


def _custom(number: int, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    field_id = f"customfield_{number}"
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "untranslatedName": name,
        "custom": True,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [f"cf[{number}]", name],
        "schema": {**schema, "customId": number},
    }


FIELDS: list[dict[str, Any]] = [
    _system("summary", "Summary", "string"),
    _system("status", "Status", "status"),
    _system("reporter", "Reporter", "user"),
    _system("assignee", "Assignee", "user"),
    _system("created", "Created", "datetime"),
    _system("updated", "Updated", "datetime"),
    _system("project", "Project", "project"),
    _system("issuetype", "Issue Type", "issuetype"),
    _system("worklog", "Log Work", "array", items="worklog"),
    _system("timespent", "Time Spent", "number"),
    _custom(
        10016,
        "Story point estimate",
        {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
    ),
    _custom(
        10002,
        "Organizations",
        {"type": "array", "items": "sd-customerorganization", "custom": ORGANIZATIONS_TYPE},
    ),
    _custom(
        10026,
        "Request participants",
        {"type": "array", "items": "user", "custom": PARTICIPANTS_TYPE},
    ),
    _custom(
        10031,
        "Approvers",
        {
            "type": "array",
            "items": "user",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:multiuserpicker",
        },
    ),
]
