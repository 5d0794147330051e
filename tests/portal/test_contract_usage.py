"""How usage counts (docs/product.md §4.3): the month arithmetic, and the SQL behind it."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import pytest

from jsm.models import JiraProject, Organization, Request
from portal.contracts import Contract, contract_shown_to, contract_usages, usage_from_months
from portal.models import ReportSettings
from tempo_integration.models import Worklog
from tests.factories import people

from .conftest import THIS_MONTH, TODAY, _worklog

H = 3600
# Far from today, so the world's worklogs of this month and of last year never interfere.
YEAR = TODAY.year - 5


def d(month: int, day: int, year: int = YEAR) -> dt.date:
    return dt.date(year, month, day)


def monthly(start, end, hours=40, carry_over=False, **kwargs) -> Contract:
    return Contract(
        type=Contract.Type.MONTHLY,
        start_date=start,
        end_date=end,
        hours=Decimal(hours),
        carry_over=carry_over,
        **kwargs,
    )


def fixed(start, end, hours=100, **kwargs) -> Contract:
    return Contract(
        type=Contract.Type.FIXED, start_date=start, end_date=end, hours=Decimal(hours), **kwargs
    )


def used(**hours_by_month: float) -> dict[dt.date, int]:
    """used(jan=30, feb=12) -> seconds per first day of month, in YEAR."""
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    return {d(months.index(m) + 1, 1): int(h * H) for m, h in hours_by_month.items()}


# -- The arithmetic, without a database --------------------------------------------------


def test_monthly_counts_only_this_month():
    usage = usage_from_months(monthly(d(1, 1), d(12, 31)), used(jan=30, feb=12), d(2, 14))
    assert (usage.start, usage.end) == (d(2, 1), d(2, 29 if YEAR % 4 == 0 else 28))
    assert usage.allowance_seconds == 40 * H and usage.carried_seconds == 0
    assert usage.used_seconds == 12 * H and usage.remaining_seconds == 28 * H
    assert usage.window_label == f"February {YEAR}"


def test_without_carry_over_unused_hours_are_lost():
    usage = usage_from_months(monthly(d(1, 1), d(12, 31)), used(jan=5, feb=5), d(3, 1))
    assert usage.available_seconds == 40 * H and usage.used_seconds == 0


def test_month_boundaries_last_and_first_day_belong_to_their_month():
    contract = monthly(d(1, 1), d(12, 31))
    seconds = {d(1, 1): 10 * H, d(2, 1): 3 * H}  # as the SQL returns them: by month
    assert usage_from_months(contract, seconds, d(1, 31)).used_seconds == 10 * H
    assert usage_from_months(contract, seconds, d(2, 1)).used_seconds == 3 * H


def test_partial_first_and_last_months_get_the_full_allowance():
    contract = monthly(d(1, 15), d(4, 10), hours=40)
    first = usage_from_months(contract, {}, d(1, 20))
    assert (first.start, first.end, first.available_seconds) == (d(1, 15), d(1, 31), 40 * H)
    last = usage_from_months(contract, {}, d(4, 2))
    assert (last.start, last.end, last.available_seconds) == (d(4, 1), d(4, 10), 40 * H)


def test_carry_over_accumulates_across_several_months():
    contract = monthly(d(1, 1), d(12, 31), hours=40, carry_over=True)
    usage = usage_from_months(contract, used(jan=30, feb=35, mar=20), d(4, 3))
    # Jan 40-30 -> 10; Feb 40+10-35 -> 15; Mar 40+15-20 -> 35; Apr 40+35.
    assert [m.brought_forward_seconds // H for m in usage.months] == [0, 10, 15, 35]
    assert usage.carried_seconds == 35 * H
    assert usage.available_seconds == 75 * H and usage.remaining_seconds == 75 * H


def test_an_overrun_is_never_borrowed_from_later_months():
    contract = monthly(d(1, 1), d(12, 31), hours=40, carry_over=True)
    usage = usage_from_months(contract, used(jan=20, feb=70, mar=10), d(3, 15))
    jan, feb, mar = usage.months
    assert jan.remaining_seconds == 20 * H  # carried into February
    assert feb.available_seconds == 60 * H and feb.remaining_seconds == -10 * H
    assert mar.brought_forward_seconds == 0  # not -10: March starts afresh
    assert usage.remaining_seconds == 30 * H


def test_this_months_overrun_is_negative_remaining():
    usage = usage_from_months(monthly(d(1, 1), d(12, 31), hours=10), used(mar=13.5), d(3, 9))
    assert usage.remaining_seconds == -3.5 * H
    assert usage.is_overrun and usage.overrun_seconds == 3.5 * H
    assert usage.level == "over" and usage.percent_used == 135 and usage.bar_percent == 100


def test_later_months_do_not_count_towards_this_month():
    contract = monthly(d(1, 1), d(12, 31), carry_over=True)
    usage = usage_from_months(contract, used(jan=10, may=40), d(2, 10))
    assert usage.used_seconds == 0 and usage.carried_seconds == 30 * H
    assert [m.month for m in usage.months] == [d(1, 1), d(2, 1)]


def test_before_the_start_and_after_the_end():
    contract = monthly(d(3, 10), d(6, 5), carry_over=True)
    upcoming = usage_from_months(contract, {}, d(1, 1))
    assert upcoming.status == "upcoming" and (upcoming.start, upcoming.end) == (d(3, 10), d(3, 31))
    ended = usage_from_months(contract, used(mar=10, apr=40, may=40, jun=5), d(9, 1))
    assert ended.status == "ended" and (ended.start, ended.end) == (d(6, 1), d(6, 5))
    assert ended.carried_seconds == 30 * H and ended.remaining_seconds == 65 * H
    assert usage_from_months(contract, {}, d(4, 1)).status == "active"


def test_fixed_covers_the_whole_period():
    contract = fixed(d(1, 1), d(6, 30), hours=100)
    usage = usage_from_months(contract, used(jan=30, mar=50, jun=30, jul=99), d(2, 1))
    assert (usage.start, usage.end) == (d(1, 1), d(6, 30))
    assert usage.used_seconds == 110 * H and usage.remaining_seconds == -10 * H
    assert usage.overrun_seconds == 10 * H and usage.level == "over"
    # The ledger is a running balance over every month of the period.
    assert [m.remaining_seconds // H for m in usage.months] == [70, 70, 20, 20, 20, -10]
    assert usage.months[0].allowance_seconds == 100 * H
    assert all(m.allowance_seconds == 0 for m in usage.months[1:])


@pytest.mark.parametrize(
    "used_hours,level,percent",
    [
        (0, "ok", 0),
        (31.99, "ok", 79),
        (32, "warning", 80),
        (39.99, "warning", 99),
        (40, "over", 100),
    ],
)
def test_bar_levels_are_exact_thresholds(used_hours, level, percent):
    usage = usage_from_months(monthly(d(1, 1), d(1, 31)), used(jan=used_hours), d(1, 5))
    assert (usage.level, usage.percent_used) == (level, percent)
    assert not usage.is_overrun  # 100 % used is no hours left, not an overrun


def test_two_decimal_hours_become_whole_seconds():
    contract = monthly(d(1, 1), d(1, 31), hours=Decimal("0.01"))
    assert contract.seconds == 36
    assert monthly(d(1, 1), d(1, 31), hours=Decimal("37.25")).seconds == 134100


# -- The SQL: scope, period, hours source and rounding ------------------------------------


@pytest.fixture
def acme(world):
    return Organization.objects.get(name="Acme")


@pytest.fixture
def globex(world):
    return Organization.objects.get(name="Globex")


def make(world, **fields) -> Contract:
    fields.setdefault("type", Contract.Type.FIXED)
    fields.setdefault("hours", Decimal("100"))
    return Contract.objects.create(project=world.project, **fields)


MONTH_END = THIS_MONTH.replace(day=calendar.monthrange(THIS_MONTH.year, THIS_MONTH.month)[1])


def this_month_contract(world, **fields) -> Contract:
    return make(world, start_date=THIS_MONTH, end_date=MONTH_END, **fields)


def used_hours(world, *contracts) -> list[float]:
    usages = contract_usages(contracts, world.settings, TODAY)
    return [usages[c.pk].used_seconds / H for c in contracts]


def test_project_wide_counts_every_request_of_the_project(world):
    # This month: ITSD-1 1.75 h, ITSD-2 2 h, ITSD-3 3 h, ITSD-4 1 h (billable).
    assert used_hours(world, this_month_contract(world)) == [7.75]


def test_organization_counts_requests_shared_with_it_or_raised_by_its_members(world, acme, globex):
    acme_contract = this_month_contract(world, organization=acme)
    globex_contract = this_month_contract(world, organization=globex)
    # Acme: ITSD-1 (alice's, shared, counted once), ITSD-2 (bob's, not shared),
    # ITSD-4 (an outsider's, shared with Acme). Globex: ITSD-3 only.
    assert used_hours(world, acme_contract, globex_contract) == [4.75, 3.0]


def test_worklogs_on_the_first_and_last_day_count_and_outside_do_not(world):
    request = world.requests["ITSD-2"]
    for n, day in enumerate([d(3, 9), d(3, 10), d(4, 20), d(4, 21)], start=100):
        _worklog(n, request, day, H)
    contract = make(world, start_date=d(3, 10), end_date=d(4, 20))
    usage = contract_usages([contract], world.settings, d(4, 1))[contract.pk]
    assert usage.used_seconds == 2 * H
    assert {m.month: m.used_seconds for m in usage.months} == {d(3, 1): H, d(4, 1): H}


def test_other_projects_hours_never_count(world):
    other = JiraProject.objects.create(jira_id="2", key="OPS", name="Ops", service_desk_id="2")
    elsewhere = Request.objects.create(
        jira_id="9",
        key="OPS-1",
        project=other,
        summary="x",
        status="Open",
        reporter=world.requests["ITSD-1"].reporter,
        created=world.requests["ITSD-1"].created,
        updated=world.requests["ITSD-1"].updated,
    )
    elsewhere.organizations.add(Organization.objects.get(name="Acme"))
    _worklog(200, elsewhere, THIS_MONTH, 50 * H)
    acme_contract = this_month_contract(world, organization=Organization.objects.get(name="Acme"))
    assert used_hours(world, this_month_contract(world), acme_contract) == [7.75, 4.75]


def test_each_worklog_is_rounded_before_adding_up(world):
    world.settings.rounding_minutes = 60
    world.settings.save()
    # 1.5 -> 2, 0.25 -> 1, 2 -> 2, 3 -> 3, 1 -> 1, and the 0 h worklog stays 0.
    assert used_hours(world, this_month_contract(world)) == [9.0]


def test_logged_time_from_jira_when_the_project_shows_it(world):
    world.settings.hours_source = "jira_logged"
    world.settings.save()
    [hours] = used_hours(world, this_month_contract(world))
    assert round(hours, 4) == round(10000 / H, 4)


def test_monthly_usage_from_the_database_with_carry_over(world):
    request = world.requests["ITSD-2"]
    for n, (day, hours) in enumerate(
        [(d(1, 31), 30), (d(2, 1), 35), (d(2, 28), 0), (d(3, 15), 20)], start=300
    ):
        _worklog(n, request, day, hours * H)
    contract = make(
        world,
        type=Contract.Type.MONTHLY,
        hours=Decimal("40"),
        carry_over=True,
        start_date=d(1, 1),
        end_date=d(12, 31),
    )
    usage = contract_usages([contract], world.settings, d(4, 2))[contract.pk]
    assert [m.used_seconds // H for m in usage.months] == [30, 35, 20, 0]
    assert usage.carried_seconds == 35 * H and usage.remaining_seconds == 75 * H


def test_one_query_whatever_the_number_of_contracts(world, acme, globex, django_assert_num_queries):
    contracts = [
        this_month_contract(world),
        this_month_contract(world, organization=acme),
        this_month_contract(world, organization=globex),
        make(world, start_date=d(1, 1), end_date=d(12, 31), type=Contract.Type.MONTHLY),
    ]
    for contract in contracts:
        contract.organization  # noqa: B018 - loaded like the views load them
    with django_assert_num_queries(1):
        contract_usages(contracts, world.settings, TODAY)
    with django_assert_num_queries(0):
        assert contract_usages([], world.settings, TODAY) == {}


def test_contracts_of_another_project_are_refused(world):
    other = JiraProject.objects.create(jira_id="2", key="OPS", name="Ops", service_desk_id="2")
    contract = Contract.objects.create(
        project=other, type="fixed", start_date=d(1, 1), end_date=d(1, 2), hours=1
    )
    with pytest.raises(ValueError):
        contract_usages([contract], world.settings, TODAY)


# -- Which contract a person sees ---------------------------------------------------------


def test_a_customer_sees_their_organizations_contract_first(world, acme):
    project_wide = this_month_contract(world)
    acme_contract = this_month_contract(world, organization=acme)
    assert contract_shown_to(world.users["alice"], world.project, TODAY) == acme_contract
    assert contract_shown_to(world.users["carol"], world.project, TODAY) == project_wide


def test_staff_preview_the_project_wide_contract(world, acme):
    staff = people.user("admin", password=None, is_staff=True)
    assert contract_shown_to(staff, world.project, TODAY) is None
    this_month_contract(world, organization=acme)
    assert contract_shown_to(staff, world.project, TODAY) is None
    project_wide = this_month_contract(world)
    assert contract_shown_to(staff, world.project, TODAY) == project_wide


def test_only_a_contract_running_today_is_shown(world, acme):
    make(world, start_date=TODAY - dt.timedelta(days=30), end_date=TODAY - dt.timedelta(days=1))
    make(world, start_date=TODAY + dt.timedelta(days=1), end_date=TODAY + dt.timedelta(days=9))
    assert contract_shown_to(world.users["alice"], world.project, TODAY) is None
    today_only = make(world, start_date=TODAY, end_date=TODAY, organization=acme)
    assert contract_shown_to(world.users["alice"], world.project, TODAY) == today_only


def test_people_who_are_not_customers_see_no_contract(world):
    this_month_contract(world)
    stranger = people.user("stranger@example.com", password=None)
    assert contract_shown_to(stranger, world.project, TODAY) is None
    alice = world.users["alice"]
    alice.is_active = False
    assert contract_shown_to(alice, world.project, TODAY) is None


# -- Months with no data (issue 13) --------------------------------------------------------


def test_months_before_the_first_month_with_data_carry_nothing_over():
    contract = monthly(d(1, 1), d(12, 31), hours=40, carry_over=True)
    usage = usage_from_months(contract, used(apr=10), d(5, 20), data_from=d(4, 1))
    # January to March have no data: 3 × 40 h unknown, not unused. April: 40 - 10 = 30 h.
    assert [m.brought_forward_seconds // H for m in usage.months] == [0, 0, 0, 0, 30]
    assert usage.carried_seconds == 30 * H and usage.available_seconds == 70 * H


def test_a_contract_with_no_data_in_any_month_carries_nothing():
    contract = monthly(d(1, 1), d(12, 31), hours=40, carry_over=True)
    usage = usage_from_months(contract, {}, d(11, 20), data_from=dt.date.max)
    assert usage.carried_seconds == 0 and usage.available_seconds == 40 * H


def test_tempo_data_starts_at_the_projects_first_synced_worklog_in_the_contract(world, acme):
    """The demo's false "40.00 h + 400.00 h carried over": months of the contract before
    the project's first synced Tempo worklog have no data, so they add nothing."""
    contract = Contract.objects.create(
        project=world.project,
        organization=acme,
        start_date=THIS_MONTH.replace(year=THIS_MONTH.year - 1),
        end_date=MONTH_END,
        hours=Decimal("40"),
        carry_over=True,
    )
    Worklog.objects.filter(start_date__lt=THIS_MONTH).delete()  # only this month has data
    usage = contract_usages([contract], world.settings, TODAY)[contract.pk]
    assert usage.carried_seconds == 0 and usage.available_seconds == 40 * H
    assert usage.used_seconds == 4.75 * H
    # A worklog two months ago, on Globex's request (not in Acme's scope), shows that Tempo
    # had the project then: from that month on, Acme's unused hours carry over.
    two_months_ago = (THIS_MONTH - dt.timedelta(days=32)).replace(day=1)
    _worklog(800, world.requests["ITSD-3"], two_months_ago, H)
    usage = contract_usages([contract], world.settings, TODAY)[contract.pk]
    assert usage.carried_seconds == 80 * H  # two months of 40 unused hours
    assert [m.month for m in usage.months if m.brought_forward_seconds] == [
        (two_months_ago + dt.timedelta(days=32)).replace(day=1),
        THIS_MONTH,
    ]


def test_jira_logged_time_carries_every_month_over(world, acme):
    world.settings.hours_source = ReportSettings.HoursSource.JIRA_LOGGED
    world.settings.save()
    contract = Contract.objects.create(
        project=world.project,
        organization=acme,
        start_date=(THIS_MONTH - dt.timedelta(days=1)).replace(day=1),
        end_date=MONTH_END,
        hours=Decimal("10"),
        carry_over=True,
    )
    usage = contract_usages([contract], world.settings, TODAY)[contract.pk]
    assert usage.carried_seconds == 10 * H  # last month: no Jira worklog, 10 h unused
