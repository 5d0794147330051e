"""The workflow statuses of the emulated Jira: JSM's request workflow and a software one.

Jira reports a status with its category (`new`, `indeterminate`, `done`), which is what
the app groups by; names and ids only need to look like a real site's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.shapes.jira import STATUS_CATEGORIES

NEW = "new"
INDETERMINATE = "indeterminate"
DONE = "done"

# key: (id, display name, colour) as Jira's statusCategory objects carry them.
CATEGORIES = STATUS_CATEGORIES


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str


STATUSES: dict[str, Status] = {
    status.id: status
    for status in (
        Status("10001", "Waiting for support", NEW),
        Status("10002", "Waiting for customer", INDETERMINATE),
        Status("3", "In Progress", INDETERMINATE),
        Status("10003", "Pending", INDETERMINATE),
        Status("5", "Resolved", DONE),
        Status("6", "Closed", DONE),
        Status("10004", "Canceled", DONE),
        Status("10005", "To Do", NEW),
        Status("10006", "Done", DONE),
    )
}
BY_NAME: dict[str, Status] = {status.name.lower(): status for status in STATUSES.values()}

WAITING_FOR_SUPPORT = STATUSES["10001"]
TO_DO = STATUSES["10005"]


def find(id_or_name: str) -> Status | None:
    """A status by id (`"5"`) or name, case-insensitive (`"resolved"`)."""
    return STATUSES.get(id_or_name) or BY_NAME.get(id_or_name.strip().lower())
