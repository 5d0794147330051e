"""Repeated failed sign-ins lock the username from that address (django-axes), with a clear
sentence on the sign-in page, until the cool-off ends or an administrator unlocks it."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from accounts.security import client_ip
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
LOCKED = "Too many failed sign-ins with this username."


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client, username, password, ip="203.0.113.5", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client, username, times, ip="203.0.113.5"):
    for _ in range(times):
        response = sign_in(client, username, "wrong", ip)
    return response


def test_wrong_passwords_below_the_limit_just_say_they_did_not_match(client, alice):
    response = fail(client, "alice@acme.example", 2)
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()


def test_the_limit_locks_even_the_right_password_with_a_sentence_on_the_page(client, alice):
    locked = fail(client, "alice@acme.example", 3)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert LOCKED in page and "paused for 15 minutes" in page
    assert '<form method="post" action="/accounts/login/"' in page  # the page, not bare text
    assert "didn’t match" not in page
    right = sign_in(client, "alice@acme.example", PASSWORD)
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_case_and_spaces_do_not_give_more_tries(client, alice):
    sign_in(client, "alice@acme.example", "wrong")
    sign_in(client, "ALICE@acme.example", "wrong")
    locked = sign_in(client, "  Alice@Acme.Example ", "wrong")
    assert locked.status_code == 429


def test_the_lock_is_per_username_and_address(client, alice, admin_user):
    fail(client, "alice@acme.example", 3, ip="203.0.113.5")
    # Alice from another address, and another user from the same address, still get in.
    assert sign_in(Client(), "alice@acme.example", PASSWORD, ip="198.51.100.9").status_code == 302
    assert sign_in(Client(), "admin", PASSWORD, ip="203.0.113.5").status_code == 302


def test_unknown_usernames_lock_the_same_way(client, db):
    """Locking only real accounts would tell an attacker which ones exist."""
    assert fail(client, "nobody@nowhere.example", 3).status_code == 429


def test_a_success_resets_the_count(client, alice):
    fail(client, "alice@acme.example", 2)
    assert sign_in(client, "alice@acme.example", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail(client, "alice@acme.example", 2).status_code == 200


def test_the_administrator_unlocks_with_a_command(client, alice):
    fail(client, "alice@acme.example", 3)
    call_command("axes_reset_username", "alice@acme.example")
    assert sign_in(client, "alice@acme.example", PASSWORD).status_code == 302


def test_the_administrator_unlocks_in_django_admin(alice, admin_client):
    client = Client()
    fail(client, "alice@acme.example", 3)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "alice@acme.example" and attempt.ip_address == "203.0.113.5"
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "alice@acme.example" in listing.content.decode()
    admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "alice@acme.example", PASSWORD).status_code == 302


def test_lockout_without_cool_off_waits_for_the_administrator(client, alice, settings):
    settings.AXES_COOLOFF_TIME = None
    page = fail(client, "alice@acme.example", 3).content.decode()
    assert "locked until your administrator unlocks it" in page


def test_the_admin_sign_in_is_covered_too(client, admin_user):
    for _ in range(3):
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": "admin", "password": "wrong"},
            REMOTE_ADDR="203.0.113.5",
        )
    assert response.status_code == 429


def test_client_address_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # no proxy trusted: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"  # what our proxy saw, not what the client wrote
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"  # fewer hops than proxies: not trustworthy
    settings.TRUSTED_PROXY_COUNT = 1
    forged = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(forged) == "10.0.0.2"  # never a string the database would refuse
    assert client_ip(rf.get("/", REMOTE_ADDR="")) is None
