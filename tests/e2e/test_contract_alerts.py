"""The alert settings of a contract in Chromium (issue 18 §1): from the Contract management
table, levels and recipients are chosen, bad levels are refused with a sentence, and the
saved settings are there on the next visit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alerts import sentences
from alerts.models import AlertSettings
from jsm.models import Organization
from portal.contracts import Contract
from tests.clock import TODAY

from .conftest import sign_in
from .test_contracts import itsd  # noqa: F401 - the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("frozen_today")]

CONTRACTS = "/configuration/projects/ITSD/contracts/"


@pytest.fixture
def contract(itsd):  # noqa: F811
    return Contract.objects.create(
        project=itsd.project,
        start_date=TODAY.replace(day=1),
        end_date=dt.date(TODAY.year, 12, 31),
        hours=Decimal(10),
        organization=Organization.objects.get(name="Acme"),
    )


def test_alert_settings_are_chosen_checked_and_saved(page, contract):
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    page.get_by_role("link", name="Alerts of the contract of Acme").click()
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    levels = page.get_by_label("Alert levels (%)")
    expect(levels).to_have_value("80, 100")

    levels.fill("0, 80, 80")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(sentences.LEVEL_ZERO)).to_be_visible()
    expect(page.get_by_text(sentences.listed_twice(80))).to_be_visible()

    page.get_by_label("Alert levels (%)").fill("50, 90")
    page.get_by_label("admin (admin@example.com)").check()
    page.get_by_label("Also e-mail the organization's customers").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(sentences.SAVED)).to_be_visible()
    assert page.url.endswith(CONTRACTS)

    saved = AlertSettings.objects.get(contract=contract)
    assert (saved.levels, saved.email_customers) == ([50, 90], True)
    assert [u.username for u in saved.staff.all()] == ["admin"]
    page.goto(f"{CONTRACTS}{contract.pk}/alerts/")
    expect(page.get_by_label("Alert levels (%)")).to_have_value("50, 90")
    expect(page.get_by_label("admin (admin@example.com)")).to_be_checked()


def test_the_edit_contract_page_links_the_alert_settings(page, contract):
    sign_in(page, "admin", "admin")
    page.goto(f"{CONTRACTS}{contract.pk}/edit/")
    page.get_by_role("link", name="Alert settings").click()
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
