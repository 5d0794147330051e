"""`manage.py monthly_statements [--month YYYY-MM] [--project KEY ...] [--no-email]`: a
month's statements drawn up by hand (issue 18 §3), kept as issued when they exist, and the
sentences of its bad input."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jsm.models import JiraProject
from portal.models import ReportSettings
from portal.periods import add_months
from statements import sentences
from statements.models import Statement, StatementDelivery, StatementRun
from tempo_integration.models import TempoIntegration

from .conftest import FIRST_OF_NEXT, MONTH, H, draw, statement_of


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("monthly_statements", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_without_arguments_it_draws_last_month_and_sends_the_emails(itsd, mailoutbox):
    out, err = run()
    assert sorted(Statement.objects.values_list("organization_name", flat=True)) == [
        "Acme",
        "Globex",
    ]
    assert out.splitlines() == [
        f"ITSD: Acme, {MONTH:%B %Y}: 2 requests, 2.75 h",
        f"ITSD: Globex, {MONTH:%B %Y}: 1 request, 3.00 h",
        f"ITSD: 2 statement(s) of {MONTH:%B %Y} drawn up.",
        "E-mails: 3 sent, 0 failed, 0 not sent.",
    ]
    assert err == ""
    assert len(mailoutbox) == 3


def test_it_records_the_run_so_the_worker_draws_nothing_after_it(itsd, mailoutbox):
    run("--no-email")
    assert StatementRun.objects.get().statements == 2
    assert draw() == []


def test_no_email_leaves_the_emails_to_the_worker(itsd, mailoutbox):
    out, _ = run("--no-email")
    assert "E-mails" not in out
    assert mailoutbox == []
    assert set(StatementDelivery.objects.values_list("status", flat=True)) == {"pending"}


def test_a_second_run_keeps_the_statements_as_issued(itsd, mailoutbox, log):
    run()
    pdf = bytes(statement_of("Globex").pdf)
    log("ITSD-3", MONTH, 2 * H)
    out, _ = run()
    assert f"ITSD: 0 statement(s) of {MONTH:%B %Y} drawn up, 2 already there." in out
    assert "E-mails: 0 sent, 0 failed, 0 not sent." in out
    assert statement_of("Globex").total_seconds == 3 * H
    assert bytes(statement_of("Globex").pdf) == pdf
    assert len(mailoutbox) == 3


def test_an_earlier_month(itsd, log):
    earlier = add_months(MONTH, -2)
    log("ITSD-3", earlier.replace(day=20), 2 * H)
    out, _ = run("--month", f"{earlier:%Y-%m}", "--no-email")
    [statement] = Statement.objects.all()
    assert (statement.organization_name, statement.month, statement.total_seconds) == (
        "Globex",
        earlier,
        2 * H,
    )
    assert f"ITSD: 1 statement(s) of {earlier:%B %Y} drawn up." in out
    assert StatementRun.objects.get().month == earlier
    assert len(draw()) == 2  # last month is still the worker's to draw


@pytest.mark.parametrize(
    "month", ["2026", "2026-13", "11-2026", "last", "2026-00", "2026-1", "2026-011", " 2026-11"]
)
def test_a_bad_month_is_refused(itsd, month):
    with pytest.raises(CommandError, match="is not a month: write it as YYYY-MM"):
        run("--month", month)
    assert not Statement.objects.exists()


@pytest.mark.parametrize("months_ahead", [0, 1, 12])
def test_a_month_not_over_yet_is_refused(itsd, mailoutbox, months_ahead):
    month = add_months(FIRST_OF_NEXT, months_ahead)
    with pytest.raises(CommandError, match=r"Not every statement could be drawn up \(1 project\)"):
        run("--month", f"{month:%Y-%m}", "--no-email")
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()


def test_a_month_not_over_yet_says_why(itsd):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command(
            "monthly_statements", "--month", f"{FIRST_OF_NEXT:%Y-%m}", stdout=out, stderr=err
        )
    assert err.getvalue().startswith(f"ITSD: {FIRST_OF_NEXT:%B %Y} is not over yet")


def test_an_unknown_project_is_refused(itsd):
    with pytest.raises(CommandError, match="No JSM project with the key NOPE."):
        run("--project", "NOPE")
    with pytest.raises(CommandError, match="No JSM project with the key NOPE, ZZZ."):
        run("--project", "ITSD", "--project", "ZZZ", "--project", "NOPE")
    assert not Statement.objects.exists()


def test_no_project_opted_in_is_refused(world):
    with pytest.raises(CommandError, match="No project sends monthly statements"):
        run()


def test_a_named_project_is_drawn(itsd):
    other = JiraProject.objects.create(jira_id="10001", key="OPS", name="Ops", service_desk_id="2")
    ReportSettings.objects.create(project=other, enabled=True, monthly_statements=True)
    out, _ = run("--project", "ITSD", "--no-email")
    assert "OPS" not in out
    assert Statement.objects.count() == 2


def test_a_project_whose_hours_are_unavailable_is_refused_and_drawn_later(itsd, mailoutbox):
    TempoIntegration.current().mark_invalid("Tempo refused the token.")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"Not every statement could be drawn up \(1 project\)"):
        call_command("monthly_statements", "--no-email", stdout=out, stderr=err)
    assert "ITSD: The hours of ITSD are not available now" in err.getvalue()
    assert not StatementRun.objects.exists()
    TempoIntegration.store("Portal-Test-Token-0045", itsd.users["alice"])
    run("--no-email")
    assert Statement.objects.count() == 2


def test_a_disabled_named_project_is_refused(itsd):
    itsd.settings.enabled = False
    itsd.settings.save()
    with pytest.raises(CommandError, match="ITSD sends no monthly statements: "):
        run("--project", "ITSD")
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()


def test_a_named_project_that_does_not_send_statements_is_refused_and_nothing_drawn(
    itsd, mailoutbox
):
    itsd.settings.monthly_statements = False
    itsd.settings.save()
    other = JiraProject.objects.create(jira_id="10001", key="OPS", name="Ops", service_desk_id="2")
    ReportSettings.objects.create(project=other, enabled=True, monthly_statements=True)
    with pytest.raises(CommandError, match=r"^ITSD sends no monthly statements: switch on"):
        run("--project", "ITSD")
    with pytest.raises(CommandError, match=r"^ITSD sends no monthly statements"):
        run("--project", "OPS", "--project", "ITSD")
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()
    assert mailoutbox == []


def test_an_unknown_key_is_named_before_a_project_that_does_not_send(itsd):
    itsd.settings.monthly_statements = False
    itsd.settings.save()
    with pytest.raises(CommandError, match=r"^No JSM project with the key NOPE\.$"):
        run("--project", "ITSD", "--project", "NOPE")
    assert not Statement.objects.exists()


def test_a_failing_statement_is_named_on_stderr_and_the_others_are_drawn(itsd, monkeypatch):
    def render(content):
        if content["organization"] == "Acme":
            raise RuntimeError("boom")
        return b"%PDF-stand-in"

    monkeypatch.setattr("statements.drawing.render_pdf", render)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"Not every statement could be drawn up \(1 project\)"):
        call_command("monthly_statements", "--no-email", stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        f"ITSD: Acme: {sentences.statement_failed(RuntimeError('boom'))}"
    ]
    assert out.getvalue().splitlines() == [
        f"ITSD: Globex, {MONTH:%B %Y}: 1 request, 3.00 h",
        f"ITSD: 1 statement(s) of {MONTH:%B %Y} drawn up.",
    ]
    assert list(Statement.objects.values_list("organization_name", flat=True)) == ["Globex"]
    assert not StatementRun.objects.exists()  # the worker tries Acme again
    monkeypatch.setattr("statements.drawing.render_pdf", lambda content: b"%PDF-later")
    assert [s.organization_name for s in draw()] == ["Acme"]
    assert StatementRun.objects.get().statements == 2  # the month's statements, both runs


def test_a_project_that_does_not_share_with_organizations_is_refused(itsd):
    itsd.settings.visibility = ReportSettings.Visibility.PARTICIPANTS
    itsd.settings.save()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"Not every statement could be drawn up \(1 project\)"):
        call_command("monthly_statements", "--no-email", stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [f"ITSD: {sentences.needs_organization_scope('ITSD')}"]
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()
