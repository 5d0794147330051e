"""The sandbox's JQL (sandbox/jira/jql.py) against the demo data, through `search/jql`.

Each search is checked against the same condition evaluated in Python over every issue
(read once with all fields), so the tests need no fixed data and no frozen clock: relative
dates are checked between the moments just before and just after the call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sandbox.demo import catalog
from tests.sandbox.clients import JiraApi

pytestmark = pytest.mark.integration

PARTICIPANTS = "customfield_10026"
ORGANIZATIONS = "customfield_10002"
FIELDS = [
    "summary",
    "status",
    "reporter",
    "created",
    "updated",
    "project",
    "issuetype",
    PARTICIPANTS,
    ORGANIZATIONS,
]
STATUS_ORDER = ["10001", "10002", "3", "10003", "5", "6", "10004", "10005", "10006"]
TYPE_ORDER = ["10100", "10101", "10102", "10103", "10001", "10002", "10003"]

Issue = dict[str, Any]


@pytest.fixture(scope="module")
def everything(sandbox) -> list[Issue]:
    api = JiraApi(sandbox)
    issues = api.search_all("project in (ITSD, SUP, PLAT) ORDER BY id", FIELDS, maxResults=100)
    api.session.close()
    assert len(issues) >= 324  # the demo's, and any a test of another module added
    return issues


@pytest.fixture(scope="module")
def me(sandbox) -> dict[str, Any]:
    api = JiraApi(sandbox)
    myself = api.ok("/rest/api/3/myself")
    api.session.close()
    return myself


def when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def ids(issues: list[Issue]) -> list[str]:
    return [issue["id"] for issue in issues]


def where(everything: list[Issue], condition: Callable[[dict[str, Any]], bool]) -> list[str]:
    return [issue["id"] for issue in everything if condition(issue["fields"])]


def found(jira: JiraApi, jql: str) -> list[str]:
    return sorted(ids(jira.search_all(jql, maxResults=5000)), key=int)


def refused(jira: JiraApi, jql: str) -> str:
    response = jira.post("/rest/api/3/search/jql", {"jql": jql})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errors"] == {}
    assert len(body["errorMessages"]) == 1
    return body["errorMessages"][0]


def accounts(value: list[dict[str, Any]] | None) -> set[str]:
    return {user["accountId"] for user in value or []}


def org_names(value: list[dict[str, Any]] | None) -> set[str]:
    return {org["name"] for org in value or []}


# -- fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "jql",
    ["project = ITSD", "project = itsd", "PROJECT = 10000", f'project = "{catalog.ITSD.name}"'],
)
def test_project_by_key_id_or_name(jira, everything, jql):
    expected = where(everything, lambda f: f["project"]["key"] == "ITSD")

    assert found(jira, jql) == expected


@pytest.mark.parametrize(
    "jql",
    ["issuetype = Incident", "type = incident", "issueType = 10101", 'type in ("Incident")'],
)
def test_issue_type_by_name_or_id(jira, everything, jql):
    expected = where(everything, lambda f: f["issuetype"]["name"] == "Incident")

    assert expected
    assert found(jira, jql) == expected


@pytest.mark.parametrize("jql", ["status = Resolved", "status = resolved", "Status = 5"])
def test_status_by_name_any_case_or_id(jira, everything, jql):
    expected = where(everything, lambda f: f["status"]["name"] == "Resolved")

    assert expected
    assert found(jira, jql) == expected


@pytest.mark.parametrize("value", ["Done", "done", "3", '"To Do"', "new"])
def test_status_category_by_key_name_or_id(jira, everything, value):
    key = {"Done": "done", "done": "done", "3": "done"}.get(value, "new")

    expected = where(everything, lambda f: f["status"]["statusCategory"]["key"] == key)

    assert expected
    assert found(jira, f"statusCategory = {value}") == expected


@pytest.mark.parametrize("name", ["key", "issuekey", "issue", "id"])
def test_issue_keys_and_ids_are_one_field(jira, everything, name):
    chosen = everything[5:9]
    refs = f"{chosen[0]['key']}, {chosen[1]['id']}, {chosen[2]['key'].lower()}, {chosen[3]['id']}"

    assert found(jira, f"{name} in ({refs})") == ids(chosen)
    assert found(jira, f"{name} = {chosen[0]['id']}") == ids(chosen[:1])


def test_key_comparisons_stay_in_the_key_s_project(jira, everything):
    itsd = [i for i in everything if i["key"].startswith("ITSD-")]
    expected = [i["id"] for i in itsd if int(i["key"].split("-")[1]) > 150]

    assert found(jira, "key > ITSD-150") == expected
    assert found(jira, "issuekey <= ITSD-3") == [
        i["id"] for i in itsd if int(i["key"].split("-")[1]) <= 3
    ]


def test_many_ids_in_one_clause(jira, everything):
    wanted = ids(everything)[::2]

    assert found(jira, f"id in ({', '.join(wanted)})") == wanted


@pytest.mark.parametrize("operator", [">=", ">", "<=", "<"])
def test_created_and_updated_compare_with_a_moment(jira, everything, me, operator):
    zone = ZoneInfo(me["timeZone"] or "UTC")
    pivot = when(everything[40]["fields"]["updated"]).astimezone(zone)
    moment = pivot.replace(second=0, microsecond=0)
    compare = {
        ">=": lambda a: a >= moment,
        ">": lambda a: a > moment,
        "<=": lambda a: a <= moment,
        "<": lambda a: a < moment,
    }[operator]

    for name, column in (("updated", "updated"), ("createdDate", "created")):
        expected = where(everything, lambda f, column=column: compare(when(f[column])))
        assert found(jira, f'{name} {operator} "{moment:%Y/%m/%d %H:%M}"') == expected


def test_date_equality_matches_the_day_or_the_minute_it_names(jira, everything, me):
    zone = ZoneInfo(me["timeZone"] or "UTC")
    created = when(everything[7]["fields"]["created"]).astimezone(zone)
    day = created.date()

    same_day = where(everything, lambda f: when(f["created"]).astimezone(zone).date() == day)
    same_minute = where(
        everything,
        lambda f: (
            when(f["created"]).astimezone(zone).replace(second=0, microsecond=0)
            == created.replace(second=0, microsecond=0)
        ),
    )

    assert everything[7]["id"] in same_day
    assert found(jira, f'created = "{day}"') == same_day
    assert found(jira, f'created = "{created:%Y-%m-%d %H:%M}"') == same_minute
    assert found(jira, f'project in (ITSD, SUP, PLAT) AND created != "{day}"') == [
        i for i in ids(everything) if i not in same_day
    ]


@pytest.mark.parametrize("value", ["account id", "currentUser()", "CURRENTUSER()"])
def test_reporter_by_account_id_or_current_user(jira, everything, me, value):
    expected = where(everything, lambda f: f["reporter"]["accountId"] == me["accountId"])
    if value == "account id":
        value = f'"{me["accountId"]}"'

    assert expected
    assert found(jira, f"reporter = {value}") == expected


def test_reporter_by_email_and_empty(jira, everything):
    expected = where(everything, lambda f: f["reporter"]["accountId"] == catalog.ALICE.account_id)

    assert found(jira, f'reporter = "{catalog.ALICE.email}"') == expected
    assert found(jira, "reporter is EMPTY") == []
    assert found(jira, "reporter IS NOT NULL") == ids(everything)
    assert found(jira, f'reporter in (EMPTY, "{catalog.ALICE.account_id}")') == expected


@pytest.mark.parametrize("name", ["organizations", "Organizations", '"Organizations"', "cf[10002]"])
def test_organizations_by_name_or_id(jira, everything, name):
    globex = where(everything, lambda f: "Globex" in org_names(f[ORGANIZATIONS]))

    assert globex
    assert found(jira, f"{name} = Globex") == globex
    assert found(jira, f"{name} in ({catalog.GLOBEX.id})") == globex


def test_organizations_operators(jira, everything):
    none = where(everything, lambda f: not f[ORGANIZATIONS])
    not_acme = where(
        everything, lambda f: f[ORGANIZATIONS] and "Acme" not in org_names(f[ORGANIZATIONS])
    )

    assert found(jira, "organizations is EMPTY") == none
    assert found(jira, "organizations is not empty") == [
        i for i in ids(everything) if i not in none
    ]
    # != and NOT IN never match an empty field (Jira's operator reference).
    assert found(jira, "organizations != Acme") == not_acme
    assert found(jira, "organizations not in (Acme)") == not_acme
    assert found(jira, "organizations not in (Acme, EMPTY)") == not_acme


@pytest.mark.parametrize("name", ['"Request participants"', '"request PARTICIPANTS"', "cf[10026]"])
def test_request_participants(jira, everything, name):
    someone = next(acc for i in everything for acc in sorted(accounts(i["fields"][PARTICIPANTS])))
    expected = where(everything, lambda f: someone in accounts(f[PARTICIPANTS]))

    assert found(jira, f'{name} = "{someone}"') == expected
    assert found(jira, f"{name} is empty") == where(everything, lambda f: not f[PARTICIPANTS])


def test_summary_contains_every_word(jira, everything):
    word = everything[3]["fields"]["summary"].split()[0]
    expected = where(everything, lambda f: word.lower() in f["summary"].lower())

    assert found(jira, f'summary ~ "{word}"') == expected
    assert found(jira, f'project in (ITSD, SUP, PLAT) AND summary !~ "{word}"') == [
        i for i in ids(everything) if i not in expected
    ]


# -- boolean structure --------------------------------------------------------------------


def test_and_binds_before_or(jira, everything):
    def resolved(f):
        return f["status"]["name"] == "Resolved"

    def bug(f):
        return f["issuetype"]["name"] == "Bug"

    def itsd(f):
        return f["project"]["key"] == "ITSD"

    assert found(jira, "project = ITSD AND status = Resolved OR type = Bug") == where(
        everything, lambda f: (itsd(f) and resolved(f)) or bug(f)
    )
    assert found(jira, "type = Bug OR project = ITSD and status = Resolved") == where(
        everything, lambda f: bug(f) or (itsd(f) and resolved(f))
    )
    assert found(jira, "project = ITSD AND (status = Resolved OR type = Bug)") == where(
        everything, lambda f: itsd(f) and (resolved(f) or bug(f))
    )


def test_not_binds_before_and(jira, everything):
    expected = where(
        everything,
        lambda f: f["project"]["key"] != "ITSD" and f["status"]["name"] == "Resolved",
    )

    assert found(jira, "NOT project = ITSD AND status = Resolved") == expected
    assert found(jira, "not (project = ITSD or status != Resolved)") == expected
    assert found(jira, "!project = ITSD && status = Resolved") == expected


def test_or_with_symbols_and_keywords_in_any_case(jira, everything):
    expected = where(everything, lambda f: f["project"]["key"] in ("SUP", "PLAT"))

    assert found(jira, "project = SUP || project = PLAT") == expected
    assert found(jira, "project = SUP oR project = PLAT") == expected
    assert found(jira, "project NOT IN (ITSD)") == expected
    assert found(jira, "project != ITSD") == expected


# -- relative dates and functions -------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "delta"),
    [
        ("-30d", timedelta(days=-30)),
        ('"-4w 2d"', -timedelta(weeks=4, days=2)),
        ("-1h", timedelta(hours=-1)),
        ("-90m", timedelta(minutes=-90)),
        ("1w", timedelta(weeks=1)),
        ('"+1d"', timedelta(days=1)),
    ],
)
def test_relative_dates(jira, everything, period, delta):
    before = datetime.now(UTC)
    result = set(found(jira, f"updated >= {period}"))
    after = datetime.now(UTC)

    surely = set(where(everything, lambda f: when(f["updated"]) >= after + delta))
    maybe = set(where(everything, lambda f: when(f["updated"]) >= before + delta))
    assert surely <= result <= maybe
    if delta < timedelta(days=-2):
        assert result


def _local_now(me: dict[str, Any]) -> datetime:
    return datetime.now(ZoneInfo(me["timeZone"] or "UTC"))


def test_start_and_end_of_day_month_and_year(jira, everything, me):
    now = _local_now(me)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    year = today.replace(month=1, day=1)

    def created_between(start, end):
        return where(everything, lambda f: start <= when(f["created"]) < end)

    assert found(jira, "created >= startOfDay(-1) AND created <= endOfDay(-1)") == (
        created_between(yesterday, today)
    )
    assert found(jira, 'created >= startOfDay("-1d") AND created < startOfDay()') == (
        created_between(yesterday, today)
    )
    assert found(jira, "created >= startOfMonth(-1) AND created <= endOfMonth(-1)") == (
        created_between(last_month, month)
    )
    assert found(jira, 'created >= startOfMonth("-1M") AND created < startOfMonth()') == (
        created_between(last_month, month)
    )
    assert found(jira, "created < startOfYear()") == created_between(
        datetime(1970, 1, 1, tzinfo=UTC), year
    )
    assert found(jira, "created <= endOfYear(-1)") == created_between(
        datetime(1970, 1, 1, tzinfo=UTC), year
    )
    assert found(jira, "created > now()") == []
    assert found(jira, "updated <= now()") == ids(everything)


def test_weeks_start_on_sunday(jira, everything, me):
    now = _local_now(me)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    previous = sunday - timedelta(weeks=1)

    assert found(jira, "created >= startOfWeek(-1) AND created <= endOfWeek(-1)") == where(
        everything, lambda f: previous <= when(f["created"]) < sunday
    )


# -- ORDER BY -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "key"),
    [
        ("status", lambda i: (STATUS_ORDER.index(i["fields"]["status"]["id"]), int(i["id"]))),
        ("issuetype", lambda i: (TYPE_ORDER.index(i["fields"]["issuetype"]["id"]), int(i["id"]))),
        ("project", lambda i: (i["fields"]["project"]["name"], int(i["id"]))),
        ("reporter", lambda i: (i["fields"]["reporter"]["displayName"], int(i["id"]))),
        ("summary", lambda i: (i["fields"]["summary"], int(i["id"]))),
    ],
)
def test_order_by_each_field_ties_broken_by_id(jira, everything, order, key):
    asc = jira.search_all(f"project in (ITSD, SUP, PLAT) ORDER BY {order}", maxResults=5000)
    desc = jira.search_all(f"project in (ITSD, SUP, PLAT) ORDER BY {order} DESC", maxResults=5000)

    assert ids(asc) == ids(sorted(everything, key=key))
    assert ids(desc) == ids(sorted(everything, key=key, reverse=True))


def test_order_by_several_fields(jira, everything):
    result = jira.search_all(
        "project in (ITSD, SUP) ORDER BY project DESC, key ASC", ["project"], maxResults=100
    )

    keys = [(i["key"].split("-")[0], int(i["key"].split("-")[1])) for i in result]
    names = {i["fields"]["project"]["key"]: i["fields"]["project"]["name"] for i in everything}
    assert len(keys) == len([i for i in everything if i["key"].split("-")[0] in ("ITSD", "SUP")])
    assert keys == sorted(keys, key=lambda k: (names[k[0]], -k[1]), reverse=True)


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "nosuchfield = 1",
            "Field 'nosuchfield' does not exist or you do not have permission to view it.",
        ),
        (
            '"Story point estimate" = 3',
            "Field 'Story point estimate' does not exist or you do not have permission to view it.",
        ),
        (
            "project = ITSD ORDER BY nosuch",
            "Field 'nosuch' does not exist or you do not have permission to view it.",
        ),
        ("status = Frozen", "The value 'Frozen' does not exist for the field 'status'."),
        ("type = Epic", "The value 'Epic' does not exist for the field 'type'."),
        (
            "organizations = Umbrella",
            "The value 'Umbrella' does not exist for the field 'organizations'.",
        ),
        (
            "reporter = nobody-at-all",
            "The value 'nobody-at-all' does not exist for the field 'reporter'.",
        ),
        (
            "statusCategory = Blocked",
            "The value 'Blocked' does not exist for the field 'statusCategory'.",
        ),
        ("key = ITSD-99999", "An issue with key 'ITSD-99999' does not exist for field 'key'."),
        ("created > yesterday()", "Unable to find JQL function 'yesterday()'."),
        ("status = now()", "Unable to find JQL function 'now()' for the field 'status'."),
        ("created > now(1)", "Function 'now' expected '0' arguments but received '1'."),
        (
            'created > startOfDay("soon")',
            "Duration for function 'startOfDay' should have the format (+/-)n(yMwdm), "
            "e.g -1M for 1 month earlier.",
        ),
        ("project > ITSD", "The operator '>' is not supported by the 'project' field."),
        ("status ~ Open", "The operator '~' is not supported by the 'status' field."),
        ("summary = printer", "The operator '=' is not supported by the 'summary' field."),
        ("created ~ -1d", "The operator '~' is not supported by the 'created' field."),
        ("key is EMPTY", "The operator 'is' is not supported by the 'key' field."),
        (
            "project in ITSD",
            "Operator 'in' does not support the non-list value 'ITSD' for field 'project'.",
        ),
        (
            "project = (ITSD, SUP)",
            "Operator '=' does not support the list value '(ITSD, SUP)' for field 'project'.",
        ),
        (
            "updated >= soon",
            "Date value 'soon' for field 'updated' is invalid. "
            "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', "
            "'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
        ),
        ("project = ITSD ORDER BY organizations", "Not able to sort using field 'organizations'."),
    ],
)
def test_jiras_errors_for_what_it_cannot_run(jira, jql, message):
    assert refused(jira, jql) == message


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "project",
            "Expecting operator before the end of the query. The valid operators are '=', '!=', "
            "'<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.",
        ),
        ("project =", "Expecting either a value, list or function before the end of the query."),
        ("project = ITSD AND", "Expecting a field name at the end of the query."),
        ("(project = ITSD", "Expecting ')' before the end of the query."),
        (
            "project = ITSD status = Resolved",
            "Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 16)",
        ),
        (
            "project = ITSD\nAND ) ",
            "Expecting a field name but got ')'. "
            "You must surround ')' in quotation marks to use it as a field name. (line 2, "
            "character 5)",
        ),
        (
            "project = ,",
            "Expecting either a value, list or function but got ','. "
            "You must surround ',' in quotation marks to use it as a value. (line 1, character 11)",
        ),
        (
            "project = ITSD order created",
            "Expecting 'by' but got 'created'. (line 1, character 22)",
        ),
        (
            "project = ITSD order by key blah",
            "Expecting either 'ASC' or 'DESC' but got 'blah'. (line 1, character 29)",
        ),
        ("project = ITSD order by key desc b", "Expecting ',' but got 'b'. (line 1, character 34)"),
        (
            "project = ITSD order by asc",
            "Expecting a field name but got 'asc'. "
            "You must surround 'asc' in quotation marks to use it as a field name. (line 1, "
            "character 25)",
        ),
        ("status is not in (Done)", "Expecting 'EMPTY' but got 'in'. (line 1, character 15)"),
        ("status not is EMPTY", "Expecting 'IN' but got 'is'. (line 1, character 12)"),
        (
            'summary ~ "unclosed',
            "The quoted string 'unclosed' has not been completed. (line 1, character 11)",
        ),
        (
            "proj{ect = ITSD",
            "The character '{' is a reserved JQL character. "
            "You must enclose it in a string or use the escape '\\u007b' instead. (line 1, "
            "character 5)",
        ),
        (
            "created > startOfDay(-1d,)",
            "Function argument must be specified. (line 1, character 26)",
        ),
        ("created > startOfDay(-1d x)", "Expecting ')' or ',' but got 'x'. (line 1, character 26)"),
        ("'' = ITSD", "A field name cannot be empty. (line 1, character 1)"),
    ],
)
def test_syntax_errors_say_where(jira, jql, message):
    assert refused(jira, jql) == f"Error in the JQL Query: {message}"


def test_dates_are_read_in_the_api_accounts_time_zone(drift_sandbox):
    """14 hours ahead of UTC: the day "2026-11-20" and startOfDay() start 14 hours earlier."""
    api = JiraApi(drift_sandbox)
    control = drift_sandbox.client
    zone = ZoneInfo("Pacific/Kiritimati")
    try:
        control.set_jira_time_zone(catalog.ADMIN.email, zone.key)  # the API account
        issues = api.search_all("project in (ITSD, SUP, PLAT) ORDER BY id", ["created"])
        day = when(issues[7]["fields"]["created"]).astimezone(zone).date()
        start = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)

        same_day = [
            i["id"] for i in issues if when(i["fields"]["created"]).astimezone(zone).date() == day
        ]
        since = [
            i["id"] for i in issues if when(i["fields"]["created"]) >= start - timedelta(days=20)
        ]
        assert issues[7]["id"] in same_day
        assert found(api, f'created = "{day}"') == same_day
        assert found(api, "created >= startOfDay(-20)") == since
    finally:
        control.set_jira_time_zone(catalog.ADMIN.email, "Etc/UTC")
        api.session.close()


# -- NOT is the negated operator (Atlassian's operators page) ------------------------------

NEGATED_PAIRS = [
    ("organizations = Acme", "organizations != Acme"),
    ("organizations in (Acme, Globex)", "organizations not in (Acme, Globex)"),
    ("organizations is EMPTY", "organizations is not EMPTY"),
    ("reporter is EMPTY", "reporter is not EMPTY"),
    ("status in (Resolved, Closed)", "status not in (Resolved, Closed)"),
    ("project = ITSD", "project != ITSD"),
]


@pytest.mark.parametrize(("clause", "negated"), NEGATED_PAIRS)
def test_not_clause_is_the_negated_operator(jira, clause, negated):
    assert found(jira, f"NOT {clause}") == found(jira, negated)
    assert found(jira, f"NOT NOT {clause}") == found(jira, clause)


def test_not_never_matches_an_empty_multi_value_or_user_field(jira, everything):
    reporter = next(i["fields"]["reporter"] for i in everything if i["fields"]["reporter"])
    someone = next(acc for i in everything for acc in sorted(accounts(i["fields"][PARTICIPANTS])))
    pairs = [
        (f'reporter = "{reporter["accountId"]}"', f'reporter != "{reporter["accountId"]}"'),
        (
            f'reporter in ("{reporter["accountId"]}")',
            f'reporter not in ("{reporter["accountId"]}")',
        ),
        (f'"Request participants" = "{someone}"', f'"Request participants" != "{someone}"'),
        (
            f'"Request participants" in ("{someone}")',
            f'"Request participants" not in ("{someone}")',
        ),
    ]
    for clause, negated in pairs:
        assert found(jira, f"NOT {clause}") == found(jira, negated), clause
    # The tester's case: 79, not 213 (the issues without organizations stay out).
    not_acme = where(
        everything, lambda f: f[ORGANIZATIONS] and "Acme" not in org_names(f[ORGANIZATIONS])
    )
    assert found(jira, "NOT organizations = Acme") == not_acme
    no_someone = where(
        everything, lambda f: f[PARTICIPANTS] and someone not in accounts(f[PARTICIPANTS])
    )
    assert found(jira, f'NOT "Request participants" = "{someone}"') == no_someone


def test_not_over_and_or_follows_de_morgan(jira):
    assert found(jira, "NOT (organizations = Acme AND project = ITSD)") == found(
        jira, "organizations != Acme OR project != ITSD"
    )
    assert found(jira, "NOT (organizations = Acme OR status = Resolved)") == found(
        jira, "organizations != Acme AND status != Resolved"
    )
    assert found(jira, "NOT (NOT organizations = Acme)") == found(jira, "organizations = Acme")


# -- dates out of range and queries too large: 400s, never 500s ---------------------------


def test_an_absolute_date_past_the_calendar_finds_nothing(jira):
    for jql in ('created >= "9999-12-31"', 'updated > "9999/12/31 23:59"'):
        response = jira.post("/rest/api/3/search/jql", {"jql": jql})
        assert response.status_code == 200, response.text
        assert response.json()["issues"] == []
    assert found(jira, 'created > "0001-01-01"') == found(jira, "project in (ITSD, SUP, PLAT)")
    # The end of the calendar's last year is a moment too.
    years = 9999 - datetime.now(UTC).year
    assert found(jira, f'created < endOfYear("+{years}y")') == found(
        jira, "project in (ITSD, SUP, PLAT)"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("created", "-99999999d"),
        ("created", "99999999w"),
        ("updated", "-99999999999h"),
        ("created", "-99999999999999999999d"),
    ],
)
def test_a_relative_date_out_of_range_is_an_invalid_date(jira, field, value):
    message = refused(jira, f'{field} >= "{value}"')
    assert message == (
        f"Date value '{value}' for field '{field}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'."
    )


@pytest.mark.parametrize(
    "function",
    [
        "startOfDay(-99999999)",
        "startOfMonth(99999999999999)",
        'endOfYear("+999999y")',
        'endOfDay("-99999999999999999999h")',
        'startOfWeek("+7990y")',
    ],
)
def test_a_function_increment_out_of_range_is_a_bad_increment(jira, function):
    name = function.split("(")[0]
    assert refused(jira, f"created >= {function}") == (
        f"Duration for function '{name}' should have the format (+/-)n(yMwdm), e.g -1M for "
        "1 month earlier."
    )


TOO_COMPLEX = (
    "The JQL query is too complex to be run. Please simplify it: use at most 500 clauses, "
    "100 levels of parentheses or NOT, and 20 levels of AND and OR groups inside one another."
)


def _alternating(clause: str, levels: int, negated: bool = False) -> str:
    """`levels` groups inside one another, AND and OR in turn (each a real SQL level)."""
    text = clause
    for level in range(levels):
        text = f"({clause} {'OR' if level % 2 else 'AND'} {text})"
    return f"NOT {text}" if negated else text


@pytest.mark.parametrize(
    "jql",
    [
        "(" * 500 + "project = ITSD" + ")" * 500,
        " OR ".join(["project = ITSD"] * 1000),
        " AND ".join(["project = ITSD"] * 1000),
        "NOT " * 3000 + "project = ITSD",
        "!" * 101 + "project = ITSD",
        _alternating("organizations != Acme", 21),
        _alternating('"Request participants" in (EMPTY, currentUser())', 30, negated=True),
    ],
)
def test_a_query_too_large_or_too_deep_is_refused(jira, jql):
    assert refused(jira, jql) == TOO_COMPLEX


def test_queries_at_the_limits_still_run(jira, everything):
    itsd = where(everything, lambda f: f["project"]["key"] == "ITSD")
    heavy = [
        "organizations != Acme",
        'created = "2026-01-01"',
        '"Request participants" not in (EMPTY)',
        "NOT reporter is EMPTY",
        "project = ITSD",
    ]
    clauses = [heavy[i % len(heavy)] for i in range(500)]
    assert found(jira, "(" * 100 + "project = ITSD" + ")" * 100) == itsd
    assert found(jira, "NOT " * 100 + "project = ITSD") == itsd  # even: NOTs cancel
    assert len(found(jira, " OR ".join(clauses))) > 0
    assert found(jira, " AND ".join(clauses[-1:] + ["project = ITSD"] * 499)) == itsd
    assert found(jira, "NOT (" + " OR ".join(clauses) + ")") == found(
        jira, " AND ".join(f"NOT {c}" for c in clauses)
    )
    # The deepest nesting allowed, with the clauses whose SQL nests most.
    for clause in (
        "organizations != Acme",
        '"Request participants" in (EMPTY, currentUser())',
        "organizations in (EMPTY, Acme)",
        'created != "2026-01-01"',
    ):
        for negated in (False, True):
            response = jira.post(
                "/rest/api/3/search/jql", {"jql": _alternating(clause, 20, negated)}
            )
            assert response.status_code == 200, response.text
    # A group inside one of its own kind adds no level: NOTs that flip AND and OR back.
    text = "project = ITSD"
    for level in range(40):
        text = f"NOT (organizations != Acme {'OR' if level % 2 else 'AND'} {text})"
    assert jira.post("/rest/api/3/search/jql", {"jql": text}).status_code == 200
