"""A customer whose portal access JSM revoked sees the sentence, never data (docs/product.md §1).

The sync sets `Customer.active` from Jira's `active`; here it is set as the sync would, in
the middle of a signed-in session. Every portal URL is checked, including ones added later.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter
from django.utils.html import escape

from accounts import sentences
from jsm.models import Customer
from portal.converters import ProjectKeyConverter, RequestKeyConverter
from portal.visibility import MINE, ORGANIZATION, requests_visible_to

URL = "/portal/ITSD/worklog-report/"
PORTAL_NAMESPACES = ("portal", "statements")
# Data alice sees while she may: a request key, its summary, a worklog description.
HER_DATA = ("ITSD-1", "Laptop will not boot", "Work item 1")


def revoke(name: str, active: bool = False) -> None:
    """What the sync does when Jira answers `active` false (or true again) for a customer."""
    Customer.objects.filter(display_name=name).update(active=active)


def assert_revoked_page(response) -> None:
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert escape(sentences.ACCESS_REVOKED) in page
    for text in HER_DATA:
        assert text not in page


@pytest.fixture
def sharing(world):
    world.settings.visibility = "organizations"
    world.settings.save()
    return world


def portal_urls() -> list[str]:
    """Every URL under /portal/ (the portal's namespace and the apps that add portal pages,
    such as Statements), its parameters filled with alice's request."""
    samples = {
        RequestKeyConverter: "ITSD-1",
        ProjectKeyConverter: "ITSD",
        UUIDConverter: "5f0c7a52-8f5e-4a55-9a43-0d3c6b1e9a10",
    }
    urls = []
    for resolver in get_resolver().url_patterns:
        if not isinstance(resolver, URLResolver) or resolver.namespace not in PORTAL_NAMESPACES:
            continue
        for pattern in resolver.url_patterns:
            assert isinstance(pattern, URLPattern), "a nested include: walk it here too"
            if resolver.namespace != "portal" and not str(pattern.pattern).startswith("portal/"):
                continue  # e.g. the statement e-mails' opt-out link: no sign-in
            kwargs = {
                name: samples[type(converter)]
                for name, converter in pattern.pattern.converters.items()
            }
            urls.append(reverse(f"{resolver.namespace}:{pattern.name}", kwargs=kwargs))
    return urls


def test_every_portal_url_is_walked():
    assert set(portal_urls()) >= {
        "/portal/",
        URL,
        f"{URL}ITSD-1/",
        "/portal/ITSD/statements/",
        "/portal/ITSD/statements/e-mail/",
    }


def test_revoked_mid_session_the_next_page_says_so(sharing, as_user):
    client = as_user("alice")
    assert client.get(URL).status_code == 200
    revoke("Alice")
    assert_revoked_page(client.get(URL))
    assert_revoked_page(client.get(URL, {"format": "csv"}))
    assert_revoked_page(client.get(URL, {"scope": "organization", "format": "csv"}))
    assert_revoked_page(client.get(f"{URL}ITSD-1/"))
    assert_revoked_page(client.get(f"{URL}ITSD-1/", headers={"X-Requested-With": "fetch"}))
    assert_revoked_page(client.get("/portal/"))
    assert_revoked_page(client.get("/", follow=True))


@pytest.mark.parametrize("url", portal_urls())
def test_every_portal_url_refuses_a_revoked_customer(sharing, as_user, url):
    client = as_user("alice")
    revoke("Alice")
    response = client.get(url)
    if response.status_code == 405:  # a form's target: what it does with a POST
        response = client.post(url)
    assert_revoked_page(response)


def test_the_page_offers_sign_out_and_no_portal_links(sharing, as_user):
    client = as_user("alice")
    revoke("Alice")
    page = client.get("/portal/").content.decode()
    assert 'action="/accounts/logout/"' in page
    assert "/worklog-report/" not in page


def test_restored_access_shows_the_report_again(sharing, as_user):
    client = as_user("alice")
    revoke("Alice")
    assert client.get(URL).status_code == 403
    revoke("Alice", active=True)
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert "ITSD-1" in response.content.decode()


def test_other_customers_are_not_affected(sharing, as_user):
    revoke("Alice")
    response = as_user("bob").get(URL, {"scope": "organization"})
    assert response.status_code == 200
    assert "/worklog-report/ITSD-1/" in response.content.decode()


def test_staff_linked_to_a_revoked_customer_still_preview(world, admin_client, admin_user):
    Customer.objects.filter(display_name="Alice").update(user=admin_user, active=False)
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert "/worklog-report/ITSD-3/" in response.content.decode()


@pytest.mark.parametrize("scope", [MINE, ORGANIZATION])
def test_visibility_gives_a_revoked_customer_nothing(sharing, scope):
    alice = sharing.users["alice"]
    assert requests_visible_to(alice, sharing.project, sharing.settings, scope).exists()
    revoke("Alice")
    alice = type(alice).objects.get(pk=alice.pk)  # read afresh, as each page request does
    assert not requests_visible_to(alice, sharing.project, sharing.settings, scope).exists()
