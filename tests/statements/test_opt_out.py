"""The signed link in each statement e-mail (issue 18 §3): opening it (GET, HEAD) only asks,
so a mail scanner that follows links changes nothing; the page's button (a POST) or the mail
client's RFC 8058 one-click POST stops the e-mails of that customer and project; the page
then offers the undo; a forged or cut link does nothing and says so."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from jsm.models import Customer, JiraProject
from portal.models import ReportSettings
from statements import sentences
from statements.models import StatementDelivery, StatementOptOut
from statements.opt_out import (
    SALT,
    opt_out_token,
    opt_out_url,
    receives_emails,
    set_receives_emails,
    subscriber_of,
)
from statements.sending import send_due_statements
from worklog_report.redaction import REDACTED, redact

from .conftest import draw


@pytest.fixture
def carol(itsd):
    return Customer.objects.get(display_name="Carol")


@pytest.fixture
def token(itsd, carol):
    return opt_out_token(carol.pk, itsd.project.pk)


def link(token: str) -> str:
    """The opt-out link of a (possibly changed) signed value: ``?token=`` in the query."""
    return f"{reverse('statements:opt_out')}?{urlencode({'token': token})}"


def undo(client, token: str):
    """The undo: a POST with the signed value in its body."""
    return client.post(reverse("statements:opt_in"), {"token": token})


def opted_out(customer, project) -> bool:
    return StatementOptOut.objects.filter(customer=customer, project=project).exists()


def test_the_token_stands_for_its_customer_and_project(itsd, carol, token):
    subscriber = subscriber_of(token)
    assert (subscriber.customer, subscriber.project) == (carol, itsd.project)


def test_the_token_is_signed_with_its_own_salt(itsd, carol):
    unsalted = signing.dumps({"c": carol.pk, "p": itsd.project.pk}, compress=True)
    assert subscriber_of(unsalted) is None
    other_salt = signing.dumps({"c": carol.pk, "p": itsd.project.pk}, salt="x", compress=True)
    assert subscriber_of(other_salt) is None
    assert subscriber_of(signing.dumps({"c": carol.pk, "p": itsd.project.pk}, salt=SALT))


@pytest.mark.parametrize(
    "data", [{"c": 1}, {"p": 1}, {"c": "x", "p": 1}, [1, 2], "text", {"c": None, "p": 1}]
)
def test_a_signed_token_without_a_customer_and_project_is_refused(itsd, data):
    assert subscriber_of(signing.dumps(data, salt=SALT)) is None


def test_the_link_carries_the_token_in_its_query_string(itsd, carol, token):
    url = opt_out_url(carol.pk, itsd.project.pk)
    assert url == link(token)
    assert url.startswith("/statements/opt-out/?token=")
    assert reverse("statements:opt_out") == "/statements/opt-out/"
    assert reverse("statements:opt_in") == "/statements/opt-out/undo/"
    assert token not in reverse("statements:opt_out")


def forms(page: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", page, flags=re.S)


def test_opening_the_link_only_asks_and_changes_nothing(client, itsd, carol, token):
    url = link(token)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert sentences.OPT_OUT_TITLE in page
    assert sentences.opt_out_question("IT Service Desk") in page
    assert sentences.OPTED_OUT_TITLE not in page
    [form] = forms(page)
    assert 'method="post"' in form and f'action="{url}"' in form
    assert re.findall(r"<button\b[^>]*>([^<]*)</button>", form) == ["Stop statement e-mails"]
    assert "List-Unsubscribe" not in form
    assert reverse("statements:opt_in") not in page
    assert 'name="token"' not in form
    assert not StatementOptOut.objects.exists()
    assert receives_emails(carol, itsd.project)


def test_opening_the_link_twice_or_with_head_changes_nothing(client, itsd, carol, token):
    url = link(token)
    assert client.get(url).status_code == 200
    assert client.head(url).status_code == 200
    assert client.get(url).status_code == 200
    assert receives_emails(carol, itsd.project)
    assert not StatementOptOut.objects.exists()


def test_opening_the_link_does_not_undo_an_opt_out_either(client, itsd, carol, token):
    set_receives_emails(carol, itsd.project, False)
    assert client.get(link(token)).status_code == 200
    assert opted_out(carol, itsd.project)


def test_the_pages_button_opts_out_and_offers_the_undo(itsd, carol, token):
    client = Client(enforce_csrf_checks=True)  # the page's form; no sign-in
    response = client.post(link(token))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert sentences.OPTED_OUT_TITLE in page
    assert sentences.opted_out("IT Service Desk") in page
    [form] = forms(page)
    assert f'action="{reverse("statements:opt_in")}"' in form
    assert f'<input type="hidden" name="token" value="{token}">' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert opted_out(carol, itsd.project)
    assert not receives_emails(carol, itsd.project)


def test_the_link_needs_no_sign_in_and_works_twice(client, itsd, carol, token):
    url = link(token)
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert StatementOptOut.objects.filter(customer=carol).count() == 1


def test_the_one_click_post_needs_no_csrf_token_and_answers_plain_text(itsd, carol, token):
    client = Client(enforce_csrf_checks=True)
    response = client.post(link(token), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == sentences.opted_out("IT Service Desk")
    assert opted_out(carol, itsd.project)


def test_the_undo_starts_the_emails_again(client, itsd, carol, token):
    client.post(link(token))
    assert opted_out(carol, itsd.project)
    response = undo(client, token)
    assert response.status_code == 200
    page = response.content.decode()
    assert sentences.OPTED_IN_TITLE in page
    assert sentences.opted_in("IT Service Desk") in page
    assert "<form" not in page.split("opt-out-title", 1)[1]
    assert not opted_out(carol, itsd.project)


def test_the_undo_is_a_post_with_csrf_protection(itsd, carol, token):
    set_receives_emails(carol, itsd.project, False)
    client = Client(enforce_csrf_checks=True)
    assert client.get(reverse("statements:opt_in"), {"token": token}).status_code == 405
    # The token alone is not enough: the undo needs the page's CSRF token too.
    assert undo(client, token).status_code == 403
    assert opted_out(carol, itsd.project)


def test_the_opt_out_link_answers_only_get_head_and_post(client, itsd, carol, token):
    url = link(token)
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405
    assert client.head(url).status_code == 200
    assert not StatementOptOut.objects.exists()


def forged(token: str) -> str:
    i = token.index(":") - 1  # a character of the signed data
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


@pytest.mark.parametrize(
    "change", [forged, lambda t: t[:-3], lambda t: t[: len(t) // 2], lambda t: t + "x"]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_or_cut_link_does_nothing_and_says_so(client, itsd, carol, token, change, method):
    response = getattr(client, method)(link(change(token)))
    assert response.status_code == 400
    page = response.content.decode()
    assert sentences.BAD_LINK_TITLE in page
    assert sentences.BAD_LINK in page
    assert not StatementOptOut.objects.exists()


@pytest.mark.parametrize(
    "url",
    [lambda: reverse("statements:opt_out"), lambda: f"{reverse('statements:opt_out')}?token="],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_without_its_token_does_nothing_and_says_so(client, itsd, carol, url, method):
    response = getattr(client, method)(url())
    assert response.status_code == 400
    page = response.content.decode()
    assert sentences.BAD_LINK_TITLE in page
    assert sentences.BAD_LINK in page
    assert not StatementOptOut.objects.exists()


def test_the_token_in_the_body_does_not_stand_for_the_link(client, itsd, carol, token):
    """The opt-out reads its token from the link's query string only."""
    response = client.post(reverse("statements:opt_out"), {"token": token})
    assert response.status_code == 400
    assert not opted_out(carol, itsd.project)


