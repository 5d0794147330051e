"""Error pages in the product's look; no stack trace or exception text ever reaches a customer."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from django.views import defaults

from sync.models import SyncRun
from tests.outage import database_outage
from tests.page_text import comparable

PRODUCT_LOOK = ['class="topbar"', "Worklog Report", "/static/css/app.css", 'id="main"']
NEVER = ["Traceback", "RuntimeError", "boom-secret-detail", "settings.py", "DEBUG = True"]


def assert_error_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    text = response.content.decode()
    for marker in PRODUCT_LOOK:
        assert marker in text, marker
    assert f'<h1 id="error-title">{heading}</h1>' in text
    assert f"Error {status}" in text
    for leak in NEVER:
        assert leak not in text
    return text


def test_404(client, db):
    assert_error_page(client.get("/no-such-page/"), 404, "Page not found")


def test_404_for_a_signed_in_customer_keeps_the_header(alice_client):
    response = alice_client.get("/portal/NOPE/worklog-report/")
    text = assert_error_page(response, 404, "Page not found")
    assert "Sign out" in text and "Customer portal" in text


def test_403_for_a_customer_on_configuration(alice_client):
    assert_error_page(
        alice_client.get("/configuration/tempo/"), 403, "You don’t have access to this page"
    )


def test_403_when_the_form_has_no_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    text = assert_error_page(response, 403, "This form has expired")
    assert "CSRF" not in text


def test_400_for_a_bad_host(client, db):
    assert_error_page(client.get("/", HTTP_HOST="evil.example"), 400, "Bad request")


def test_405_page_keeps_the_allow_header(alice_client):
    response = alice_client.get("/accounts/logout/")
    assert_error_page(response, 405, "That action is not available here")
    assert response["Allow"] == "POST, OPTIONS"


def test_head_405_stays_empty(alice_client):
    response = alice_client.head("/configuration/sync/now/")
    assert response.status_code in (403, 405) and response.content == b""


@pytest.mark.parametrize("who", ["alice", "admin"])
def test_500_shows_the_product_page_and_no_trace(full_world, who, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom-secret-detail")

    monkeypatch.setattr("portal.reports.build_report", broken)
    client = Client(raise_request_exception=False)
    client.force_login(full_world.admin if who == "admin" else full_world.users[who])
    response = client.get("/portal/ITSD/worklog-report/")
    assert_error_page(response, 500, "Something went wrong on our side")


def test_500_renders_without_a_request_context_or_the_database(django_assert_num_queries, db):
    """Django renders 500.html with no request; it must not need one, nor the database
    (which may be the thing that failed)."""
    request = RequestFactory().get("/portal/")
    with django_assert_num_queries(0):
        response = defaults.server_error(request)
    assert_error_page(response, 500, "Something went wrong on our side")
    assert "Sign out" not in response.content.decode()


def test_400_renders_without_a_request_context_either(django_assert_num_queries, db):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = defaults.bad_request(request, Exception("secret detail"))
    assert_error_page(response, 400, "Bad request")
    assert "secret detail" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "who,method,url",
    [
        ("alice", "get", "/portal/ITSD/worklog-report/"),
        ("alice", "get", "/portal/ITSD/worklog-report/?format=csv"),
        ("alice", "get", "/portal/"),
        ("admin", "get", "/configuration/sync/"),
        ("admin", "post", "/configuration/sync/now/"),
        (None, "post", "/accounts/login/"),  # the sign-in page itself needs no database
    ],
)
def test_database_briefly_unavailable_is_a_503_page_then_the_data_is_back(
    full_world, who, method, url
):
    """No 500 while the database does not answer (issue 8 §6): a page that says so and
    when to come back; once it answers again, the same page with the same data."""
    SyncRun.objects.create(kind="tempo", status="succeeded", finished_at=timezone.now())
    client = Client(raise_request_exception=False)
    if who:
        client.force_login(full_world.admin if who == "admin" else full_world.users[who])
    data = {"username": "alice@acme.example", "password": "demo-password"} if who is None else {}
    before = getattr(client, method)(url, data)
    with database_outage() as outage:
        outage.down = True
        response = getattr(client, method)(url, data)
    assert outage.refused >= 1
    text = assert_error_page(response, 503, "Briefly unavailable")
    assert "cannot reach its database just now" in text
    assert response["Retry-After"] == "30"
    assert "server closed the connection" not in text
    after = getattr(client, method)(url, data)
    assert after.status_code == before.status_code != 503
    if method == "get":  # the same page with the same data and its Updated time
        assert comparable(after) == comparable(before)
    if url == "/portal/ITSD/worklog-report/":
        assert "· Updated <time" in after.content.decode()
