"""Signing in when JSM revoked a customer's portal access: told so, in words, and let in
again once JSM restores it (docs/product.md §1; accounts/sentences.py)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from accounts import sentences
from accounts.backends import EmailOrUsernameBackend
from jsm.models import Customer
from tests.conftest import PASSWORD
from tests.factories import people

LOGIN = "/accounts/login/"
NO_MATCH = "didn’t match"


@pytest.fixture
def alice_customer(alice):
    """alice@acme.example, linked to her JSM customer, as the sync leaves her."""
    return Customer.objects.create(
        account_id="acc-alice", email=alice.email, display_name="Alice Anders", user=alice
    )


def sign_in(client, password=PASSWORD, username="alice@acme.example"):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client) -> bool:
    return client.get("/portal/").status_code == 200


def revoke(customer, active=False):
    customer.active = active
    customer.save(update_fields=["active"])


def test_a_revoked_customer_is_told_so_and_not_signed_in(client, alice_customer):
    revoke(alice_customer)
    response = sign_in(client)
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(sentences.ACCESS_REVOKED) in page
    assert NO_MATCH not in page
    assert not signed_in(client)


def test_a_wrong_password_says_nothing_about_revocation(client, alice_customer):
    revoke(alice_customer)
    page = sign_in(client, password="wrong").content.decode()
    assert NO_MATCH in page
    assert escape(sentences.ACCESS_REVOKED) not in page


def test_refusals_never_lock_the_account_and_restoring_lets_her_in(
    client, alice_customer, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    revoke(alice_customer)
    for _ in range(3):
        assert escape(sentences.ACCESS_REVOKED) in sign_in(client).content.decode()
    revoke(alice_customer, active=True)
    response = sign_in(client)
    assert response.status_code == 302
    assert signed_in(client)


def test_staff_linked_to_a_revoked_customer_sign_in(client, admin_user, db):
    Customer.objects.create(account_id="acc-x", email="", user=admin_user, active=False)
    response = sign_in(client, username="admin")
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/configuration/"


def test_an_account_without_a_customer_signs_in_as_before(client, alice):
    assert sign_in(client).status_code == 302


def test_no_set_password_mail_for_a_revoked_customer(client, alice_customer):
    revoke(alice_customer)
    response = client.post("/accounts/password/set/", {"email": "alice@acme.example"})
    assert response["Location"] == "/accounts/password/set/sent/"  # the same answer
    assert mail.outbox == []
    revoke(alice_customer, active=True)
    client.post("/accounts/password/set/", {"email": "alice@acme.example"})
    assert [m.to for m in mail.outbox] == [["alice@acme.example"]]


def test_set_password_mail_still_reaches_an_account_without_customer(client, db):
    people.user("dave@acme.example", "dave@acme.example", password=None)
    client.post("/accounts/password/set/", {"email": "dave@acme.example"})
    assert [m.to for m in mail.outbox] == [["dave@acme.example"]]


def test_a_session_reads_the_account_and_its_customer_in_one_query(client, alice, alice_customer):
    """accounts.backends.EmailOrUsernameBackend.get_user selects the customer with the
    account: the revocation check of every portal page costs no query of its own."""
    backend = EmailOrUsernameBackend()
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(alice.pk)
        assert user.jsm_customer.active
    assert len(queries) == 1
    revoke(alice_customer)
    assert not backend.get_user(alice.pk).jsm_customer.active


def test_a_session_of_an_inactive_or_deleted_account_has_no_user(alice):
    backend = EmailOrUsernameBackend()
    assert backend.get_user(alice.pk) == alice  # no customer linked: still the account
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert backend.get_user(alice.pk) is None
    assert backend.get_user(alice.pk + 1000) is None


@pytest.mark.django_db(transaction=True)
def test_an_async_session_reads_the_customer_with_the_account(alice, alice_customer):
    from asgiref.sync import async_to_sync

    backend = EmailOrUsernameBackend()
    user = async_to_sync(backend.aget_user)(alice.pk)
    assert user == alice
    assert user.jsm_customer == alice_customer  # selected: no lazy query in async code
    assert async_to_sync(backend.aget_user)(alice.pk + 1000) is None