def test_a_forged_undo_link_does_nothing(client, itsd, carol, token):
    set_receives_emails(carol, itsd.project, False)
    response = undo(client, forged(token))
    assert response.status_code == 400
    assert sentences.BAD_LINK in response.content.decode()
    assert opted_out(carol, itsd.project)


def test_an_undo_without_its_token_does_nothing(client, itsd, carol, token):
    set_receives_emails(carol, itsd.project, False)
    response = client.post(reverse("statements:opt_in"))
    assert response.status_code == 400
    assert sentences.BAD_LINK in response.content.decode()
    # The token in the query string instead of the body does not count either.
    assert client.post(f"{reverse('statements:opt_in')}?token={token}").status_code == 400
    assert opted_out(carol, itsd.project)


def test_the_request_log_line_of_the_link_does_not_carry_the_token(
    client, itsd, carol, token, caplog
):
    caplog.set_level(logging.INFO, logger="worklog_report.requests")
    assert client.get(link(token)).status_code == 200
    assert client.post(link(token)).status_code == 200
    records = [r for r in caplog.records if r.name == "worklog_report.requests"]
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/statements/opt-out/", 200),
        ("POST", "/statements/opt-out/", 200),
    ]
    signature = token.rsplit(":", 1)[1]
    for record in records:
        line = f"{record.getMessage()} {record.__dict__}"
        assert token not in line
        assert signature not in line
    # And the redaction blanks the value should a URL with it reach a log line.
    assert redact(f"GET {link(token)} 200") == f"GET /statements/opt-out/?token={REDACTED} 200"


