"""What a Tempo API-integration token may be: scopes, levels, lifetime (docs/outside-apis.md §1).

One place for these, so the settings page, the control endpoint, the API's permission check
and the app's `sandbox_token` command always agree. Plain Python, no Django: the app imports
it too. A full-access token is granted the scopes listed here *when it is
created*; adding a scope later does not widen older tokens, as in Tempo.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_EXPIRY_DAYS = 1
MAX_EXPIRY_DAYS = 5000
DEFAULT_EXPIRY_DAYS = 30

VIEW = "view"
MANAGE = "manage"
LEVELS = (VIEW, MANAGE)
LEVEL_LABELS = {VIEW: "View", MANAGE: "Manage"}


@dataclass(frozen=True)
class Scope:
    name: str
    label: str
    areas: tuple[str, ...]


# Keyed by the CLI name (`--scope worklogs:view`), in the order Tempo lists them.
SCOPES: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        Scope("worklogs", "Worklogs", ("Worklogs", "Work attributes")),
        Scope("teams", "Teams", ("Roles", "Teams", "Links", "Memberships")),
        Scope("schemes", "Schemes", ("Workload schemes", "Holiday schemes", "User schedule")),
        Scope("plans", "Plans", ("Plans", "Programs")),
        Scope("periods", "Periods", ("Periods",)),
        Scope("approvals", "Approvals", ("Timesheet approvals",)),
        Scope(
            "accounts",
            "Accounts",
            ("Accounts", "Categories", "Category types", "Links", "Customers"),
        ),
        Scope("projects", "Financial Manager (Cost Tracker)", ("Projects", "Rates")),
    )
}


def full_access_scopes() -> dict[str, str]:
    """The grant of a full-access token: every scope that exists now, at Manage."""
    return dict.fromkeys(SCOPES, MANAGE)


def level_allows(granted: str | None, needed: str) -> bool:
    """Manage includes View; nothing includes anything when the scope is not granted."""
    if granted is None:
        return False
    return LEVELS.index(granted) >= LEVELS.index(needed)


def describe(scopes: dict[str, str]) -> str:
    """`Worklogs (View), Teams (Manage)` in the order Tempo lists its scopes."""
    return ", ".join(
        f"{scope.label} ({LEVEL_LABELS[scopes[scope.name]]})"
        for scope in SCOPES.values()
        if scope.name in scopes
    )
