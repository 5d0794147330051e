"""The Worklog Report's contract panel (docs/product.md §5.2): which contract, what it says."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from jsm.models import JiraProject, Organization
from portal.contracts import Contract
from tests.factories import people

from .conftest import THIS_MONTH, TODAY, _worklog

URL = "/portal/ITSD/worklog-report/"
MONTH_END = THIS_MONTH.replace(day=calendar.monthrange(THIS_MONTH.year, THIS_MONTH.month)[1])
H = 3600


def contract(world, organization=None, **fields) -> Contract:
    fields = {
        "type": "monthly",
        "start_date": THIS_MONTH,
        "end_date": MONTH_END,
        "hours": Decimal("10"),
        **fields,
    }
    if organization:
        fields["organization"] = Organization.objects.get(name=organization)
    return Contract.objects.create(project=world.project, **fields)


def panel(page: str) -> str:
    start = page.find('<details class="contract-panel"')
    return page[start : page.index("</details>", start)] if start >= 0 else ""


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</dd>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def bar(page: str) -> str:
    return re.search(r'<div class="contract-bar[^>]*>', page).group(0)


def test_no_contract_no_button(world, as_user):
    page = as_user("alice").get(URL).content.decode()
    assert "Show contract" not in page and panel(page) == ""


def test_project_wide_contract_for_a_customer(world, as_user):
    contract(world)
    page = panel(as_user("carol").get(URL).content.decode())
    assert "Show contract" in page and "<summary" in page
    assert "Monthly contract hours" in page and "Whole project" in page
    assert figure(page, "period") == contract_period_label()
    assert figure(page, "hours") == "10.00 h a month"
    # The whole project this month: 7.75 h of 10 h.
    assert figure(page, "used") == "7.75 h" and figure(page, "remaining") == "2.25 h"
    assert "level-ok" in bar(page) and 'aria-valuenow="77"' in bar(page)


def contract_period_label() -> str:
    return f"{THIS_MONTH:%-d %b %Y} – {MONTH_END:%-d %b %Y}"


def test_organizations_contract_comes_first(world, as_user):
    contract(world, hours=Decimal("100"))
    contract(world, organization="Acme", hours=Decimal("5"), type="fixed")
    alice = panel(as_user("alice").get(URL).content.decode())
    assert "Fixed contract hours" in alice and "Acme" in alice
    # Acme's requests this month: 4.75 h of 5 h.
    assert figure(alice, "used") == "4.75 h" and figure(alice, "remaining") == "0.25 h"
    assert "Used this month" not in alice  # a fixed contract is about the whole period
    carol = panel(as_user("carol").get(URL).content.decode())
    assert "Whole project" in carol and figure(carol, "hours") == "100.00 h a month"


def test_organization_contract_without_project_wide_one(world, as_user):
    contract(world, organization="Acme")
    assert "Show contract" in as_user("bob").get(URL).content.decode()
    assert "Show contract" not in as_user("carol").get(URL).content.decode()


def test_staff_preview_the_project_wide_contract(world, client):
    contract(world, organization="Acme")
    staff = people.user("admin", password=None, is_staff=True)
    client.force_login(staff)
    assert "Show contract" not in client.get(URL).content.decode()
    contract(world, hours=Decimal("20"))
    page = panel(client.get(URL).content.decode())
    assert "Whole project" in page and figure(page, "hours") == "20.00 h a month"


def test_contracts_not_running_today_or_of_other_projects_are_not_shown(world, as_user):
    contract(world, start_date=TODAY + dt.timedelta(days=1), end_date=TODAY + dt.timedelta(days=5))
    contract(world, start_date=TODAY - dt.timedelta(days=9), end_date=TODAY - dt.timedelta(days=1))
    other = JiraProject.objects.create(jira_id="2", key="OPS", name="Ops", service_desk_id="2")
    Contract.objects.create(
        project=other, type="fixed", start_date=TODAY, end_date=TODAY, hours=Decimal("1")
    )
    assert "Show contract" not in as_user("alice").get(URL).content.decode()


def test_overrun_is_shown_as_such_and_the_bar_is_red(world, as_user):
    contract(world, organization="Acme", hours=Decimal("4"))
    page = panel(as_user("alice").get(URL).content.decode())
    assert figure(page, "remaining") == "−0.75 h (overrun)"
    assert "level-over" in bar(page)
    assert 'aria-valuenow="100"' in bar(page) and "118 % used" in bar(page)
    assert "over the contracted hours" in page


@pytest.mark.parametrize(
    "hours,level", [("5.94", "ok"), ("5.93", "warning"), ("4.75", "over"), ("4.76", "warning")]
)
def test_bar_turns_amber_at_80_and_red_at_100_percent(world, as_user, hours, level):
    contract(world, organization="Acme", hours=Decimal(hours))  # 4.75 h used
    page = panel(as_user("alice").get(URL).content.decode())
    assert f"level-{level}" in bar(page)


def test_the_bar_is_an_accessible_progressbar(world, as_user):
    contract(world, organization="Acme", hours=Decimal("5"))
    html = bar(panel(as_user("alice").get(URL).content.decode()))
    for attribute in [
        'role="progressbar"',
        'aria-valuemin="0"',
        'aria-valuemax="100"',
        'aria-valuenow="95"',
        'aria-labelledby="contract-bar-label"',
        'aria-valuetext="95 % used: 4.75 h of 5.00 h"',
    ]:
        assert attribute in html, attribute


def test_carry_over_adds_last_months_unused_hours(world, as_user):
    last_month = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
    _worklog(500, world.requests["ITSD-2"], last_month, 6 * H)  # bob's, an Acme member
    contract(world, organization="Acme", start_date=last_month, carry_over=True)
    page = panel(as_user("alice").get(URL).content.decode())
    # Last month 10 - 6 = 4 h unused; this month 10 + 4 = 14 h, 4.75 h used.
    assert "4.00 h carried over from earlier months = 14.00 h" in page
    assert figure(page, "used") == "4.75 h" and figure(page, "remaining") == "9.25 h"
    assert "Used this month" in page and "Remaining this month" in page


def test_panel_follows_the_hours_settings(world, as_user):
    world.settings.rounding_minutes = 60
    world.settings.time_format = "hours_minutes"
    world.settings.save()
    contract(world, organization="Acme")
    page = panel(as_user("alice").get(URL).content.decode())
    # Acme, rounded per worklog: 2 + 1 + 0 (ITSD-1), 2 (ITSD-2), 1 (ITSD-4).
    assert figure(page, "used") == "6h" and figure(page, "remaining") == "4h"


def test_panel_ignores_the_chosen_period_and_scope(world, as_user):
    contract(world, organization="Acme")
    page = panel(as_user("alice").get(URL, {"period": "last_month"}).content.decode())
    assert figure(page, "used") == "4.75 h"


def test_csv_export_is_unchanged(world, as_user):
    contract(world)
    response = as_user("alice").get(URL, {"format": "csv"})
    assert "contract" not in response.content.decode().lower()


def test_report_queries_stay_constant_with_a_contract(
    world, as_user, django_assert_max_num_queries
):
    client = as_user("alice")
    client.get(URL)  # sessions and settings warm up
    contract(world, hours=Decimal("100"))
    contract(world, organization="Acme")
    cache.clear()  # both pages compute their report (portal.report_cache)
    with django_assert_max_num_queries(50) as before:
        client.get(URL)
    for n in range(600, 640):
        _worklog(n, world.requests["ITSD-1"], THIS_MONTH, 60)
    cache.clear()
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(URL)
