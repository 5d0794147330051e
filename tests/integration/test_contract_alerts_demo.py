"""Threshold alerts against the real sandbox (issue 18 §1): logging time in Tempo pushes the
demo's Acme contract past 80 %, the next sync queues the check, and each recipient gets
exactly one e-mail; a second sync sends none."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from alerts.models import AlertDelivery, AlertSettings
from jsm.models import Organization, Request
from portal.contracts import contract_usages
from portal.models import Contract, ReportSettings
from sync.models import SyncRun
from sync.runs import run_all, sync_jira
from tempo_integration.models import TempoIntegration

pytestmark = pytest.mark.integration


@pytest.fixture
def acme(fresh_sandbox, admin_user, capsys):
    """The demo as `make run` prepares it, synced, with Acme's contract alerting the admin
    and Acme's customers."""
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    call_command("seed_demo", force=True)
    # The demo's ITSD also sends monthly statements: mail of its own, not this test's.
    ReportSettings.objects.filter(project__key="ITSD").update(monthly_statements=False)
    capsys.readouterr()
    TempoIntegration.store(fresh_sandbox.client.mint_token(full=True), admin_user)
    contract = Contract.objects.get(project__key="ITSD", organization__name="Acme")
    alert_settings = AlertSettings.for_contract(contract)
    alert_settings.staff.set([admin_user])
    alert_settings.email_customers = True
    alert_settings.save()
    return contract


def customers_of(contract) -> list[str]:
    organization = Organization.objects.get(pk=contract.organization_id)
    return sorted(
        m.email.lower() for m in organization.members.filter(active=True).exclude(email="")
    )


def test_crossing_80_percent_mails_each_recipient_once(acme, fresh_sandbox, mailoutbox):
    run_all(trigger="command")  # the first Tempo read: below 80 % (nothing this month yet)
    settings = ReportSettings.objects.get(project__key="ITSD")
    usage = contract_usages([acme], settings, timezone.localdate())[acme.pk]
    assert usage.used_seconds * 100 < 80 * usage.available_seconds
    assert mailoutbox == []

    missing = -(-(80 * usage.available_seconds - 100 * usage.used_seconds) // 100)
    request = Request.objects.filter(project__key="ITSD", organizations=acme.organization).first()
    fresh_sandbox.client.create_tempo_worklog(request.key, missing + 60)
    run_all(trigger="command")

    recipients = sorted(["admin@example.com", *customers_of(acme)])
    assert len(recipients) >= 2
    assert sorted(address for m in mailoutbox for address in m.to) == recipients
    assert all(
        m.subject.startswith("IT Service Desk: 80 % of the contract hours") for m in mailoutbox
    )
    assert all("/portal/ITSD/worklog-report/" in m.body for m in mailoutbox)

    run_all(trigger="command")
    assert len(mailoutbox) == len(recipients)
    assert AlertDelivery.objects.filter(status="sent").count() == len(recipients)
