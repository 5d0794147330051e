"""The demo's Tempo data outside worklogs: what the backup/export list routes answer.

Accounts and customers, teams and their memberships, account links, work attributes (with
`_Account_`), workload and holiday schemes, roles, account categories, programs, plans and
timesheet approvals (API-CONTRACTS.md §1 "Other list routes"). Fixed data, so every seeding
gives the same answer; plans, memberships and approvals are dated from the demo's `today`
like the worklogs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
MEMBER, TEAM_LEAD = ROLES[0], ROLES[1]


class Membership(NamedTuple):
    id: int
    team: int
    person: catalog.Person
    role: dict[str, Any]
    commitment: int = 100
    left_months_ago: int | None = None  # None: still in the team


# Every team has 2–4 members, all of them people who log worklogs (catalog.TEAMS); one
# membership ended half a year ago.
MEMBERSHIPS = (
    Membership(1, 1, catalog.AGNES, TEAM_LEAD),
    Membership(2, 1, catalog.BRUNO, MEMBER),
    Membership(3, 1, catalog.CHIARA, MEMBER),
    Membership(4, 1, catalog.DMITRI, MEMBER, commitment=50),
    Membership(5, 2, catalog.DMITRI, TEAM_LEAD),
    Membership(6, 2, catalog.EMEKA, MEMBER),
    Membership(7, 2, catalog.ADMIN, MEMBER),
    Membership(8, 3, catalog.FATIMA, TEAM_LEAD),
    Membership(9, 3, catalog.CHIARA, MEMBER, commitment=50),
    Membership(10, 3, catalog.BRUNO, MEMBER, left_months_ago=6),
)
# (id, account id, Jira project, default): the customer accounts on the service desks,
# INTERNAL on the software project; one default account per project.
ACCOUNT_LINKS = (
    (1, 1, catalog.ITSD, True),
    (2, 1, catalog.SUP, False),
    (3, 2, catalog.SUP, False),
    (4, 3, catalog.SUP, True),
    (5, 3, catalog.ITSD, False),
    (6, 4, catalog.ITSD, False),
    (7, 4, catalog.SUP, False),
    (8, 5, catalog.PLAT, True),
)
# Who logs worklogs, in the order catalog.TEAMS names them first.
WORKERS = tuple(dict.fromkeys(person for team in catalog.TEAMS.values() for person in team))
APPROVAL_MONTHS = 13  # the months of worklog history
# Last month's timesheets: submitted, approved, or approved and then reopened.
LAST_MONTH_IN_REVIEW = (catalog.AGNES, catalog.CHIARA, catalog.EMEKA)
LAST_MONTH_APPROVED = (catalog.BRUNO, catalog.DMITRI)
REOPENED = catalog.FATIMA
REOPENED_COMMENT = "Reopened: missing hours"
NEVER_SUBMITS = catalog.ADMIN  # every period OPEN


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month `months_back` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    return month_start(first + timedelta(days=32)) - timedelta(days=1)


def memberships_since(today: date) -> date:
    """When the demo's memberships began: before the first month of worklogs."""
    return month_start(today, APPROVAL_MONTHS + 1)


def reviewer_of(person: catalog.Person) -> catalog.Person:
    """The lead of the first team where `person` is a plain member; the admin reviews the
    leads who are nobody's member."""
    for membership in MEMBERSHIPS:
        if membership.person == person and membership.role is not TEAM_LEAD:
            return next(lead for team, _, _, lead in TEAMS if team == membership.team)
    return catalog.ADMIN


class ApprovalRow(NamedTuple):
    """One stored timesheet status (sandbox.tempo.models.Approval); plain, like `Row`."""

    account_id: str
    period_from: date
    status: str
    comment: str
    actor: str
    reviewer: str
    updated_at: datetime


def approvals(today: date) -> list[ApprovalRow]:
    """Periods older than last month APPROVED for every worker but the admin; last month a
    mix of IN_REVIEW and APPROVED and one timesheet reopened (OPEN again, with a comment);
    the current month has no row, so it is OPEN for everyone."""
    latest = datetime.combine(today, time.min, tzinfo=UTC) - timedelta(hours=1)

    def at(day: date, hour: int) -> datetime:
        return min(datetime.combine(day, time(hour), tzinfo=UTC), latest)

    rows = []
    for months_back in range(APPROVAL_MONTHS, 0, -1):
        first = month_start(today, months_back)
        after = month_end(first) + timedelta(days=1)
        for person in WORKERS:
            reviewer = reviewer_of(person).account_id
            status, comment, actor, when = "APPROVED", "", reviewer, at(after + timedelta(2), 10)
            if person == NEVER_SUBMITS:
                continue
            if months_back == 1:
                if person in LAST_MONTH_IN_REVIEW:
                    status, actor, when = "IN_REVIEW", person.account_id, at(after, 9)
                elif person == REOPENED:
                    status, comment, when = "OPEN", REOPENED_COMMENT, at(after, 15)
            rows.append(
                ApprovalRow(person.account_id, first, status, comment, actor, reviewer, when)
            )
    return rows


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
    since = memberships_since(today)
    for membership in MEMBERSHIPS:
        left = membership.left_months_ago
        data = {
            "id": membership.id,
            "team": {"id": membership.team},
            "member": {"accountId": membership.person.account_id},
            "from": since.isoformat(),
            "to": None if left is None else (month_start(today, left) - timedelta(1)).isoformat(),
            "commitmentPercent": membership.commitment,
            "role": {"id": membership.role["id"], "name": membership.role["name"]},
        }
        add("team-memberships", membership.id, data, parent=membership.team)
    keys = {account[0]: account[1] for account in ACCOUNTS}
    for link_id, account_id, project, default in ACCOUNT_LINKS:
        data = {
            "id": link_id,
            "scope": {"id": project.id, "type": "PROJECT"},
            "account": {"key": keys[account_id], "id": account_id},
            "default": default,
        }
        add("account-links", link_id, data, parent=account_id)
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
