""" "First time here? Set your password" can neither tell who is a customer nor flood mail."""

from __future__ import annotations

from unittest import mock

from django.core import mail

from accounts.views import SET_PASSWORD_LIMITED

URL = "/accounts/password/set/"
SENT = "/accounts/password/set/sent/"


def ask(client, email, ip="203.0.113.5"):
    return client.post(URL, {"email": email}, REMOTE_ADDR=ip)


def test_known_and_unknown_addresses_get_the_same_answer(client, alice):
    known = ask(client, "alice@acme.example")
    unknown = ask(client, "nobody@acme.example")
    assert (known.status_code, known["Location"]) == (302, SENT)
    assert (unknown.status_code, unknown["Location"]) == (302, SENT)
    assert [m.to for m in mail.outbox] == [["alice@acme.example"]]


def test_the_page_only_queues_the_mail_whatever_the_address(client, alice):
    """Sending mail takes time; the worker does it, so the page takes as long for a
    customer's address as for a stranger's."""
    with mock.patch("accounts.views.send_set_password_link") as task:
        ask(client, "alice@acme.example")
        ask(client, "nobody@acme.example")
    assert mail.outbox == []
    calls = [c.kwargs for c in task.enqueue.call_args_list]
    assert calls == [
        {"email": "alice@acme.example", "domain": "testserver", "use_https": False},
        {"email": "nobody@acme.example", "domain": "testserver", "use_https": False},
    ]


def test_one_address_gets_at_most_three_mails_an_hour(client, alice):
    for _ in range(3):
        assert ask(client, "alice@acme.example", ip="198.51.100.1")["Location"] == SENT
    limited = ask(client, "Alice@ACME.example", ip="198.51.100.2")  # any case, any address
    assert limited.status_code == 429
    assert SET_PASSWORD_LIMITED in limited.content.decode()
    assert len(mail.outbox) == 3


def test_the_limit_looks_the_same_for_unknown_addresses(client, alice):
    for email in ("alice@acme.example", "nobody@acme.example"):
        for _ in range(3):
            ask(client, email, ip=f"198.51.100.{len(email)}")
        page = ask(client, email, ip="192.0.2.1")
        assert page.status_code == 429 and SET_PASSWORD_LIMITED in page.content.decode()


def test_one_client_address_gets_at_most_ten_requests_an_hour(client, alice):
    for n in range(10):
        assert ask(client, f"someone{n}@acme.example")["Location"] == SENT
    limited = ask(client, "alice@acme.example")
    assert limited.status_code == 429 and SET_PASSWORD_LIMITED in limited.content.decode()
    assert mail.outbox == []  # alice's mail was not sent either
    assert ask(client, "alice@acme.example", ip="198.51.100.7")["Location"] == SENT


def test_limits_come_from_settings(client, alice, settings):
    settings.SET_PASSWORD_LIMIT_PER_ADDRESS = 1
    ask(client, "alice@acme.example")
    assert ask(client, "alice@acme.example").status_code == 429


def test_a_spoofed_host_cannot_go_into_the_link(client, alice):
    response = client.post(URL, {"email": "alice@acme.example"}, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert mail.outbox == []


def test_the_link_uses_https_when_the_request_did(client, alice):
    client.post(URL, {"email": "alice@acme.example"}, secure=True)
    assert "https://testserver/accounts/password/set/" in mail.outbox[0].body
