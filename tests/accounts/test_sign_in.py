"""Signing in and out, and "First time here? Set your password" (docs/product.md §1)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD
from tests.factories import people


def test_staff_land_on_configuration(client, admin_user):
    response = client.post("/accounts/login/", {"username": "admin", "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/configuration/"


def test_customers_sign_in_with_their_email_in_any_case(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "Alice@ACME.example", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/portal/"
    assert b"No reports to show yet" in response.content


def test_wrong_password_says_so_without_saying_which_part(client, alice):
    response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": "x"})
    assert response.status_code == 200
    assert b"didn\xe2\x80\x99t match" in response.content


def test_sign_out_is_a_post(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/portal/").status_code == 302


def test_portal_needs_sign_in(client, db):
    assert client.get("/portal/")["Location"].startswith("/accounts/login/")


def test_login_page_offers_the_first_time_link(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "First time here? Set your password" in page
    assert 'name="username"' in page and 'name="password"' in page


def test_set_password_reaches_a_customer_without_a_password(client, db):
    user = people.user("dave@acme.example", "dave@acme.example", password=None)
    assert not user.has_usable_password()
    response = client.post("/accounts/password/set/", {"email": "dave@acme.example"})
    assert response["Location"] == "/accounts/password/set/sent/"
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/password/set/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a sturdy new passphrase", "new_password2": "a sturdy new passphrase"},
        follow=True,
    )
    assert b"Your password is set" in done.content
    user.refresh_from_db()
    assert user.check_password("a sturdy new passphrase")


@pytest.mark.parametrize("email", ["nobody@nowhere.example", "not-an-address"])
def test_set_password_answers_the_same_for_unknown_addresses(client, alice, email):
    response = client.post("/accounts/password/set/", {"email": email})
    if email == "not-an-address":
        assert response.status_code == 200 and b"Enter a valid email address" in response.content
    else:
        assert response["Location"] == "/accounts/password/set/sent/"
    assert mail.outbox == []
