"""The Contract management tab (docs/product.md §4.3): pages, changes, every bad input."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse

from jsm.models import JiraProject, Organization
from portal import contract_sentences as sentences
from portal.contracts import Contract
from tests.factories import people

from .conftest import THIS_MONTH, TODAY

YEAR = TODAY.year + 1  # contracts of next year: this month's worklogs stay out of the way
MONTH_END = THIS_MONTH.replace(day=calendar.monthrange(THIS_MONTH.year, THIS_MONTH.month)[1])


def url(name: str, *args) -> str:
    return reverse(f"configuration_projects:{name}", args=["ITSD", *args])


LIST = "/configuration/projects/ITSD/contracts/"
CREATE = "/configuration/projects/ITSD/contracts/create/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def staff(client, world):
    user = people.user("admin", "admin@example.com", password=None, is_staff=True)
    client.force_login(user)
    return client


@pytest.fixture
def acme(world):
    return Organization.objects.get(name="Acme")


@pytest.fixture
def other_project(db):
    project = JiraProject.objects.create(
        jira_id="20000", key="OPS", name="Operations", service_desk_id="2"
    )
    initech = Organization.objects.create(jira_id="3", name="Initech")
    initech.projects.add(project)
    return project


def valid(**changes) -> dict:
    data = {
        "type": "monthly",
        "start_date": f"{YEAR}-01-01",
        "end_date": f"{YEAR}-12-31",
        "hours": "40",
        "description": "Support retainer",
        "organization": "",
        "carry_over": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make(world, **fields) -> Contract:
    defaults = {
        "type": "monthly",
        "start_date": dt.date(YEAR, 1, 1),
        "end_date": dt.date(YEAR, 12, 31),
        "hours": Decimal("40"),
    }
    return Contract.objects.create(project=world.project, **{**defaults, **fields})


# -- The tab ------------------------------------------------------------------------------


def test_both_project_tabs_share_the_nav(staff):
    general = staff.get("/configuration/projects/ITSD/").content.decode()
    contracts = staff.get(LIST).content.decode()
    for page in (general, contracts):
        assert f'href="{LIST}"' in page and "Contract management" in page
        assert 'href="/configuration/projects/ITSD/"' in page and "Go to Customer Portal" in page
    assert f'href="{LIST}" aria-current="page"' in contracts
    assert 'href="/configuration/projects/ITSD/" aria-current="page"' in general


def test_empty_tab_offers_create_contract_as_a_page_like_edit(staff):
    page = staff.get(LIST).content.decode()
    assert "No contracts yet" in page
    assert 'href="/configuration/projects/ITSD/contracts/new/">Create contract</a>' in page
    assert "<dialog" not in page
    page = staff.get(f"{LIST}new/").content.decode()
    for text in [
        ">Create contract</h2>",
        "Monthly contract hours",
        "Fixed contract hours",
        "Start date",
        "End date",
        "Hours",
        "Description",
        "Organization (optional)",
        ">Whole project</option>",
        ">Acme</option>",
        ">Globex</option>",
        "Carry unused hours over to the next month",
        ">Save</button>",
    ]:
        assert text in page, text


def test_the_form_works_as_a_page_without_javascript(staff):
    page = staff.get(url("new_contract")).content.decode()
    assert ">Create contract</h2>" in page and f'action="{CREATE}"' in page


def test_create_lists_the_contract_with_its_usage(staff, world, acme):
    response = staff.post(CREATE, valid(organization=str(acme.pk)), follow=True)
    assert messages_of(response) == [sentences.CREATED]
    contract = Contract.objects.get()
    assert contract.organization == acme and contract.carry_over
    assert contract.hours == Decimal("40.00") and contract.description == "Support retainer"
    page = response.content.decode()
    row = page[page.index(f'id="contract-{contract.pk}"') :]
    row = row[: row.index("</tr>")]
    for text in ["Monthly contract hours", "Carries unused hours over", "Acme"]:
        assert text in row
    assert f"1 Jan {YEAR} – 31 Dec {YEAR}" in row and "Upcoming" in row
    assert "40.00 h" in row and "January" in row


def test_table_shows_used_and_remaining_of_this_month_and_overruns(staff, world, acme):
    make(world, start_date=THIS_MONTH, end_date=MONTH_END, hours=Decimal("3"), organization=acme)
    make(
        world,
        type="fixed",
        start_date=THIS_MONTH,
        end_date=MONTH_END,
        hours=Decimal("100"),
    )
    page = staff.get(LIST).content.decode()
    # Acme this month: 4.75 h of 3 h -> overrun; whole project: 7.75 h of 100 h.
    assert "4.75 h" in page and "−1.75 h (overrun)" in page
    assert "7.75 h" in page and "92.25 h" in page


def test_hours_follow_the_projects_time_format(staff, world):
    world.settings.time_format = "hours_minutes"
    world.settings.save()
    make(world, hours=Decimal("37.5"))
    assert "37h 30m" in staff.get(LIST).content.decode()


def test_fixed_contracts_never_carry_over(staff, world):
    staff.post(CREATE, valid(type="fixed", carry_over="on"))
    assert Contract.objects.get().carry_over is False


def test_three_decimal_zeros_are_two_decimals(staff, world):
    staff.post(CREATE, valid(hours="1.500"))
    assert Contract.objects.get().hours == Decimal("1.50")


def test_same_scope_may_follow_on_the_next_day_and_scopes_may_overlap(staff, world, acme):
    make(world, end_date=dt.date(YEAR, 6, 30))
    assert staff.post(CREATE, valid(start_date=f"{YEAR}-07-01")).status_code == 302
    assert staff.post(CREATE, valid(organization=str(acme.pk))).status_code == 302
    assert Contract.objects.count() == 3


def test_edit_page_and_save(staff, world, acme):
    contract = make(world)
    page = staff.get(url("edit_contract", contract.pk)).content.decode()
    assert ">Edit contract</h2>" in page and f'value="{YEAR}-01-01"' in page
    assert f'action="{url("save_contract", contract.pk)}"' in page
    response = staff.post(
        url("save_contract", contract.pk),
        valid(hours="12.25", organization=str(acme.pk), carry_over=None),
        follow=True,
    )
    assert messages_of(response) == [sentences.SAVED]
    contract.refresh_from_db()
    assert contract.hours == Decimal("12.25") and contract.organization == acme
    assert not contract.carry_over


def test_saving_a_contract_does_not_overlap_itself(staff, world):
    contract = make(world)
    response = staff.post(url("save_contract", contract.pk), valid(end_date=f"{YEAR}-11-30"))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.end_date == dt.date(YEAR, 11, 30)


def test_delete_with_confirmation_page_and_dialog(staff, world):
    contract = make(world)
    page = staff.get(LIST).content.decode()
    assert f'data-open-dialog="delete-contract-{contract.pk}"' in page
    assert f'<dialog id="delete-contract-{contract.pk}"' in page
    question = sentences.delete_question(contract, "decimal")
    assert question in page.replace("&#x27;", "'")
    confirm = staff.get(url("confirm_delete_contract", contract.pk)).content.decode()
    assert question in confirm and f'action="{url("delete_contract", contract.pk)}"' in confirm
    response = staff.post(url("delete_contract", contract.pk), follow=True)
    assert messages_of(response) == [sentences.DELETED]
    assert not Contract.objects.exists()


def test_usage_csv_is_the_month_by_month_ledger(staff, world):
    contract = make(
        world, start_date=THIS_MONTH, end_date=MONTH_END, hours=Decimal("5"), carry_over=True
    )
    response = staff.get(url("contract_usage_csv", contract.pk))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 for Excel, as the report's
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Month",
        "From",
        "To",
        "Hours",
        "Brought forward",
        "Available",
        "Used",
        "Remaining",
    ]
    assert rows[1] == [
        f"{THIS_MONTH:%Y-%m}",
        THIS_MONTH.isoformat(),
        MONTH_END.isoformat(),
        "5.00",
        "0.00",
        "5.00",
        "7.75",
        "-2.75",
    ]


def test_list_page_queries_do_not_grow_with_contracts(
    staff, world, acme, django_assert_max_num_queries
):
    make(world)
    with django_assert_max_num_queries(12) as before:
        staff.get(LIST)
    make(world, start_date=dt.date(YEAR + 1, 1, 1), end_date=dt.date(YEAR + 1, 12, 31))
    make(world, organization=acme, type="fixed")
    make(world, organization=Organization.objects.get(name="Globex"))
    with django_assert_max_num_queries(len(before.captured_queries)):
        staff.get(LIST)


# -- Bad input: each gets a clear sentence and changes nothing ------------------------------


BAD = [
    ({"type": None}, sentences.CHOOSE_TYPE),
    ({"type": "weekly"}, sentences.CHOOSE_TYPE),
    ({"start_date": ""}, sentences.ENTER_START),
    ({"end_date": None}, sentences.ENTER_END),
    ({"start_date": "31/12/2026"}, sentences.START_FORMAT),
    ({"end_date": f"{YEAR}-02-30"}, sentences.END_FORMAT),
    ({"end_date": f"{YEAR - 1}-12-31"}, sentences.END_BEFORE_START),
    ({"end_date": f"{YEAR + 10}-12-31"}, sentences.TOO_LONG),
    ({"hours": ""}, sentences.ENTER_HOURS),
    ({"hours": "0"}, sentences.HOURS_POSITIVE),
    ({"hours": "0.00"}, sentences.HOURS_POSITIVE),
    ({"hours": "-5"}, sentences.HOURS_POSITIVE),
    ({"hours": "1e9"}, sentences.HOURS_TOO_MANY),
    ({"hours": "1000000000"}, sentences.HOURS_TOO_MANY),
    ({"hours": "100000.01"}, sentences.HOURS_TOO_MANY),
    ({"hours": "1.255"}, sentences.HOURS_DECIMALS),
    ({"hours": "0.001"}, sentences.HOURS_DECIMALS),
    ({"hours": "forty"}, sentences.HOURS_FORMAT),
    ({"hours": "NaN"}, sentences.HOURS_FORMAT),
    ({"hours": "Infinity"}, sentences.HOURS_FORMAT),
    ({"organization": "999999"}, sentences.UNKNOWN_ORGANIZATION),
    ({"organization": "abc"}, sentences.UNKNOWN_ORGANIZATION),
    ({"organization": "99999999999999999999999"}, sentences.UNKNOWN_ORGANIZATION),
    ({"description": "x" * 201}, sentences.DESCRIPTION_TOO_LONG),
]


@pytest.mark.parametrize("changes,sentence", BAD, ids=[repr(c) for c, _ in BAD])
def test_bad_input_on_the_page_is_refused_with_a_sentence(staff, world, changes, sentence):
    response = staff.post(CREATE, valid(**changes))
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert sentence in page
    assert messages_of(response) == [sentences.NOT_SAVED]
    assert ">Create contract</h2>" in page and '<dialog id="create-contract"' not in page
    assert not Contract.objects.exists()


def test_bad_input_shows_the_form_page_again_with_what_was_typed(staff, world):
    response = staff.post(CREATE, valid(hours="0"))
    assert response.status_code == 400
    page = response.content.decode()
    assert ">Create contract</h2>" in page and "<dialog" not in page
    assert sentences.HOURS_POSITIVE in page and 'value="0"' in page
    assert not Contract.objects.exists()


def test_organization_of_another_project_is_refused(staff, world, other_project):
    initech = Organization.objects.get(name="Initech")
    response = staff.post(CREATE, valid(organization=str(initech.pk)))
    assert response.status_code == 400
    assert sentences.UNKNOWN_ORGANIZATION.replace("'", "&#x27;") in response.content.decode()
    assert not Contract.objects.exists()


@pytest.mark.parametrize("scope", ["project", "organization"])
def test_overlapping_period_in_the_same_scope_names_the_other_contract(staff, world, acme, scope):
    organization = acme if scope == "organization" else None
    existing = make(world, organization=organization, hours=Decimal("40"))
    response = staff.post(
        CREATE,
        valid(
            type="fixed",
            start_date=f"{YEAR}-12-31",
            end_date=f"{YEAR + 1}-03-31",
            organization=str(acme.pk) if organization else "",
        ),
    )
    assert response.status_code == 400
    sentence = sentences.overlap(existing, "decimal")
    whose = "Acme’s" if organization else "the project-wide"
    assert sentence == (
        f"This period overlaps {whose} monthly contract of 1 Jan {YEAR} – 31 Dec {YEAR} "
        "(40.00 h a month). Change the dates or edit that contract."
    )
    assert sentence in response.content.decode()
    assert Contract.objects.count() == 1


def test_editing_into_an_overlap_is_refused(staff, world):
    make(world, end_date=dt.date(YEAR, 6, 30))
    later = make(world, start_date=dt.date(YEAR, 7, 1))
    response = staff.post(url("save_contract", later.pk), valid(start_date=f"{YEAR}-06-15"))
    assert response.status_code == 400
    assert "This period overlaps the project-wide monthly contract of 1 Jan" in (
        response.content.decode()
    )
    later.refresh_from_db()
    assert later.start_date == dt.date(YEAR, 7, 1)


def test_bad_input_when_editing_keeps_the_contract(staff, world):
    contract = make(world)
    response = staff.post(url("save_contract", contract.pk), valid(hours="-1"))
    assert response.status_code == 400 and sentences.HOURS_POSITIVE in response.content.decode()
    assert ">Edit contract</h2>" in response.content.decode()
    contract.refresh_from_db()
    assert contract.hours == Decimal("40")


def test_stale_form_after_deletion_says_so_and_creates_nothing(staff, world):
    contract = make(world)
    contract_id = contract.pk
    contract.delete()
    response = staff.post(url("save_contract", contract_id), valid(), follow=True)
    assert messages_of(response) == [sentences.GONE]
    assert response.redirect_chain[-1][0] == LIST
    assert not Contract.objects.exists()
    response = staff.get(url("edit_contract", contract_id), follow=True)
    assert messages_of(response) == [sentences.GONE]
    response = staff.post(url("delete_contract", contract_id), follow=True)
    assert messages_of(response) == [sentences.ALREADY_DELETED]
    response = staff.get(url("confirm_delete_contract", contract_id), follow=True)
    assert messages_of(response) == [sentences.ALREADY_DELETED]


@pytest.mark.parametrize(
    "name,method",
    [
        ("edit_contract", "get"),
        ("save_contract", "post"),
        ("confirm_delete_contract", "get"),
        ("delete_contract", "post"),
        ("contract_usage_csv", "get"),
    ],
)
def test_a_contract_of_another_project_is_404(staff, world, other_project, name, method):
    theirs = Contract.objects.create(
        project=other_project,
        type="fixed",
        start_date=dt.date(YEAR, 1, 1),
        end_date=dt.date(YEAR, 1, 31),
        hours=Decimal("5"),
    )
    response = getattr(staff, method)(url(name, theirs.pk), valid())
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.hours == Decimal("5.00")


def test_a_huge_contract_id_is_not_a_server_error(staff, world):
    response = staff.post(url("delete_contract", 10**30))
    assert response.status_code in (302, 404)


def test_unknown_project_is_404(staff):
    assert staff.get("/configuration/projects/NOPE/contracts/").status_code == 404
    assert staff.post("/configuration/projects/NOPE/contracts/create/", valid()).status_code == 404


@pytest.mark.parametrize(
    "name,args", [("create_contract", ()), ("save_contract", (1,)), ("delete_contract", (1,))]
)
def test_get_on_a_change_is_405(staff, world, name, args):
    assert staff.get(url(name, *args)).status_code == 405


@pytest.mark.parametrize("name", ["contracts", "new_contract"])
def test_post_on_a_page_is_405(staff, world, name):
    assert staff.post(url(name), valid()).status_code == 405


# -- Access ------------------------------------------------------------------------------


def test_customers_get_403_and_change_nothing(world, as_user):
    contract = make(world)
    client = as_user("alice")
    for path in [LIST, url("new_contract"), url("edit_contract", contract.pk)]:
        assert client.get(path).status_code == 403, path
    assert client.post(CREATE, valid(start_date=f"{YEAR + 2}-01-01")).status_code == 403
    assert client.post(url("save_contract", contract.pk), valid(hours="1")).status_code == 403
    assert client.post(url("delete_contract", contract.pk)).status_code == 403
    contract.refresh_from_db()
    assert Contract.objects.count() == 1 and contract.hours == Decimal("40")


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for response in [client.get(LIST), client.post(CREATE, valid())]:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not Contract.objects.exists()


def test_database_refuses_what_the_form_refuses(world):
    for fields in [
        {"end_date": dt.date(YEAR - 1, 1, 1)},
        {"hours": Decimal("0")},
        {"hours": Decimal("100000.01")},
        {"type": "fixed", "carry_over": True},
        {"type": "weekly"},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            make(world, **fields)
