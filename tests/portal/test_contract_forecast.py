"""The run-out forecast on the contract panel and the Contract management table
(docs/product.md §5.2, §4.3), with the hours the contract counts.

The clock stands on Wed 2 Jun 2032, far from the world's worklogs of tests.clock's month and
of the year before. Its last 10 working days are Tue 1 Jun, Mon 31, Fri 28, Thu 27, Wed 26,
Tue 25, Mon 24, Fri 21, Thu 20 and Wed 19 May; June 2032 has 21 working days from Wed 2.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from jsm.models import Organization
from portal import contract_sentences as sentences
from portal.contracts import Contract, contract_forecasts, contract_usages, used_seconds_by_day
from portal.forecast import ENOUGH, NO_FORECAST, RUNS_OUT, Forecast, pace_days
from tests.factories import people

from .conftest import _worklog
from .test_contract_panel import panel

REPORT = "/portal/ITSD/worklog-report/"
CONTRACTS = "/configuration/projects/ITSD/contracts/"
H = 3600
TODAY = dt.date(2032, 6, 2)


def d(month: int, day: int) -> dt.date:
    return dt.date(2032, month, day)


@pytest.fixture(autouse=True)
def _wed_2_jun_2032(time_machine):
    time_machine.move_to(dt.datetime(2032, 6, 2, 12, tzinfo=dt.UTC), tick=True)


@pytest.fixture
def busy(world):
    """8 h on ITSD-1 (Acme's) on Mon 31, Fri 28, Thu 27, Wed 26 and Tue 25 May, and 2 h on
    Tue 1 Jun: 42 h over the last 10 working days, a pace of 4.2 h a working day; 2 h used
    in June."""
    for n, day in enumerate([d(5, 31), d(5, 28), d(5, 27), d(5, 26), d(5, 25)]):
        _worklog(700 + n, world.requests["ITSD-1"], day, 8 * H)
    _worklog(710, world.requests["ITSD-1"], d(6, 1), 2 * H)
    return world


def contract(world, hours, organization="Acme", **fields) -> Contract:
    return Contract.objects.create(
        project=world.project,
        type=fields.pop("type", "monthly"),
        start_date=fields.pop("start_date", d(6, 1)),
        end_date=fields.pop("end_date", d(12, 31)),
        hours=Decimal(hours),
        organization=Organization.objects.get(name=organization) if organization else None,
        **fields,
    )


def note(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</span>', html, re.S)
    return match.group(1).strip() if match else ""


def panel_of(as_user, name="alice") -> str:
    return panel(as_user(name).get(REPORT).content.decode())


def row_of(page: str, contract: Contract) -> str:
    start = page.index(f'id="contract-{contract.pk}"')
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def staff(client, world):
    client.force_login(people.user("admin", password=None, is_staff=True))
    return client


# -- The panel ------------------------------------------------------------------------------


def test_panel_says_when_the_hours_run_out(busy, as_user):
    contract(busy, 20)
    page = panel_of(as_user)
    # 20 - 2 = 18 h left; 18 h ÷ 4.2 h = 4.29, so the 5th working day: Wed 2, Thu 3, Fri 4,
    # Mon 7, Tue 8 Jun.
    assert note(page, "forecast") == "At this pace the hours run out on 8 Jun."
    assert note(page, "pace") == "Pace: 4.20 h a working day over the last 10 working days."
    assert "<dt>Forecast</dt>" in page


def test_panel_says_enough_for_this_month(busy, as_user):
    contract(busy, 100)
    page = panel_of(as_user)
    # 98 h ÷ 4.2 h = 23.3: a 24th working day, and June has 21 from Wed 2 on.
    assert note(page, "forecast") == sentences.ENOUGH_FOR_THIS_PERIOD
    assert note(page, "pace") == "Pace: 4.20 h a working day over the last 10 working days."


def test_panel_of_a_fixed_contract_looks_to_its_end(busy, as_user):
    contract(busy, 100, type="fixed", start_date=d(5, 1), end_date=d(7, 31))
    page = panel_of(as_user)
    # 100 - 42 = 58 h left; 58 ÷ 4.2 = 13.8: the 14th working day, Mon 21 Jun (Jun 2-4,
    # 7-11, 14-18 are 13).
    assert note(page, "forecast") == "At this pace the hours run out on 21 Jun."


def test_panel_says_nothing_with_too_little_data(world, as_user):
    # Hours on two of the last 10 working days only.
    _worklog(700, world.requests["ITSD-1"], d(5, 31), 8 * H)
    _worklog(701, world.requests["ITSD-1"], d(5, 28), 8 * H)
    contract(world, 20)
    page = panel_of(as_user)
    assert "Show contract" in page
    assert "Forecast" not in page and note(page, "pace") == ""


def test_panel_says_nothing_new_on_an_overrun(busy, as_user):
    contract(busy, 1)  # 2 h used of 1 h
    page = panel_of(as_user)
    assert "(overrun)" in page and "Forecast" not in page


def test_panel_counts_the_pace_on_the_contracts_scope_only(busy, as_user):
    # Globex's contract: none of the 42 h are on its requests.
    contract(busy, 20, organization="Globex")
    page = panel_of(as_user, "carol")
    assert "Show contract" in page and "Forecast" not in page


def test_panel_pace_follows_the_hours_settings(busy, as_user):
    busy.settings.time_format = "hours_minutes"
    busy.settings.save()
    contract(busy, 20)
    assert note(panel_of(as_user), "pace") == (
        "Pace: 4h 12m a working day over the last 10 working days."
    )


# -- The Contract management table ----------------------------------------------------------


def test_table_shows_each_running_contracts_forecast(busy, staff):
    acme = contract(busy, 20)
    whole = contract(busy, 100, organization=None)
    later = contract(busy, 20, start_date=dt.date(2033, 1, 1), end_date=dt.date(2033, 12, 31))
    page = staff.get(CONTRACTS).content.decode()
    assert note(row_of(page, acme), "forecast") == "At this pace the hours run out on 8 Jun."
    # The whole project: the same 42 h (the world's hours are years away).
    assert note(row_of(page, whole), "forecast") == sentences.ENOUGH_FOR_THIS_PERIOD
    assert note(row_of(page, later), "forecast") == ""  # upcoming: nothing to forecast


# -- The data behind it ---------------------------------------------------------------------


def test_used_seconds_by_day_follow_scope_and_rounding(busy):
    busy.settings.rounding_minutes = 60
    busy.settings.save()
    _worklog(720, busy.requests["ITSD-3"], d(5, 31), 15 * 60)  # Globex's, 0.25 h -> 1 h
    acme, whole = contract(busy, 20), contract(busy, 20, organization=None)
    used = used_seconds_by_day([acme, whole], busy.settings, pace_days(TODAY))
    assert used[acme.pk] == {
        d(6, 1): 2 * H, d(5, 31): 8 * H, d(5, 28): 8 * H, d(5, 27): 8 * H, d(5, 26): 8 * H,
        d(5, 25): 8 * H,
    }  # fmt: skip
    assert used[whole.pk][d(5, 31)] == 9 * H


def test_forecasts_take_one_query_whatever_the_number_of_contracts(busy, django_assert_num_queries):
    contracts = [contract(busy, 20), contract(busy, 100, organization=None)]
    contracts.append(contract(busy, 5, organization="Globex"))
    usages = contract_usages(contracts, busy.settings, TODAY)
    with django_assert_num_queries(1):
        forecasts = contract_forecasts(usages.values(), busy.settings, TODAY)
    assert forecasts == {
        contracts[0].pk: Forecast(RUNS_OUT, d(6, 8), pace_seconds=15120),
        contracts[1].pk: Forecast(ENOUGH, None, pace_seconds=15120),
        contracts[2].pk: NO_FORECAST,
    }
    with django_assert_num_queries(0):
        assert contract_forecasts([], busy.settings, TODAY) == {}
