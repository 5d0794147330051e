"""The alert check (docs/product.md §4.6, issue 18 §1): each level a contract's window
reaches is e-mailed once per recipient per window, whatever re-syncs, restarts or second
workers do; failures are retried, then shown to admins.

Acme's contract has 10 h a month (tests/alerts/conftest.py); ann is the chosen staff member,
alice and bob are Acme's customers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from alerts import sentences
from alerts.checks import check_alerts
from alerts.models import AlertDelivery, AlertSettings
from jsm.models import Customer, Organization
from sync.runs import run_all
from sync.signals import sync_finished
from tempo_integration.models import TempoIntegration, Worklog
from worklog_report.deliveries import MAX_ATTEMPTS, WORKER_STOPPED

from .failing_mail import FailingBackend, RacingBackend

JUNE = dt.date(2032, 6, 16)
ANN = "ann@provider.example"


def to(mail) -> list[str]:
    return sorted(address for message in mail for address in message.to)


def test_below_the_first_level_nothing_is_sent(acme_contract, log, mailoutbox):
    log(dt.date(2032, 6, 14), 7.99)
    assert check_alerts(JUNE).sent == 0
    assert mailoutbox == []


def test_crossing_80_percent_mails_each_recipient_once(acme_contract, log, mailoutbox):
    AlertSettings.objects.filter(contract=acme_contract).update(email_customers=True)
    log(dt.date(2032, 6, 14), 8)
    assert check_alerts(JUNE).sent == 3
    assert to(mailoutbox) == ["alice@acme.example", ANN, "bob@acme.example"]
    assert {m.subject for m in mailoutbox} == {
        "IT Service Desk: 80 % of the contract hours of Acme used (June 2032)"
    }


def test_the_email_says_the_window_the_hours_the_forecast_and_links_the_report(
    acme_contract, log, mailoutbox, settings
):
    settings.SITE_URL = "https://hours.example.com"
    for day in (7, 8, 9, 10, 11, 14, 15):  # 7 working days of 1.2 h: a pace of 0.84 h
        log(dt.date(2032, 6, day), 1.2)
    check_alerts(JUNE)
    [message] = mailoutbox
    text = message.body
    assert "80 % of the contract hours reached" in text
    assert "Month: June 2032" in text
    assert "Used: 8.40 h of 10.00 h (84 %)" in text
    assert "Remaining: 1.60 h" in text
    assert "At this pace the hours run out on 17 Jun." in text
    assert "The report: https://hours.example.com/portal/ITSD/worklog-report/" in text
    assert "Contract management: https://hours.example.com/configuration/projects/ITSD/" in text
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert 'href="https://hours.example.com/portal/ITSD/worklog-report/"' in html
    assert "8.40 h of 10.00 h (84 %)" in html
    assert "At this pace the hours run out on 17 Jun." in html


def test_a_customer_gets_no_staff_link(acme_contract, log, mailoutbox):
    AlertSettings.objects.filter(contract=acme_contract).update(email_customers=True)
    acme_contract.alert_settings.staff.clear()
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    assert to(mailoutbox) == ["alice@acme.example", "bob@acme.example"]
    assert all("/configuration/" not in m.body for m in mailoutbox)


def test_a_resync_sends_nothing_again(acme_contract, log, mailoutbox):
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    check_alerts(JUNE)
    assert to(mailoutbox) == [ANN]


def test_each_level_is_its_own_email(acme_contract, log, mailoutbox):
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    log(dt.date(2032, 6, 15), 2)
    check_alerts(JUNE)
    assert [m.subject.split(": ")[1][:5] for m in mailoutbox] == ["80 % ", "100 %"]


def test_dropping_below_and_crossing_again_in_the_window_does_not_resend(
    acme_contract, log, mailoutbox
):
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    Worklog.objects.filter(tempo_id=log.n).update(billable_seconds=3600)  # down to 10 %
    check_alerts(JUNE)
    Worklog.objects.filter(tempo_id=log.n).update(billable_seconds=9 * 3600)  # 90 % again
    check_alerts(JUNE)
    assert to(mailoutbox) == [ANN]


def test_next_months_window_alerts_again(acme_contract, log, mailoutbox, time_machine):
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    log(dt.date(2032, 7, 12), 8.5)
    time_machine.move_to(dt.datetime(2032, 7, 14, 12, tzinfo=dt.UTC), tick=True)
    check_alerts(dt.date(2032, 7, 14))
    assert [m.subject for m in mailoutbox] == [
        "IT Service Desk: 80 % of the contract hours of Acme used (June 2032)",
        "IT Service Desk: 80 % of the contract hours of Acme used (July 2032)",
    ]


def test_two_checks_at_once_send_one_email(acme_contract, log, mailoutbox, settings):
    """A second worker checks while the first is sending: the row is claimed, it sends
    nothing (the second check runs inside the first one's send, at the worst moment)."""
    log(dt.date(2032, 6, 14), 8)
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.RacingBackend"
    RacingBackend.during_send = lambda: check_alerts(JUNE)
    check_alerts(JUNE)
    assert RacingBackend.results[0].sent == 0
    assert to(mailoutbox) == [ANN]


def test_rows_made_twice_stay_one(acme_contract, log, mailoutbox):
    """The unique constraint is what makes "once": a second row for the same contract,
    window, level and address cannot exist."""
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertDelivery.objects.create(
            contract=acme_contract, window_start=dt.date(2032, 6, 1), level=80, email=ANN
        )


def test_a_failing_send_is_retried_then_shown(acme_contract, log, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.FailingBackend"
    FailingBackend.failures = 1
    log(dt.date(2032, 6, 14), 8)
    counts = check_alerts(JUNE)
    assert (counts.sent, counts.failed, mailoutbox) == (0, 1, [])
    delivery = AlertDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.error == "Connection unexpectedly closed: timed out"
    assert check_alerts(JUNE).sent == 0  # waits a minute before the next attempt
    AlertDelivery.objects.update(next_attempt_at=None)
    assert check_alerts(JUNE).sent == 1
    assert check_alerts(JUNE).sent == 0
    assert to(mailoutbox) == [ANN]
    assert AlertDelivery.objects.get().status == "sent"


def test_a_send_that_keeps_failing_gives_up_and_stays_visible(
    acme_contract, log, mailoutbox, settings, staff_client
):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.FailingBackend"
    FailingBackend.failures = 99
    log(dt.date(2032, 6, 14), 8)
    for _ in range(MAX_ATTEMPTS + 2):
        check_alerts(JUNE)
        AlertDelivery.objects.update(next_attempt_at=None)
    FailingBackend.failures = 0
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts, mailoutbox) == ("failed", MAX_ATTEMPTS, [])
    page = staff_client.get("/configuration/projects/ITSD/contracts/").content.decode()
    assert (
        f"80 % alert to {ANN} failed: Connection unexpectedly closed: timed out "
        f"Gave up after {MAX_ATTEMPTS} attempts."
    ) in page


def test_a_failure_shows_on_the_contract_page_while_it_is_retried(
    acme_contract, log, settings, staff_client
):
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.FailingBackend"
    FailingBackend.failures = 1
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    page = staff_client.get("/configuration/projects/ITSD/contracts/").content.decode()
    assert sentences.failed(AlertDelivery.objects.get()) in page
    assert "Attempt 1; it is tried again after the next sync." in page


def test_a_customer_removed_before_sending_is_not_mailed(acme_contract, log, mailoutbox, settings):
    AlertSettings.objects.filter(contract=acme_contract).update(email_customers=True)
    settings.EMAIL_BACKEND = "tests.alerts.failing_mail.FailingBackend"
    FailingBackend.failures = 3  # all three first attempts fail
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    Organization.objects.get(name="Acme").members.remove(Customer.objects.get(display_name="Bob"))
    AlertDelivery.objects.update(next_attempt_at=None)
    check_alerts(JUNE)
    assert to(mailoutbox) == ["alice@acme.example", ANN]
    bob = AlertDelivery.objects.get(email="bob@acme.example")
    assert (bob.status, bob.error) == ("skipped", sentences.REMOVED_RECIPIENT)


def test_a_customer_without_an_address_or_inactive_is_not_mailed(acme_contract, log, mailoutbox):
    AlertSettings.objects.filter(contract=acme_contract).update(email_customers=True)
    Customer.objects.filter(display_name="Bob").update(active=False)
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    assert to(mailoutbox) == ["alice@acme.example", ANN]


def test_a_send_cut_short_by_a_dead_worker_is_never_repeated(acme_contract, log, mailoutbox):
    log(dt.date(2032, 6, 14), 8)
    AlertDelivery.objects.create(
        contract=acme_contract,
        window_start=dt.date(2032, 6, 1),
        level=80,
        email=ANN,
        status="sending",
        attempts=1,
        claimed_at=dt.datetime(2032, 6, 16, 11, tzinfo=dt.UTC),
    )
    check_alerts(JUNE)
    delivery = AlertDelivery.objects.get()
    assert mailoutbox == []
    assert (delivery.status, delivery.error) == ("failed", WORKER_STOPPED)


def test_a_contract_not_running_today_is_not_checked(acme_contract, log, mailoutbox):
    log(dt.date(2032, 6, 14), 9)
    check_alerts(dt.date(2033, 1, 3))
    assert mailoutbox == []


def test_without_available_hours_nothing_is_checked(acme_contract, log, mailoutbox):
    log(dt.date(2032, 6, 14), 9)
    TempoIntegration.current().mark_invalid("Tempo refused the token.")
    check_alerts(JUNE)
    assert mailoutbox == []


def test_a_finished_sync_queues_the_check(acme_contract, log, mailoutbox):
    """Tests run tasks at once (the immediate backend); the worker runs them in production."""
    log(dt.date(2032, 6, 14), 8)
    sync_finished.send(sender=None, outcomes=[])
    assert to(mailoutbox) == [ANN]


def test_every_recorded_sync_run_is_followed_by_a_check(acme_contract, log, mailoutbox):
    """Even a failed run (here Jira and Tempo cannot be reached) is a round worth checking:
    hours may have come in by webhook or an earlier run."""
    log(dt.date(2032, 6, 14), 8)
    outcomes = run_all(trigger="test")
    assert [o.run is not None for o in outcomes] == [True, True]
    assert to(mailoutbox) == [ANN]


@pytest.fixture
def staff_client(client, ann):
    client.force_login(ann)
    return client


def test_the_subject_keeps_an_ampersand_as_written(acme_contract, log, mailoutbox):
    Organization.objects.filter(name="Acme").update(name="Smith & Sons <EU>")
    log(dt.date(2032, 6, 14), 8)
    check_alerts(JUNE)
    [message] = mailoutbox
    assert message.subject == (
        "IT Service Desk: 80 % of the contract hours of Smith & Sons <EU> used (June 2032)"
    )