def test_the_link_of_a_deleted_customer_is_a_bad_link(client, itsd, carol, token):
    carol.delete()
    response = client.get(link(token))
    assert response.status_code == 400
    assert sentences.BAD_LINK in response.content.decode()


def test_the_link_of_a_deleted_project_is_a_bad_link(client, itsd, token):
    itsd.project.delete()
    assert client.post(link(token)).status_code == 400


def test_a_link_stops_only_its_project(client, itsd, carol, token):
    other = JiraProject.objects.create(jira_id="10001", key="OPS", name="Ops", service_desk_id="2")
    ReportSettings.objects.create(project=other, enabled=True)
    client.post(link(token))
    assert receives_emails(carol, other)
    assert not receives_emails(carol, itsd.project)


def test_set_receives_emails_is_idempotent(itsd, carol):
    set_receives_emails(carol, itsd.project, False)
    set_receives_emails(carol, itsd.project, False)
    assert StatementOptOut.objects.count() == 1
    set_receives_emails(carol, itsd.project, True)
    set_receives_emails(carol, itsd.project, True)
    assert StatementOptOut.objects.count() == 0


def test_the_emails_list_unsubscribe_link_stops_the_next_ones(itsd, mailoutbox, client):
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == ["carol@globex.example"]]
    url = re.fullmatch(r"<https?://[^/]+(/.+)>", message.extra_headers["List-Unsubscribe"])[1]
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    # Next month's statement of Globex is not e-mailed to carol.
    StatementDelivery.objects.filter(email="carol@globex.example").update(status="pending")
    send_due_statements()
    assert StatementDelivery.objects.get(email="carol@globex.example").error == (
        sentences.OPTED_OUT
    )
    assert len(mailoutbox) == 3


def test_an_undone_opt_out_sends_again(itsd, mailoutbox, carol, token, client):
    client.post(link(token))
    assert opted_out(carol, itsd.project)
    undo(client, token)
    draw()
    send_due_statements()
    assert "carol@globex.example" in [m.to[0] for m in mailoutbox]


def submit(client, page: str):
    """Submit the page's one form as a browser does."""
    [form] = forms(page)
    action = re.search(r'action="([^"]+)"', form)[1]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return client.post(action, fields)


def test_the_pages_forms_work_with_csrf_checks(itsd, carol, token):
    """Open the link, press Stop, then press the undo: the whole walk of a browser."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(link(token)).content.decode()
    assert receives_emails(carol, itsd.project)
    response = submit(client, page)
    assert response.status_code == 200
    assert sentences.OPTED_OUT_TITLE in response.content.decode()
    assert opted_out(carol, itsd.project)
    response = submit(client, response.content.decode())
    assert response.status_code == 200
    assert sentences.OPTED_IN_TITLE in response.content.decode()
    assert not opted_out(carol, itsd.project)
