"""Alert settings of a contract (docs/product.md §4.6): the page behind **Alerts** on the
Contract management tab, staff only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from alerts import sentences
from alerts.models import AlertSettings
from portal.models import Contract
from tests.factories import people


def url(contract, action="") -> str:
    return f"/configuration/projects/ITSD/contracts/{contract.pk}/alerts/{action}"


@pytest.fixture
def staff_client(client, ann):
    client.force_login(ann)
    return client


def save(client, contract, **data):
    return client.post(url(contract, "save/"), {"levels": "80, 100", **data})


def test_it_shows_the_defaults(staff_client, world):
    contract = Contract.objects.create(
        project=world.project,
        start_date=dt.date(2032, 6, 1),
        end_date=dt.date(2032, 6, 30),
        hours=Decimal(5),
    )
    page = staff_client.get(url(contract)).content.decode()
    assert 'value="80, 100"' in page
    assert AlertSettings.objects.get(contract=contract).levels == [80, 100]
    # A project-wide contract alerts staff only, and says so.
    assert sentences.PROJECT_WIDE_STAFF_ONLY in page.replace("&#x27;", "'")
    assert "email_customers" not in page


def test_it_saves(staff_client, acme_contract, ann):
    other = people.user("otto", "otto@provider.example", is_staff=True)
    response = save(
        staff_client,
        acme_contract,
        levels="50, 90,100",
        staff=[ann.pk, other.pk],
        email_customers="on",
    )
    assert response.status_code == 302
    assert response["Location"] == "/configuration/projects/ITSD/contracts/"
    saved = AlertSettings.objects.get(contract=acme_contract)
    assert saved.levels == [50, 90, 100]
    assert set(saved.staff.all()) == {ann, other}
    assert saved.email_customers is True


@pytest.mark.parametrize(
    "levels, message",
    [
        ("0", sentences.LEVEL_ZERO),
        ("1200", sentences.LEVEL_TOO_HIGH),
        ("lots", sentences.not_a_number("lots")),
        ("80, 80", sentences.listed_twice(80)),
    ],
)
def test_it_refuses_bad_levels(staff_client, acme_contract, levels, message):
    response = save(staff_client, acme_contract, levels=levels)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert AlertSettings.objects.get(contract=acme_contract).levels == [80, 100]


def test_it_refuses_a_staff_member_without_an_address(staff_client, acme_contract):
    silent = people.user("sam", "", is_staff=True, first_name="Sam")
    response = save(staff_client, acme_contract, staff=[silent.pk])
    assert response.status_code == 400
    assert sentences.no_email(silent) in response.content.decode()
    assert "Sam (no e-mail address)" in response.content.decode()


def test_it_offers_staff_only(staff_client, acme_contract, world):
    response = save(staff_client, acme_contract, staff=[world.users["alice"].pk])
    assert response.status_code == 400


def test_it_checks_owner(client, acme_contract, world):
    client.force_login(world.users["alice"])
    assert client.get(url(acme_contract)).status_code == 403
    assert save(client, acme_contract).status_code == 403


def test_it_rejects_get_on_save(staff_client, acme_contract):
    assert staff_client.get(url(acme_contract, "save/")).status_code == 405


def test_it_handles_bad_id(staff_client, acme_contract, world):
    assert staff_client.get("/configuration/projects/ITSD/contracts/999/alerts/").status_code == 404
    assert (
        staff_client.get(
            f"/configuration/projects/NOPE/contracts/{acme_contract.pk}/alerts/"
        ).status_code
        == 404
    )


def test_the_contract_table_links_the_alerts(staff_client, acme_contract):
    page = staff_client.get("/configuration/projects/ITSD/contracts/").content.decode()
    assert f'href="{url(acme_contract)}"' in page
