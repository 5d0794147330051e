"""What a Tempo backup reads: every data set of Tempo's other list routes, with its route,
paging style, the scope that opens it and, for per-parent routes, the data set it hangs on.

Source: Tempo REST API v4 (https://apidocs.tempo.io/), as recorded in docs/outside-apis.md §1
"Other list routes (backup/export)" and "Tokens" (scopes): offset/limit routes page with the
worklogs' envelope (`metadata.next`); "one response" routes answer every object at once as
`{"self", "metadata": {"count"}, "results": [...]}`; `/4/periods` answers `{"periods": [...]}`;
`/4/timesheet-approvals` has no bare list route, so approvals are read per team and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Paging(Enum):
    OFFSET = "offset"  # offset/limit, follow metadata.next
    ONE = "one"  # one response: results
    PERIODS = "periods"  # one response: periods


# Tempo's names of the token scopes (the settings page's), by the API's scope key.
SCOPE_NAMES = {
    "worklogs": "Worklogs",
    "accounts": "Accounts",
    "teams": "Teams",
    "schemes": "Schemes",
    "plans": "Plans",
    "periods": "Periods",
    "approvals": "Approvals",
}


@dataclass(frozen=True)
class DataSet:
    """One file of the archive: `name`.jsonl, one Tempo object per line.

    `route` is a path under the Tempo base URL; for a per-parent data set it holds
    `{parent}`, filled with `parent_field` of each record of `parent` (and `{from}` with the
    first day of each month of the backup's window when `per_period`).
    `window`: the route needs `from` and `to` (the backup's window, local dates).
    `parent_label`: the field added to each record naming its parent, when Tempo's object
    does not say it.
    """

    name: str
    route: str
    paging: Paging
    scope: str
    parent: str | None = None
    parent_field: str = "id"
    parent_label: str | None = None
    window: bool = False
    per_year: bool = False
    per_period: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.name}.jsonl"

    @property
    def scope_name(self) -> str:
        return SCOPE_NAMES[self.scope]


DATA_SETS: tuple[DataSet, ...] = (
    DataSet("worklogs", "/4/worklogs", Paging.OFFSET, "worklogs"),
    DataSet("work-attributes", "/4/work-attributes", Paging.OFFSET, "worklogs"),
    DataSet("accounts", "/4/accounts", Paging.OFFSET, "accounts"),
    DataSet("account-categories", "/4/account-categories", Paging.ONE, "accounts"),
    DataSet(
        "account-links",
        "/4/account-links/account/{parent}",
        Paging.ONE,
        "accounts",
        parent="accounts",
        parent_field="key",
    ),
    DataSet("customers", "/4/customers", Paging.OFFSET, "accounts"),
    DataSet("teams", "/4/teams", Paging.OFFSET, "teams"),
    DataSet(
        "team-memberships",
        "/4/team-memberships/team/{parent}",
        Paging.ONE,
        "teams",
        parent="teams",
    ),
    DataSet("roles", "/4/roles", Paging.ONE, "teams"),
    DataSet("holiday-schemes", "/4/holiday-schemes", Paging.ONE, "schemes"),
    DataSet(
        "holidays",
        "/4/holiday-schemes/{parent}/holidays",
        Paging.ONE,
        "schemes",
        parent="holiday-schemes",
        parent_label="holidaySchemeId",
        per_year=True,
    ),
    DataSet("workload-schemes", "/4/workload-schemes", Paging.OFFSET, "schemes"),
    DataSet("programs", "/4/programs", Paging.ONE, "plans"),
    DataSet("plans", "/4/plans", Paging.OFFSET, "plans", window=True),
    DataSet("periods", "/4/periods", Paging.PERIODS, "periods", window=True),
    DataSet(
        "timesheet-approvals",
        "/4/timesheet-approvals/team/{parent}",
        Paging.ONE,
        "approvals",
        parent="teams",
        parent_label="teamId",
        per_period=True,
    ),
    DataSet(
        "timesheet-approvals-waiting", "/4/timesheet-approvals/waiting", Paging.ONE, "approvals"
    ),
)

BY_NAME = {data_set.name: data_set for data_set in DATA_SETS}

# One cheap call per scope: what the Tempo backup tab shows the token can read today.
SCOPE_PROBES: dict[str, tuple[str, dict[str, str | int]]] = {
    "worklogs": ("/4/worklogs", {"limit": 1}),
    "accounts": ("/4/accounts", {"limit": 1}),
    "teams": ("/4/teams", {"limit": 1}),
    "schemes": ("/4/workload-schemes", {"limit": 1}),
    "plans": ("/4/programs", {}),
    "periods": ("/4/periods", {"from": "{today}", "to": "{today}"}),
    "approvals": ("/4/timesheet-approvals/waiting", {}),
}
