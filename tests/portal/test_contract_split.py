"""Where a contract's used hours come from (issue 13, docs/product.md §5.2): the part on requests
a customer cannot see, in the panel and in the admin's Contract management table.

The world's hours this month: ITSD-1 1.75 h (alice's, bob takes part, shared with Acme),
ITSD-2 2 h (bob's, not shared), ITSD-3 3 h (carol's, Globex), ITSD-4 1 h (an outsider's,
shared with Acme). Acme's contract counts ITSD-1, ITSD-2 and ITSD-4: 4.75 h.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest
from django.utils import timezone

from jsm.models import Request
from portal import contract_sentences as sentences
from portal.contract_split import UnseenHours, hours_not_shared, hours_unseen_by
from portal.contracts import contract_usages
from portal.models import ReportSettings
from tests.factories import people

from .conftest import THIS_MONTH, TODAY, _worklog
from .test_contract_panel import H, contract, figure, panel

URL = "/portal/ITSD/worklog-report/"
CONTRACTS = "/configuration/projects/ITSD/contracts/"


@pytest.fixture
def shared_with_organizations(world):
    world.settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    world.settings.save()
    return world


def unseen_note(page: str) -> str:
    start = page.find('data-figure="unseen">')
    if start < 0:
        return ""
    return page[start + len('data-figure="unseen">') : page.index("</p>", start)]


def another_unshared_acme_request(world, hours: float) -> Request:
    """Like ITSD-156 of the demo: raised by bob (Acme), shared with nobody."""
    request = Request.objects.create(
        jira_id="20005",
        key="ITSD-5",
        project=world.project,
        summary="Bob's monitor",
        status="Open",
        reporter=world.requests["ITSD-2"].reporter,
        created=timezone.now(),
        updated=timezone.now(),
    )
    _worklog(900, request, THIS_MONTH, int(hours * H))
    return request


def test_panel_says_how_much_of_used_is_on_requests_not_shared_with_her(
    shared_with_organizations, as_user
):
    contract(shared_with_organizations, organization="Acme")
    page = panel(as_user("alice").get(URL).content.decode())
    # alice sees ITSD-1 and ITSD-4 (1.75 + 1 = 2.75 h); bob's ITSD-2 (2 h) is not shared.
    assert figure(page, "used") == "4.75 h"
    assert unseen_note(page) == "Used includes 2.00 h on 1 request of Acme not shared with you."


def test_the_note_counts_requests_in_the_plural(shared_with_organizations, as_user):
    another_unshared_acme_request(shared_with_organizations, 8)
    contract(shared_with_organizations, organization="Acme", hours=100)
    page = panel(as_user("alice").get(URL).content.decode())
    assert figure(page, "used") == "12.75 h"
    assert unseen_note(page) == "Used includes 10.00 h on 2 requests of Acme not shared with you."


def test_no_note_when_she_sees_everything_counted(shared_with_organizations, as_user):
    contract(shared_with_organizations, organization="Acme")
    # bob raised ITSD-2, takes part in ITSD-1, and ITSD-4 is shared with Acme.
    page = panel(as_user("bob").get(URL).content.decode())
    assert figure(page, "used") == "4.75 h" and unseen_note(page) == ""


def test_without_organization_sharing_shared_requests_are_unseen_too(world, as_user):
    """Who sees what is portal.visibility's: on a project that does not share requests with
    organizations, alice sees only ITSD-1, so ITSD-2 and ITSD-4 are both unseen."""
    contract(world, organization="Acme")
    page = panel(as_user("alice").get(URL).content.decode())
    assert unseen_note(page) == "Used includes 3.00 h on 2 requests of Acme not shared with you."


def test_project_wide_contract_names_the_project(world, as_user):
    contract(world)
    page = panel(as_user("carol").get(URL).content.decode())
    # 7.75 h used; carol sees ITSD-3 (3 h) only.
    assert figure(page, "used") == "7.75 h"
    assert (
        unseen_note(page)
        == "Used includes 4.75 h on 3 requests of this project not shared with you."
    )


def test_staff_preview_sees_everything_so_no_note(world, admin_client):
    contract(world)
    assert unseen_note(panel(admin_client.get(URL).content.decode())) == ""


def test_unseen_hours_follow_the_window_rounding_and_billable_hours(
    shared_with_organizations,
):
    world = shared_with_organizations
    world.settings.rounding_minutes = 60
    world.settings.save()
    _worklog(901, world.requests["ITSD-2"], THIS_MONTH - dt.timedelta(days=1), 5 * H)
    _worklog(902, world.requests["ITSD-2"], THIS_MONTH, 0, spent=H)  # not billable
    acme = contract(world, organization="Acme")
    usage = contract_usages([acme], world.settings, TODAY)[acme.pk]
    alice = world.users["alice"]
    # Last month is outside this month's window; 2 h rounds to 2 h; 0 h is no request.
    assert hours_unseen_by(alice, usage, world.settings) == UnseenHours(2 * H, 1)


def test_the_admin_table_shows_the_same_split(shared_with_organizations, client):
    world = shared_with_organizations
    client.force_login(people.user("admin", password=None, is_staff=True))
    acme = contract(world, organization="Acme")
    contract(world, hours=100)  # project-wide: no organization, no split
    page = client.get(CONTRACTS).content.decode()
    row = page[page.index(f'id="contract-{acme.pk}"') :]
    row = row[: row.index("</tr>")]
    note = escape("incl. 2.00 h on 1 request not shared with Acme")
    assert 'data-figure="used">4.75 h<' in row and note in row
    assert page.count('data-figure="not-shared"') == 1


def test_the_admin_split_in_the_plural_and_in_one_query(
    shared_with_organizations, django_assert_num_queries
):
    world = shared_with_organizations
    another_unshared_acme_request(world, 8)
    acme = contract(world, organization="Acme", hours=100)
    globex = contract(world, organization="Globex")
    usages = contract_usages([acme, globex], world.settings, TODAY)
    with django_assert_num_queries(1):
        split = hours_not_shared(usages.values(), world.settings)
    assert split == {acme.pk: UnseenHours(10 * H, 2), globex.pk: UnseenHours(0, 0)}
    note = sentences.not_shared_with_organization(split[acme.pk], acme, "decimal")
    assert note == "incl. 10.00 h on 2 requests not shared with Acme"


def test_no_admin_split_when_the_project_does_not_share_with_organizations(world):
    acme = contract(world, organization="Acme")
    usages = contract_usages([acme], world.settings, TODAY)
    assert hours_not_shared(usages.values(), world.settings) == {}
