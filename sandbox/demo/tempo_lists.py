"""The demo's Tempo data outside worklogs: what the backup/export list routes answer.

Accounts and customers, teams, work attributes (with `_Account_`), workload and holiday
schemes, roles, account categories, programs and plans (API-CONTRACTS.md §1 "Other list
routes"). Fixed data, so every seeding gives the same answer; plans are dated from the
demo's `today` like the worklogs.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

from sandbox.demo import catalog

HOURS = 3600
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

CUSTOMERS = (
    {"id": 1, "key": "ACME", "name": "Acme"},
    {"id": 2, "key": "GLOBEX", "name": "Globex"},
    {"id": 3, "key": "INITECH", "name": "Initech"},
)
# (id, key, name, status, lead, customer id or None)
ACCOUNTS = (
    (1, "ACME-SUPPORT", "Acme support contract", "OPEN", catalog.AGNES, 1),
    (2, "ACME-PROJECTS", "Acme projects", "OPEN", catalog.BRUNO, 1),
    (3, "GLOBEX-SUPPORT", "Globex support contract", "OPEN", catalog.CHIARA, 2),
    (4, "INITECH-2024", "Initech 2024 retainer", "CLOSED", catalog.DMITRI, 3),
    (5, "INTERNAL", "Internal work", "OPEN", catalog.ADMIN, None),
    (6, "LEGACY", "Legacy maintenance", "ARCHIVED", catalog.EMEKA, None),
)
# (id, name, summary, lead)
TEAMS = (
    (1, "Service Desk", "First-line support for ITSD and SUP", catalog.AGNES),
    (2, "Platform", "Platform engineering", catalog.DMITRI),
    (3, "Customer Success", "Account managers", catalog.FATIMA),
)
ROLES = (
    {"id": 1, "name": "Member", "default": True},
    {"id": 2, "name": "Team lead", "default": False},
)
ACCOUNT_CATEGORIES = (
    {"id": 1, "key": "BILLABLE", "name": "Billable", "type": {"name": "BILLABLE"}},
    {"id": 2, "key": "INTERNAL", "name": "Internal", "type": {"name": "INTERNAL"}},
)
PROGRAMS = ({"id": 1, "name": "Customer operations", "manager": catalog.ADMIN, "teams": (1, 3)},)
HOLIDAYS = (  # (month, day, name, duration in hours) of each year
    (1, 1, "New Year's Day", 8),
    (5, 1, "Labour Day", 8),
    (12, 24, "Christmas Eve", 4),
    (12, 25, "Christmas Day", 8),
)
PLANNED = (catalog.AGNES, catalog.BRUNO, catalog.CHIARA)


def work_attributes() -> list[dict[str, Any]]:
    """Tempo's work attributes; `_Account_` (type ACCOUNT) first, as Tempo lists it."""
    return [
        {
            "key": "_Account_",
            "name": "Account",
            "type": "ACCOUNT",
            "required": False,
            "values": [],
            "names": {},
        },
        {
            "key": "_Billing_",
            "name": "Billing",
            "type": "STATIC_LIST",
            "required": False,
            "values": ["BILLABLE", "NON_BILLABLE"],
            "names": {"BILLABLE": "Billable", "NON_BILLABLE": "Non-billable"},
        },
        {
            "key": "_Ticket_",
            "name": "External ticket",
            "type": "INPUT_FIELD",
            "required": False,
            "values": [],
            "names": {},
        },
    ]


def workload_schemes() -> list[dict[str, Any]]:
    def days(hours: tuple[int, ...]) -> list[dict[str, Any]]:
        return [
            {"day": day, "requiredSeconds": h * HOURS}
            for day, h in zip(WEEKDAYS, hours, strict=True)
        ]

    return [
        {"id": 1, "name": "Default Scheme", "defaultScheme": True, "memberCount": 0,
         "days": days((8, 8, 8, 8, 8, 0, 0))},
        {"id": 2, "name": "Part time (4 days)", "defaultScheme": False, "memberCount": 0,
         "days": days((8, 8, 8, 8, 0, 0, 0))},
    ]  # fmt: skip


def holiday_schemes() -> list[dict[str, Any]]:
    return [
        {"id": 1, "name": "Default Holiday Scheme", "defaultScheme": True, "memberCount": 0},
        {"id": 2, "name": "Switzerland", "defaultScheme": False, "memberCount": 0},
    ]


class Row(NamedTuple):
    """One `ListRecord` of the sandbox's Tempo (plain, so the tests may import this module)."""

    kind: str
    position: int
    parent: int | None
    data: dict[str, Any]


def records(today: date) -> list[Row]:
    """Every list route's objects, in the answers' shape."""
    rows: list[Row] = []

    def add(kind: str, position: int, data: dict[str, Any], parent: int | None = None) -> None:
        rows.append(Row(kind, position, parent, data))

    customers = {c["id"]: c for c in CUSTOMERS}
    for customer in CUSTOMERS:
        add("customers", customer["id"], dict(customer))
    for account_id, key, name, status, lead, customer_id in ACCOUNTS:
        account: dict[str, Any] = {
            "id": account_id,
            "key": key,
            "name": name,
            "status": status,
            "global": customer_id is None,
            "lead": {"accountId": lead.account_id},
        }
        if customer_id is not None:
            account["customer"] = dict(customers[customer_id])
        add("accounts", account_id, account)
    for team_id, name, summary, lead in TEAMS:
        team = {
            "id": team_id,
            "name": name,
            "summary": summary,
            "lead": {"accountId": lead.account_id},
        }
        add("teams", team_id, team)
    for position, attribute in enumerate(work_attributes(), start=1):
        add("work-attributes", position, attribute)
    for scheme in workload_schemes():
        add("workload-schemes", scheme["id"], scheme)
    for scheme in holiday_schemes():
        add("holiday-schemes", scheme["id"], scheme)
        for year in (today.year - 1, today.year, today.year + 1):
            for month, day, name, hours in HOLIDAYS:
                when = date(year, month, day)
                holiday = {"date": when.isoformat(), "durationSeconds": hours * HOURS, "name": name}
                add("holidays", when.toordinal(), holiday, parent=scheme["id"])
    for role in ROLES:
        add("roles", role["id"], dict(role))
    for category in ACCOUNT_CATEGORIES:
        add("account-categories", category["id"], dict(category))
    for program in PROGRAMS:
        data = {
            "id": program["id"],
            "name": program["name"],
            "manager": {"accountId": program["manager"].account_id},
            "teams": [{"id": team} for team in program["teams"]],
        }
        add("programs", program["id"], data)
    plan_id = 0
    monday = today - timedelta(days=today.weekday())
    for number, person in enumerate(PLANNED):
        for week in range(-4, 8):  # four weeks back, eight ahead
            plan_id += 1
            start = monday + timedelta(weeks=week)
            plan = {
                "id": plan_id,
                "assignee": {"id": person.account_id, "type": "USER"},
                "planItem": {
                    "id": catalog.PROJECTS[number % len(catalog.PROJECTS)].id,
                    "type": "PROJECT",
                },
                "startDate": start.isoformat(),
                "endDate": (start + timedelta(days=4)).isoformat(),
                "plannedSecondsPerDay": (4 + number) * HOURS,
            }
            add("plans", plan_id, plan)
    return rows
