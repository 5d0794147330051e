"""The fields `GET /rest/api/3/field` lists, and the ids of the two JSM custom fields.

On a real site the JSM fields get ids like `customfield_10026` that differ per site, so the
app must find them through their schema's `custom` type, never by id or name. The sandbox
lists a few unrelated custom fields too, so that a client picking the wrong one would show.
"""

from __future__ import annotations

from typing import Any

from sandbox.shapes.jira import custom_field, jira_field, organizations_field, participants_field

PARTICIPANTS_FIELD = "customfield_10026"
ORGANIZATIONS_FIELD = "customfield_10002"


# The JQL names of system fields that have more than their id (see jql.py).
CLAUSE_NAMES = {
    "issuekey": ["id", "issue", "issuekey", "key"],
    "issuetype": ["issuetype", "type"],
    "created": ["created", "createdDate"],
    "updated": ["updated", "updatedDate"],
}


def _system(field_id: str, name: str, schema_type: str, **extra: Any) -> dict[str, Any]:
    return jira_field(field_id, name, schema_type, CLAUSE_NAMES.get(field_id, [field_id]), **extra)


FIELDS: list[dict[str, Any]] = [
    _system("issuekey", "Key", "string"),
    _system("summary", "Summary", "string"),
    _system("status", "Status", "status"),
    _system("statusCategory", "Status Category", "statusCategory"),
    _system("reporter", "Reporter", "user"),
    _system("assignee", "Assignee", "user"),
    _system("created", "Created", "datetime"),
    _system("updated", "Updated", "datetime"),
    _system("project", "Project", "project"),
    _system("issuetype", "Issue Type", "issuetype"),
    _system("worklog", "Log Work", "array", items="worklog"),
    _system("timespent", "Time Spent", "number"),
    custom_field(
        10016,
        "Story point estimate",
        {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
    ),
    organizations_field(10002),
    participants_field(10026),
    custom_field(
        10031,
        "Approvers",
        {
            "type": "array",
            "items": "user",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:multiuserpicker",
        },
    ),
]
