"""Monthly statements against the real sandbox (issue 18 §3): the demo synced into the app,
ITSD opted in, and the next sync draws up last month's statements of Acme and Globex (the
worker's issue_statements, queued on sync_finished); their totals are the report's for that
month and scope, and each active customer with an address gets their organization's
statement by e-mail exactly once, however many syncs follow.

The sandbox dates its demo worklogs from the real day (as tests/integration/
test_contract_alerts_demo.py relies on), so the clock is not frozen here: "last month" is the
real last month, and the app's `timezone.localdate()` agrees with the sandbox's.

STATEMENTS_SCREENSHOTS=DIR also saves Acme's PDF there (statement-acme.pdf): the demo's
statement with its contract position, for the README's picture.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from jsm.models import Customer, JiraProject, Organization
from portal.models import ReportSettings
from portal.periods import Period, add_months, month_end
from portal.reports import build_report
from portal.templatetags.hours import format_hours
from portal.visibility import ORGANIZATION, organization_requests, requests_visible_to
from statements.models import Statement, StatementDelivery, StatementRun
from statements.tasks import issue_statements
from sync.models import SyncRun
from sync.runs import run_all, sync_jira
from tempo_integration.models import TempoIntegration

pytestmark = pytest.mark.integration

SCREENSHOTS = os.environ.get("STATEMENTS_SCREENSHOTS")


@pytest.fixture
def itsd(fresh_sandbox, admin_user, capsys):
    """The demo as `make run` prepares it (Acme's contract included), synced with a
    full-access Tempo token, and ITSD not sending statements yet."""
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    call_command("seed_demo", force=True)
    capsys.readouterr()
    TempoIntegration.store(fresh_sandbox.client.mint_token(full=True), admin_user)
    report_settings = ReportSettings.objects.get(project__key="ITSD")
    report_settings.monthly_statements = False
    report_settings.save()
    return report_settings


def active_addresses(organization: Organization) -> list[str]:
    return sorted(
        m.email.lower() for m in organization.members.filter(active=True).exclude(email="")
    )


def pdf_text(statement: Statement) -> str:
    reader = PdfReader(io.BytesIO(bytes(statement.pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_last_months_statements_are_the_reports_and_mailed_once(itsd, mailoutbox):
    today = timezone.localdate()
    month = add_months(today, -1)
    period = Period(month, month_end(month), "custom")

    run_all(trigger="command")  # Tempo read for the first time; ITSD sends no statements
    assert not Statement.objects.exists()
    assert mailoutbox == []

    itsd.monthly_statements = True  # the admin's "Send monthly statements"
    itsd.save()
    run_all(trigger="command")  # the sync queues issue_statements (run at once in tests)

    project = JiraProject.objects.get(key="ITSD")
    statements = {s.organization_name: s for s in Statement.objects.filter(project=project)}
    assert {"Acme", "Globex"} <= statements.keys()
    assert all(s.month == month for s in statements.values())
    assert StatementRun.objects.filter(project=project, month=month).count() == 1

    customers = {"Acme": "alice@acme.example", "Globex": "carol@globex.example"}
    for name in ("Acme", "Globex"):
        statement = statements[name]
        organization = Organization.objects.get(name=name)
        # What alice (only in Acme) and carol (only in Globex) see under Organization requests.
        user = Customer.objects.get(email=customers[name]).user
        report = build_report(itsd, requests_visible_to(user, project, itsd, ORGANIZATION), period)
        unshared = build_report(
            itsd,
            organization_requests(project.pk, organization.pk).exclude(organizations=organization),
            period,
        )
        assert statement.content["unshared_seconds"] == unshared.total_seconds
        assert not {row.key for row in unshared.rows} & {
            r["key"] for r in statement.content["requests"]
        }
        assert report.total_seconds > 0, f"the demo has hours of {name} last month"
        assert statement.total_seconds == report.total_seconds
        assert statement.request_count == len(report.rows)
        assert [(r["key"], r["seconds"]) for r in statement.content["requests"]] == [
            (row.key, row.seconds) for row in report.rows
        ]
        text = pdf_text(statement)
        assert f"{name} — {month:%B %Y}" in text
        assert f"Total {format_hours(report.total_seconds, itsd.time_format)}" in text
        assert statement.csv.strip(), "the CSV is kept with the statement"
        assert active_addresses(organization), f"the demo's {name} has customers to mail"
    if month.year == today.year:  # seed_demo's contract of Acme runs this calendar year
        acme_contract = statements["Acme"].content["contract"]
        assert acme_contract is not None
        assert acme_contract["used_seconds"] == (
            statements["Acme"].total_seconds + statements["Acme"].content["unshared_seconds"]
        )
    assert statements["Globex"].content["contract"] is None

    # One e-mail per statement and active customer with an address (Acme's and Globex's, and
    # those of any other organization with hours), carrying their organization's PDF.
    expected_mail = sorted(
        (address, statement.organization_name)
        for statement in statements.values()
        for address in active_addresses(statement.organization)
    )
    by_subject = {
        f"Statement for {month:%B %Y}: {s.organization_name}, {project.name}": s
        for s in statements.values()
    }
    mailed = sorted(
        (address.lower(), by_subject[m.subject].organization_name)
        for m in mailoutbox
        for address in m.to
    )
    assert mailed == expected_mail
    assert {("alice@acme.example", "Acme"), ("carol@globex.example", "Globex")} <= set(mailed)
    ivan = Customer.objects.get(email__iexact="ivan@acme.example")  # left Acme: inactive
    assert not ivan.active and "ivan@acme.example" not in {a for a, _ in mailed}
    for message in mailoutbox:
        statement = by_subject[message.subject]
        assert len(message.to) == 1
        attached = {name: content for name, content, _ in message.attachments}
        assert bytes(attached[f"{statement.file_stem}.pdf"]) == bytes(statement.pdf)
        assert f"{statement.file_stem}.csv" in attached
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        (Path(SCREENSHOTS) / "statement-acme.pdf").write_bytes(bytes(statements["Acme"].pdf))

    # Another sync, the task again and the command: nothing new is drawn up or sent.
    sent = len(mailoutbox)
    ids = sorted(s.pk for s in statements.values())
    run_all(trigger="command")
    assert issue_statements.enqueue().return_value == {
        "drawn": 0,
        "sent": 0,
        "failed": 0,
        "skipped": 0,
    }
    call_command("monthly_statements", "--project", "ITSD", verbosity=0)
    assert len(mailoutbox) == sent
    assert sorted(Statement.objects.values_list("pk", flat=True)) == ids
    assert StatementDelivery.objects.filter(status="sent").count() == sent
