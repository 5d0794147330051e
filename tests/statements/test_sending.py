"""The statement e-mails (issue 18 §3, "Bad input and faults"): once per address, with the
PDF and CSV attached and one-click unsubscribe headers; not to customers who left, were made
inactive or opted out before it went out; a failing mail server is retried and never makes a
duplicate; two workers send once; a finished sync queues the whole thing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import quote, unquote

import pytest
from django.utils import timezone

from jsm.models import Customer, Organization
from portal.exports import UTF8_BOM
from statements import sentences
from statements.documents import PDF_UNAVAILABLE, PdfUnavailable
from statements.models import Statement, StatementDelivery, StatementOptOut
from statements.opt_out import opt_out_token, opt_out_url
from statements.sending import send_due_statements
from statements.tasks import issue_statements
from sync.runs import run_all
from sync.signals import sync_finished
from tempo_integration.models import TempoIntegration, Worklog
from tests.alerts.failing_mail import FailingBackend, RacingBackend
from worklog_report.deliveries import MAX_ATTEMPTS, STALE_SENDING, WORKER_STOPPED

from .conftest import MONTH, draw, org, statement_of

ALICE, BOB, CAROL = "alice@acme.example", "bob@acme.example", "carol@globex.example"


def to(mail) -> list[str]:
    return sorted(address for message in mail for address in message.to)


def row(email: str) -> StatementDelivery:
    return StatementDelivery.objects.get(email=email)


@pytest.fixture(autouse=True)
def _reset_backends():
    FailingBackend.failures = 0
    RacingBackend.during_send = None
    RacingBackend.results = []
    yield
    FailingBackend.failures = 0
    RacingBackend.during_send = None


def test_each_member_gets_their_organizations_statement_once(itsd, mailoutbox):
    draw()
    counts = send_due_statements()
    assert (counts.sent, counts.failed, counts.skipped) == (3, 0, 0)
    assert to(mailoutbox) == [ALICE, BOB, CAROL]
    by_address = {m.to[0]: m.subject for m in mailoutbox}
    assert by_address == {
        ALICE: f"Statement for {MONTH:%B %Y}: Acme, IT Service Desk",
        BOB: f"Statement for {MONTH:%B %Y}: Acme, IT Service Desk",
        CAROL: f"Statement for {MONTH:%B %Y}: Globex, IT Service Desk",
    }
    assert set(StatementDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert all(d.sent_at is not None for d in StatementDelivery.objects.all())


def test_sending_again_sends_nothing(itsd, mailoutbox):
    draw()
    send_due_statements()
    counts = send_due_statements()
    assert (counts.sent, counts.failed, counts.skipped) == (0, 0, 0)
    assert len(mailoutbox) == 3


def test_the_email_attaches_the_pdf_and_the_csv_as_issued(itsd, mailoutbox):
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [CAROL]]
    globex = statement_of("Globex")
    stem = f"ITSD-Globex-statement-{MONTH:%Y-%m}"
    assert [(name, kind) for name, _, kind in message.attachments] == [
        (f"{stem}.pdf", "application/pdf"),
        (f"{stem}.csv", "text/csv"),
    ]
    assert message.attachments[0][1] == bytes(globex.pdf)
    assert message.attachments[1][1] == UTF8_BOM + globex.csv


def test_the_csv_attachment_has_one_charset(itsd, mailoutbox):
    """Django adds the charset of a text attachment itself: given one, it had two."""
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [CAROL]]
    [part] = [p for p in message.message().walk() if (p.get_filename() or "").endswith(".csv")]
    assert part.get_content_type() == "text/csv"
    assert part["Content-Type"].lower().count("charset") == 1
    assert part.get_content_charset() == "utf-8"
    assert part.get_payload(decode=True).decode("utf-8") == UTF8_BOM + statement_of("Globex").csv


def test_the_email_carries_one_click_unsubscribe_headers(itsd, mailoutbox, settings, time_machine):
    settings.SITE_URL = "https://hours.example.com"
    time_machine.move_to(timezone.now(), tick=False)  # one second for both tokens (below)
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [CAROL]]
    carol = Customer.objects.get(display_name="Carol")
    token = opt_out_token(carol.pk, itsd.project.pk)
    assert opt_out_url(carol.pk, itsd.project.pk) == f"/statements/opt-out/?token={quote(token)}"
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<https://hours.example.com{opt_out_url(carol.pk, itsd.project.pk)}>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = message.message()
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_each_recipient_gets_their_own_unsubscribe_link(itsd, mailoutbox):
    draw()
    send_due_statements()
    links = {m.to[0]: m.extra_headers["List-Unsubscribe"] for m in mailoutbox}
    assert len(set(links.values())) == 3


def test_the_email_says_the_hours_and_links_the_statements(
    itsd, mailoutbox, settings, time_machine
):
    settings.SITE_URL = "https://hours.example.com"
    # The opt-out token is signed with the second it was made: the one expected below must
    # be made in the same second as the e-mail's, however slow the machine.
    time_machine.move_to(timezone.now(), tick=False)
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [ALICE]]
    alice = Customer.objects.get(email=ALICE)
    assert f"Hours in {MONTH:%B}: 2.75 h on 2 requests." in message.body
    assert "https://hours.example.com/portal/ITSD/statements/" in message.body
    footer_link = f"https://hours.example.com{opt_out_url(alice.pk, itsd.project.pk)}"
    assert footer_link in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert "2.75 h" in html
    assert "ITSD-2" not in message.body + html
    assert 'href="https://hours.example.com/portal/ITSD/statements/"' in html
    assert f'href="{footer_link.replace("&", "&amp;")}"' in html
    # Acme has no contract: its customers' unshared ITSD-2 makes no "Besides" line.
    assert "Besides" not in message.body + html
    assert "without sharing" not in message.body + html


def test_the_email_of_an_organization_with_a_contract_gives_its_unshared_hours(
    itsd, mailoutbox, settings, contract
):
    settings.SITE_URL = "https://hours.example.com"
    contract("Acme", Decimal(10), MONTH, MONTH.replace(day=28), type="fixed")
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [ALICE]]
    assert f"Hours in {MONTH:%B}: 2.75 h on 2 requests." in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert "2.75 h" in html
    assert "ITSD-2" not in message.body + html
    assert 'href="https://hours.example.com/portal/ITSD/statements/"' in html
    unshared = (
        "Besides, 2.00 h on 1 request that Acme's customers raised without sharing it with "
        "Acme (in the contract, not listed)."
    )
    assert unshared in message.body
    assert unshared in html


def test_the_email_of_a_month_without_hours_says_so(itsd, mailoutbox, contract):
    Worklog.objects.filter(request=itsd.requests["ITSD-3"]).delete()
    contract("Globex", Decimal(10), MONTH, MONTH.replace(day=28), type="fixed")
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [CAROL]]
    assert (
        f"Hours in {MONTH:%B}: 0.00 h on 0 requests: no hours were worked on requests shared "
        "with Globex this month."
    ) in message.body
    assert "Remaining of the contract" in message.body
    assert "10.00 h" in message.body


def test_the_email_of_an_overrun_says_the_overrun(itsd, mailoutbox, contract):
    contract("Globex", Decimal(2), MONTH, MONTH.replace(day=28), type="monthly")
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [CAROL]]
    assert f"Overrun of the contract at the end of {MONTH:%B}: 1.00 h." in message.body


# -- Recipients checked again when it goes out ----------------------------------------------


def test_a_customer_removed_from_the_organization_before_sending_is_not_sent_it(itsd, mailoutbox):
    draw()
    org("Acme").members.remove(Customer.objects.get(display_name="Bob"))
    counts = send_due_statements()
    assert (counts.sent, counts.skipped) == (2, 1)
    assert to(mailoutbox) == [ALICE, CAROL]
    assert (row(BOB).status, row(BOB).error) == (
        "skipped",
        sentences.not_a_customer_any_more("Acme"),
    )


def test_a_customer_made_inactive_before_sending_is_not_sent_it(itsd, mailoutbox):
    draw()
    Customer.objects.filter(display_name="Alice").update(active=False)
    send_due_statements()
    assert to(mailoutbox) == [BOB, CAROL]
    assert (row(ALICE).status, row(ALICE).error) == (
        "skipped",
        sentences.not_a_customer_any_more("Acme"),
    )


def test_a_customer_who_opted_out_before_sending_is_not_sent_it(itsd, mailoutbox):
    draw()
    StatementOptOut.objects.create(
        customer=Customer.objects.get(display_name="Carol"), project=itsd.project
    )
    send_due_statements()
    assert to(mailoutbox) == [ALICE, BOB]
    assert (row(CAROL).status, row(CAROL).error) == ("skipped", sentences.OPTED_OUT)


def test_a_customer_whose_address_changed_is_not_sent_it_at_the_old_one(itsd, mailoutbox):
    draw()
    Customer.objects.filter(display_name="Bob").update(email="robert@acme.example")
    send_due_statements()
    assert to(mailoutbox) == [ALICE, CAROL]
    assert row(BOB).status == "skipped"


def test_an_address_in_another_case_is_still_sent(itsd, mailoutbox):
    draw()
    Customer.objects.filter(display_name="Bob").update(email="Bob@ACME.example")
    send_due_statements()
    assert row(BOB).status == "sent"
    assert to(mailoutbox) == [ALICE, BOB, CAROL]


def test_a_skipped_row_is_not_sent_when_the_customer_comes_back(itsd, mailoutbox):
    draw()
    bob = Customer.objects.get(display_name="Bob")
    org("Acme").members.remove(bob)
    send_due_statements()
    org("Acme").members.add(bob)
    assert send_due_statements().sent == 0
    assert to(mailoutbox) == [ALICE, CAROL]


def test_the_statement_of_a_deleted_organization_is_sent_to_no_one(itsd, mailoutbox):
    draw()
    org("Globex").delete()
    send_due_statements()
    assert to(mailoutbox) == [ALICE, BOB]
    assert (row(CAROL).status, row(CAROL).error) == (
        "skipped",
        sentences.not_a_customer_any_more("Globex"),
    )


# -- A mail server that fails --------------------------------------------------------------


def test_a_failing_mail_server_is_retried_and_never_duplicates(
    itsd, mailoutbox, settings, time_machine
):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.FailingBackend"
    FailingBackend.failures = 1  # the first e-mail (alice's) fails
    draw()
    counts = send_due_statements()
    assert (counts.sent, counts.failed) == (2, 1)
    assert to(mailoutbox) == [BOB, CAROL]
    alice = row(ALICE)
    assert (alice.status, alice.attempts) == ("failed", 1)
    assert alice.error == "Connection unexpectedly closed: timed out"
    assert alice.next_attempt_at == alice.claimed_at + dt.timedelta(minutes=1)
    assert send_due_statements().sent == 0  # not before a minute has passed
    time_machine.shift(dt.timedelta(minutes=1, seconds=1))
    assert send_due_statements().sent == 1
    assert send_due_statements().sent == 0
    assert to(mailoutbox) == [ALICE, BOB, CAROL]
    assert (row(ALICE).status, row(ALICE).attempts, row(ALICE).error) == ("sent", 2, "")


def test_retries_wait_1_2_4_8_minutes_then_give_up_after_5_attempts(
    itsd, mailoutbox, settings, time_machine
):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.FailingBackend"
    draw()
    StatementDelivery.objects.exclude(email=CAROL).delete()
    FailingBackend.failures = 99
    waits = []
    for _ in range(MAX_ATTEMPTS):
        assert send_due_statements().failed == 1
        carol = row(CAROL)
        if carol.attempts < MAX_ATTEMPTS:
            waits.append(carol.next_attempt_at - carol.claimed_at)
            time_machine.shift(carol.next_attempt_at - carol.claimed_at + dt.timedelta(seconds=1))
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    time_machine.shift(dt.timedelta(hours=1))
    FailingBackend.failures = 0
    assert send_due_statements().sent == 0
    carol = row(CAROL)
    assert (carol.status, carol.attempts, mailoutbox) == ("failed", MAX_ATTEMPTS, [])


def test_a_send_cut_short_by_a_dead_worker_is_never_repeated(itsd, mailoutbox, time_machine):
    draw()
    StatementDelivery.objects.filter(email=CAROL).update(
        status="sending", attempts=1, claimed_at=dt.datetime.now(dt.UTC)
    )
    send_due_statements()
    assert row(CAROL).status == "sending"  # maybe still being sent
    time_machine.shift(STALE_SENDING + dt.timedelta(seconds=1))
    send_due_statements()
    carol = row(CAROL)
    assert (carol.status, carol.error, carol.attempts) == ("failed", WORKER_STOPPED, MAX_ATTEMPTS)
    time_machine.shift(dt.timedelta(hours=1))
    send_due_statements()
    assert to(mailoutbox) == [ALICE, BOB]


def test_two_workers_at_once_send_each_email_once(itsd, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.RacingBackend"
    draw()
    RacingBackend.during_send = send_due_statements
    counts = send_due_statements()
    [second] = RacingBackend.results
    assert counts.sent + second.sent == 3
    assert to(mailoutbox) == [ALICE, BOB, CAROL]


def test_a_worker_racing_inside_the_first_send_does_not_send_it_again(itsd, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.RacingBackend"
    draw()
    StatementDelivery.objects.exclude(email=CAROL).delete()
    RacingBackend.during_send = send_due_statements
    assert send_due_statements().sent == 1
    assert RacingBackend.results[0].sent == 0
    assert to(mailoutbox) == [CAROL]


# -- The task and the sync -----------------------------------------------------------------


def test_the_task_draws_and_sends(itsd, mailoutbox):
    result = issue_statements.call()
    assert result == {"drawn": 2, "sent": 3, "failed": 0, "skipped": 0}
    assert to(mailoutbox) == [ALICE, BOB, CAROL]


def test_a_finished_sync_queues_the_statements(itsd, mailoutbox):
    sync_finished.send(sender=None, outcomes=[])
    assert Statement.objects.count() == 2
    assert to(mailoutbox) == [ALICE, BOB, CAROL]


def test_the_next_sync_sends_nothing_again_and_draws_nothing(itsd, mailoutbox, log):
    sync_finished.send(sender=None, outcomes=[])
    log("ITSD-3", MONTH, 3600)
    sync_finished.send(sender=None, outcomes=[])
    assert Statement.objects.count() == 2
    assert statement_of("Globex").total_seconds == 3 * 3600
    assert len(mailoutbox) == 3


def test_a_later_sync_retries_the_failed_emails(itsd, mailoutbox, settings, time_machine):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.FailingBackend"
    FailingBackend.failures = 3
    sync_finished.send(sender=None, outcomes=[])
    assert mailoutbox == []
    time_machine.shift(dt.timedelta(minutes=2))
    sync_finished.send(sender=None, outcomes=[])
    assert to(mailoutbox) == [ALICE, BOB, CAROL]


def test_a_sync_while_hours_are_unavailable_draws_at_a_later_sync(itsd, mailoutbox):
    integration = TempoIntegration.current()
    integration.mark_invalid("Tempo refused the token.")
    sync_finished.send(sender=None, outcomes=[])
    assert not Statement.objects.exists() and mailoutbox == []
    TempoIntegration.store("Portal-Test-Token-0044", itsd.users["alice"])
    sync_finished.send(sender=None, outcomes=[])
    assert Statement.objects.count() == 2
    assert len(mailoutbox) == 3


def test_without_weasyprint_the_task_draws_nothing_and_still_sends(itsd, mailoutbox, monkeypatch):
    def unavailable(content):
        raise PdfUnavailable(PDF_UNAVAILABLE)

    monkeypatch.setattr("statements.drawing.render_pdf", unavailable)
    assert issue_statements.call()["drawn"] == 0
    assert not Statement.objects.exists()
    monkeypatch.undo()
    monkeypatch.setattr("statements.drawing.render_pdf", lambda content: b"%PDF-later")
    assert issue_statements.call()["drawn"] == 2
    assert len(mailoutbox) == 3


def test_the_email_is_sent_with_the_customers_own_opt_out_link(itsd, mailoutbox):
    draw()
    send_due_statements()
    for message in mailoutbox:
        customer = Customer.objects.get(email=message.to[0])
        token = re.fullmatch(
            r"<https?://[^/]+/statements/opt-out/\?token=([^&>]+)>",
            message.extra_headers["List-Unsubscribe"],
        )
        assert unquote(token.group(1)) == opt_out_token(customer.pk, itsd.project.pk)


def test_the_subject_keeps_an_ampersand_in_the_organization_and_project_name(itsd, mailoutbox):
    Organization.objects.filter(name="Globex").update(name="Smith & Sons")
    itsd.project.name = "R&D <Desk>"
    itsd.project.save()
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [CAROL]]
    assert message.subject == f"Statement for {MONTH:%B %Y}: Smith & Sons, R&D <Desk>"


def test_names_are_plain_in_the_text_and_escaped_in_the_html(itsd, mailoutbox):
    Organization.objects.filter(name="Globex").update(name="Smith & Sons")
    itsd.project.name = "R&D <Desk>"
    itsd.project.save()
    draw()
    send_due_statements()
    [message] = [m for m in mailoutbox if m.to == [CAROL]]
    assert "Smith & Sons · R&D <Desk> (ITSD)" in message.body
    [(html, _)] = message.alternatives
    assert "Smith &amp; Sons · R&amp;D &lt;Desk&gt; (ITSD)" in html


def test_the_sync_queues_the_statements_and_does_not_run_them_itself(itsd, monkeypatch):
    calls = []

    class Task:
        def enqueue(self):
            calls.append("enqueue")

        def call(self):
            calls.append("call")

    monkeypatch.setattr("statements.receivers.issue_statements", Task())
    sync_finished.send(sender=None, outcomes=[])
    assert calls == ["enqueue"]
    assert not Statement.objects.exists()


def test_every_recorded_sync_run_is_followed_by_the_statements(itsd, mailoutbox):
    outcomes = run_all(trigger="test")
    assert [o.run is not None for o in outcomes] == [True, True]
    assert Statement.objects.count() == 2
    assert to(mailoutbox) == [ALICE, BOB, CAROL]


def test_one_failing_statement_holds_up_neither_the_others_nor_their_emails(
    itsd, mailoutbox, monkeypatch
):
    def render(content):
        if content["organization"] == "Acme":
            raise RuntimeError("boom")
        return b"%PDF-stand-in"

    monkeypatch.setattr("statements.drawing.render_pdf", render)
    assert issue_statements.call() == {"drawn": 1, "sent": 1, "failed": 0, "skipped": 0}
    assert to(mailoutbox) == [CAROL]
    assert not Statement.objects.filter(organization_name="Acme").exists()
    # The next sync draws up (and e-mails) only the missing one.
    monkeypatch.setattr("statements.drawing.render_pdf", lambda content: b"%PDF-later")
    assert issue_statements.call() == {"drawn": 1, "sent": 2, "failed": 0, "skipped": 0}
    assert to(mailoutbox) == [ALICE, BOB, CAROL]


def test_an_unexpected_drawing_error_still_sends_the_due_emails(itsd, mailoutbox, monkeypatch):
    draw()  # e-mails due from an earlier drawing up

    def broken(today=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr("statements.tasks.draw_due_statements", broken)
    assert issue_statements.call() == {"drawn": 0, "sent": 3, "failed": 0, "skipped": 0}
    assert to(mailoutbox) == [ALICE, BOB, CAROL]
