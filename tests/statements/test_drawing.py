"""Drawing up last month's statements (issue 18 §3): which organizations get one, their
numbers (those of build_report on the requests shared with the organization; for an
organization with a contract, the hours of requests its customers raised without sharing
them as one figure), the contract position (all the organization's requests), and "once": a
later sync, a second call, a project whose hours are not available yet or not read since
the month ended, a project that does not share requests with organizations, and one
organization's failing statement."""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from jsm.models import Customer, JiraProject, Organization, Request
from portal.contracts import contract_usages
from portal.models import Contract, ReportSettings
from portal.periods import Period, add_months, month_end
from portal.reports import build_report
from portal.visibility import organization_requests, requests_visible_to
from statements import drawing, sentences
from statements.documents import PdfUnavailable, statement_context
from statements.drawing import (
    NotDrawn,
    draw_due_statements,
    draw_statements,
    month_period,
    previous_month,
    shared_requests,
)
from statements.models import Statement, StatementDelivery, StatementOptOut, StatementRun
from sync.models import SyncRun
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog

from .conftest import FIRST_OF_NEXT, MONTH, H, draw, org, pdf_text, statement_of

PREVIOUS = add_months(MONTH, -1)
NEXT = FIRST_OF_NEXT
LAST_DAY = month_end(MONTH)


def names(statements) -> list[str]:
    return sorted(s.organization_name for s in statements)


def expected_report(itsd, name: str):
    """The report of the month on the requests shared with the organization."""
    settings = ReportSettings.objects.get(project=itsd.project)
    return build_report(
        settings, shared_requests(itsd.project, org(name)), Period(MONTH, LAST_DAY, "custom")
    )


# -- Which month, which organizations ----------------------------------------------------------


def test_previous_month_is_the_first_day_of_the_month_before():
    assert previous_month(FIRST_OF_NEXT) == MONTH
    assert previous_month(LAST_DAY + dt.timedelta(days=15)) == MONTH
    assert previous_month(dt.date(2027, 1, 1)) == dt.date(2026, 12, 1)


def test_month_period_covers_the_whole_calendar_month():
    assert month_period(MONTH + dt.timedelta(days=9)) == Period(MONTH, LAST_DAY, "custom")


def test_acme_and_globex_get_a_statement_of_last_month(itsd):
    made = draw()
    assert names(made) == ["Acme", "Globex"]
    assert {s.month for s in made} == {MONTH}
    assert names(Statement.objects.all()) == ["Acme", "Globex"]


def test_the_totals_are_the_organizations_hours_of_the_month(itsd):
    draw()
    acme, globex = statement_of("Acme"), statement_of("Globex")
    # Acme: ITSD-1 1.75 h + ITSD-4 1 h listed; bob's ITSD-2 (2 h, not shared) is not, and
    # without a contract to reconcile it makes no unshared line either.
    assert (acme.total_seconds, acme.request_count) == (2.75 * H, 2)
    assert (acme.content["unshared_seconds"], acme.content["unshared_requests"]) == (0, 0)
    assert (globex.total_seconds, globex.request_count) == (3 * H, 1)
    assert (globex.content["unshared_seconds"], globex.content["unshared_requests"]) == (0, 0)


def test_with_a_contract_the_totals_stay_and_the_unshared_hours_are_one_figure(itsd, contract):
    contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    contract("Globex", Decimal(10), MONTH, LAST_DAY, type="monthly")
    draw()
    acme, globex = statement_of("Acme"), statement_of("Globex")
    # Acme: ITSD-1 1.75 h + ITSD-4 1 h listed; bob's ITSD-2 (2 h, not shared) apart.
    assert (acme.total_seconds, acme.request_count) == (2.75 * H, 2)
    assert (acme.content["unshared_seconds"], acme.content["unshared_requests"]) == (2 * H, 1)
    assert (globex.total_seconds, globex.request_count) == (3 * H, 1)
    assert (globex.content["unshared_seconds"], globex.content["unshared_requests"]) == (0, 0)


@pytest.mark.parametrize("name", ["Acme", "Globex"])
def test_the_statement_is_build_report_of_the_month_and_the_organizations_requests(itsd, name):
    draw()
    report = expected_report(itsd, name)
    content = statement_of(name).content
    assert content["requests"] == [
        {"key": r.key, "summary": r.summary, "status": r.status, "seconds": r.seconds}
        for r in report.rows
    ]
    assert content["total_seconds"] == report.total_seconds == statement_of(name).total_seconds
    assert (content["start"], content["end"]) == (MONTH.isoformat(), LAST_DAY.isoformat())
    assert content["organization"] == name
    assert content["project"] == {"key": "ITSD", "name": "IT Service Desk"}


def test_the_statement_is_the_organization_scope_of_a_customer_of_only_that_organization(itsd):
    """On a project showing customers the requests shared with their organizations, alice
    (in Acme only) sees in the report's Organization requests what Acme's statement lists."""
    itsd.settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    itsd.settings.save()
    draw()
    settings = ReportSettings.objects.get(project=itsd.project)
    alices = build_report(
        settings,
        requests_visible_to(itsd.users["alice"], itsd.project, settings, "organization"),
        Period(MONTH, LAST_DAY, "custom"),
    )
    acme = statement_of("Acme")
    assert [r["key"] for r in acme.content["requests"]] == [r.key for r in alices.rows]
    assert sorted(r.key for r in alices.rows) == ["ITSD-1", "ITSD-4"]
    assert acme.total_seconds == alices.total_seconds == 2.75 * H


@pytest.mark.parametrize("with_contract", [False, True])
def test_a_request_a_member_raised_without_sharing_it_is_not_listed(itsd, contract, with_contract):
    if with_contract:
        contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    draw()
    acme = statement_of("Acme")
    keys = [row["key"] for row in acme.content["requests"]]
    assert sorted(keys) == ["ITSD-1", "ITSD-4"]
    for text in (json.dumps(acme.content), acme.csv):
        assert "ITSD-2" not in text
        assert "VPN access for Bob" not in text
    # Counted apart (2 h on 1 request) only to reconcile a contract's used hours.
    expected = (2 * H, 1) if with_contract else (0, 0)
    assert (acme.content["unshared_seconds"], acme.content["unshared_requests"]) == expected
    assert [row["key"] for row in statement_of("Globex").content["requests"]] == ["ITSD-3"]


def test_the_unshared_figure_counts_each_unshared_request_of_the_members(itsd, log, contract):
    contract("Acme", Decimal(10), MONTH, LAST_DAY, type="fixed")
    alice = Customer.objects.get(display_name="Alice")
    two = itsd.requests["ITSD-2"]
    itsd.requests["ITSD-5"] = Request.objects.create(
        jira_id="20005",
        key="ITSD-5",
        project=itsd.project,
        summary="Secret",
        status=two.status,
        status_category=two.status_category,
        reporter=alice,
        created=two.created,
        updated=two.updated,
    )
    log("ITSD-5", MONTH, 1800)
    draw()
    acme = statement_of("Acme")
    # ITSD-2 (bob's, 2 h) and ITSD-5 (alice's, 0.5 h): 2.5 h on 2 requests.
    assert (acme.content["unshared_seconds"], acme.content["unshared_requests"]) == (2.5 * H, 2)
    assert acme.total_seconds == 2.75 * H
    assert "Secret" not in json.dumps(acme.content) + acme.csv


def test_an_organization_with_only_unshared_hours_and_no_contract_gets_none(itsd):
    Worklog.objects.filter(request__key__in=["ITSD-1", "ITSD-4"]).delete()
    # Acme's customers' only hours are bob's unshared ITSD-2 (2 h): no statement for Acme.
    assert names(draw()) == ["Globex"]
    assert not Statement.objects.filter(organization_name="Acme").exists()
    assert StatementRun.objects.get().statements == 1


def test_an_organization_with_only_unshared_hours_and_a_contract_gets_one_without_rows(
    itsd, contract
):
    contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    Worklog.objects.filter(request__key__in=["ITSD-1", "ITSD-4"]).delete()
    assert names(draw()) == ["Acme", "Globex"]
    acme = statement_of("Acme")
    assert (acme.total_seconds, acme.request_count, acme.content["requests"]) == (0, 0, [])
    assert (acme.content["unshared_seconds"], acme.content["unshared_requests"]) == (2 * H, 1)
    # The PDF's HTML (WeasyPrint prints it; tests/statements/test_pdf_and_csv.py reads PDFs).
    html = render_to_string("statements/pdf/statement.html", statement_context(acme.content))
    text = " ".join(strip_tags(html).split()).replace("&#x27;", "'")
    assert f"No hours were worked on requests shared with Acme in {MONTH:%B %Y}." in text
    assert (
        "Besides, 2.00 h on 1 request that Acme's customers raised without sharing it with "
        "Acme: it counts in Acme's contract but is not listed here."
    ) in text
    assert "ITSD-2" not in text and "VPN access for Bob" not in text
    assert acme.content["contract"]["used_seconds"] == 2 * H


def test_an_organization_without_listed_or_unshared_hours_or_contract_gets_none(itsd):
    Worklog.objects.filter(request__key__in=["ITSD-1", "ITSD-2", "ITSD-4"]).delete()
    assert names(draw()) == ["Globex"]


def test_hours_outside_the_month_are_not_counted(itsd, log):
    log("ITSD-3", PREVIOUS, 5 * H)
    log("ITSD-3", month_end(PREVIOUS), 5 * H)
    log("ITSD-3", NEXT, 5 * H)
    log("ITSD-3", LAST_DAY, 1800)
    draw()
    assert statement_of("Globex").total_seconds == 3.5 * H


def test_an_organization_with_neither_hours_nor_a_contract_gets_none(itsd):
    initech = Organization.objects.create(jira_id="3", name="Initech")
    initech.projects.add(itsd.project)
    assert names(draw()) == ["Acme", "Globex"]


def test_an_organization_with_hours_only_in_another_month_gets_none(itsd, log):
    Worklog.objects.filter(request=itsd.requests["ITSD-3"]).delete()
    log("ITSD-3", PREVIOUS, H)
    log("ITSD-3", NEXT, H)
    assert names(draw()) == ["Acme"]


def test_an_organization_with_a_contract_and_no_hours_gets_a_statement_saying_so(
    itsd, contract, real_pdf
):
    real_pdf.only("Initech")
    initech = Organization.objects.create(jira_id="3", name="Initech")
    initech.projects.add(itsd.project)
    contract("Initech", Decimal(10), PREVIOUS, add_months(MONTH, 2), type="monthly")
    assert names(draw()) == ["Acme", "Globex", "Initech"]
    statement = statement_of("Initech")
    assert (statement.total_seconds, statement.request_count) == (0, 0)
    assert statement.content["requests"] == []
    text = " ".join(pdf_text(statement).split())
    assert f"No hours were worked on requests shared with Initech in {MONTH:%B %Y}." in text
    assert "Besides" not in text
    assert statement.content["contract"]["remaining_seconds"] == 10 * H


def test_an_organization_with_a_contract_in_the_project_gets_one_though_not_linked_to_it(
    itsd, contract
):
    initech = Organization.objects.create(jira_id="3", name="Initech")
    contract("Initech", Decimal(5), MONTH, LAST_DAY, type="fixed")
    assert initech.projects.count() == 0
    assert "Initech" in names(draw())


def test_a_contract_in_another_month_makes_no_statement(itsd, contract):
    initech = Organization.objects.create(jira_id="3", name="Initech")
    initech.projects.add(itsd.project)
    contract("Initech", Decimal(10), NEXT, add_months(NEXT, 3), type="monthly")
    contract("Initech", Decimal(10), add_months(PREVIOUS, -2), month_end(PREVIOUS))
    assert names(draw()) == ["Acme", "Globex"]


def test_a_contract_of_another_project_makes_no_statement(itsd):
    other = JiraProject.objects.create(jira_id="10001", key="OPS", name="Ops", service_desk_id="2")
    ReportSettings.objects.create(project=other, enabled=True)
    initech = Organization.objects.create(jira_id="3", name="Initech")
    initech.projects.add(itsd.project)
    Contract.objects.create(
        project=other, organization=initech, hours=5, start_date=MONTH, end_date=LAST_DAY
    )
    assert names(draw()) == ["Acme", "Globex"]


def test_the_hours_of_a_customer_in_no_organization_make_no_statement(itsd, log, contract):
    contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    dave = Customer.objects.get(display_name="Dave")
    itsd.requests["ITSD-4"].organizations.clear()
    assert dave.organizations.count() == 0
    draw()
    assert Statement.objects.count() == 2
    acme = statement_of("Acme")
    # ITSD-4 (dave's, 1 h) is no longer shared with Acme: in no statement, listed or apart
    # (Acme's unshared line is bob's ITSD-2 alone, and its contract used 1.75 h + 2 h).
    assert [row["key"] for row in acme.content["requests"]] == ["ITSD-1"]
    assert (acme.total_seconds, acme.content["unshared_seconds"]) == (1.75 * H, 2 * H)
    assert acme.content["unshared_requests"] == 1
    assert acme.content["contract"]["used_seconds"] == 3.75 * H


def test_a_project_that_does_not_send_statements_draws_none(itsd):
    itsd.settings.monthly_statements = False
    itsd.settings.save()
    assert draw() == []
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()


def test_a_disabled_project_draws_none(itsd):
    itsd.settings.enabled = False
    itsd.settings.save()
    assert draw() == []
    assert not StatementRun.objects.exists()


def test_a_month_not_over_yet_is_not_drawn(itsd):
    with pytest.raises(NotDrawn, match="is not over yet"):
        draw_statements(itsd.project, NEXT, today=NEXT)
    with pytest.raises(NotDrawn):
        draw_statements(itsd.project, MONTH, today=LAST_DAY)
    assert not Statement.objects.exists()


def test_without_a_date_it_draws_the_month_before_today(itsd):
    assert names(draw_due_statements()) == ["Acme", "Globex"]
    assert StatementRun.objects.get().month == MONTH


# -- Once ----------------------------------------------------------------------------------


def test_a_second_drawing_up_makes_nothing(itsd):
    draw()
    assert draw() == []
    assert Statement.objects.count() == 2
    run = StatementRun.objects.get()
    assert (run.project, run.month, run.statements) == (itsd.project, MONTH, 2)


def test_a_worklog_synced_later_changes_no_statement(itsd, log):
    draw()
    before = {
        s.organization_name: (s.total_seconds, bytes(s.pdf), s.csv, s.content)
        for s in Statement.objects.all()
    }
    log("ITSD-3", MONTH, 5 * H)
    initech = Organization.objects.create(jira_id="3", name="Initech")
    initech.projects.add(itsd.project)
    assert draw() == []
    after = {
        s.organization_name: (s.total_seconds, bytes(s.pdf), s.csv, s.content)
        for s in Statement.objects.all()
    }
    assert after == before
    assert expected_report(itsd, "Globex").total_seconds == 8 * H  # the report moved on


def test_drawing_a_project_again_keeps_the_statements_as_issued_and_counts_them(itsd, log):
    draw()
    log("ITSD-1", MONTH, H)
    drawn = draw_statements(itsd.project, MONTH, today=NEXT)
    assert (drawn.made, drawn.existing) == ([], 2)
    assert statement_of("Acme").total_seconds == 2.75 * H


def test_a_missing_statement_is_drawn_again_by_hand_but_not_by_the_worker(itsd):
    draw()
    statement_of("Globex").delete()
    assert draw() == []
    drawn = draw_statements(itsd.project, MONTH, today=NEXT)
    assert names(drawn.made) == ["Globex"] and drawn.existing == 1


def test_the_statement_is_unique_per_project_organization_and_month(itsd):
    draw()
    acme = statement_of("Acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(
            project=itsd.project,
            organization=acme.organization,
            organization_name="Acme",
            month=MONTH,
            total_seconds=0,
            request_count=0,
            content={},
            pdf=b"",
            csv="",
        )


def test_a_run_with_no_statements_is_still_recorded_once(itsd):
    Worklog.objects.all().delete()
    assert draw() == []
    assert StatementRun.objects.get().statements == 0
    assert draw() == []


# -- Hours not available now ---------------------------------------------------------------


def test_without_a_tempo_integration_nothing_is_drawn_and_a_later_call_draws(itsd):
    TempoIntegration.objects.all().delete()
    assert draw() == []
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()
    TempoIntegration.store("Portal-Test-Token-0043", itsd.users["alice"])
    assert names(draw()) == ["Acme", "Globex"]
    assert StatementRun.objects.get().statements == 2


def test_with_an_invalid_tempo_integration_nothing_is_drawn(itsd):
    TempoIntegration.current().mark_invalid("Tempo refused the token.")
    assert draw() == []
    assert not StatementRun.objects.exists()
    with pytest.raises(NotDrawn, match="not available"):
        draw_statements(itsd.project, MONTH, today=NEXT)


def test_before_the_first_tempo_read_of_the_project_nothing_is_drawn(itsd):
    ProjectSyncState.objects.filter(project=itsd.project).update(last_full_sync_at=None)
    assert draw() == []
    assert not StatementRun.objects.exists()


def test_one_project_without_hours_does_not_stop_another(itsd):
    other = JiraProject.objects.create(jira_id="10001", key="OPS", name="Ops", service_desk_id="2")
    ReportSettings.objects.create(project=other, enabled=True, monthly_statements=True)
    org("Globex").projects.add(other)
    # OPS was never read by Tempo: its hours are unknown, ITSD's are not.
    assert names(draw()) == ["Acme", "Globex"]
    assert list(StatementRun.objects.values_list("project__key", flat=True)) == ["ITSD"]


def test_jira_logged_time_needs_no_tempo_integration(itsd):
    TempoIntegration.objects.all().delete()
    itsd.settings.hours_source = "jira_logged"
    itsd.settings.save()
    SyncRun.objects.create(kind="jira", status="succeeded", finished_at=timezone.now())
    assert names(draw()) == ["Acme"]
    assert statement_of("Acme").total_seconds == 10000
    assert statement_of("Acme").content["hours_source"] == "Logged time (Jira)"


# -- Approved timesheets only --------------------------------------------------------------


@pytest.fixture
def approved_only(itsd):
    itsd.settings.hours_source = "tempo_approved"
    itsd.settings.save()
    ProjectSyncState.objects.filter(project=itsd.project).update(
        approvals_synced_at=dt.datetime.combine(NEXT, dt.time(6), dt.UTC)
    )
    # Approved: ITSD-1's 1.5 h and ITSD-3's 3 h; pending: the rest.
    Worklog.objects.filter(tempo_id__in=[1, 4]).update(approved=True)
    return itsd


def test_on_approved_timesheets_only_pending_hours_are_in_no_statement(approved_only):
    draw()
    assert statement_of("Acme").total_seconds == 1.5 * H
    assert statement_of("Acme").content["requests"] == [
        {
            "key": "ITSD-1",
            "summary": "Laptop will not boot",
            "status": "In Progress",
            "seconds": 5400,
        }
    ]
    assert statement_of("Globex").total_seconds == 3 * H
    report = expected_report(approved_only, "Acme")
    # Pending among the shared: ITSD-1's 0.25 h and ITSD-4's 1 h (ITSD-2's 2 h is unshared).
    assert report.total_seconds == 1.5 * H and report.pending_seconds == 1.25 * H
    assert statement_of("Acme").content["unshared_seconds"] == 0


def test_on_approved_timesheets_only_an_organization_with_only_pending_hours_gets_none(
    approved_only,
):
    Worklog.objects.filter(tempo_id=4).update(approved=False)
    assert names(draw()) == ["Acme"]


def test_on_approved_timesheets_only_a_pending_hour_is_not_used_contract_time(
    approved_only, contract
):
    contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    draw()
    position = statement_of("Acme").content["contract"]
    assert (position["used_seconds"], position["remaining_seconds"]) == (1.5 * H, 8.5 * H)


def test_on_approved_timesheets_only_unread_approvals_draw_nothing(approved_only):
    ProjectSyncState.objects.filter(project=approved_only.project).update(approvals_synced_at=None)
    assert draw() == []
    assert not StatementRun.objects.exists()


def test_on_approved_timesheets_only_refused_approvals_draw_nothing(approved_only):
    ProjectSyncState.objects.filter(project=approved_only.project).update(
        approvals_problem="Tempo answered 403"
    )
    assert draw() == []
    assert not StatementRun.objects.exists()


# -- The contract position -----------------------------------------------------------------


def test_without_a_contract_the_position_is_empty(itsd):
    draw()
    assert statement_of("Acme").content["contract"] is None


def test_a_project_wide_contract_is_no_organizations_position(itsd, contract):
    contract(None, Decimal(100), MONTH, LAST_DAY, type="monthly")
    draw()
    assert statement_of("Acme").content["contract"] is None
    assert statement_of("Globex").content["contract"] is None


def test_a_monthly_contract_shows_allowance_used_and_remaining(itsd, contract):
    c = contract("Acme", Decimal(10), PREVIOUS, add_months(MONTH, 2), type="monthly")
    draw()
    position = statement_of("Acme").content["contract"]
    assert position["type"] == "monthly"
    assert position["allowance_seconds"] == 10 * H
    assert position["carried_seconds"] == 0
    assert position["used_seconds"] == 4.75 * H
    assert position["remaining_seconds"] == 5.25 * H
    assert (position["start"], position["end"]) == (MONTH.isoformat(), LAST_DAY.isoformat())
    usage = contract_usages([c], itsd.settings, LAST_DAY)[c.pk]
    assert (usage.used_seconds, usage.remaining_seconds) == (
        position["used_seconds"],
        position["remaining_seconds"],
    )


def test_a_monthly_contract_without_carry_over_does_not_bring_last_months_hours(
    itsd, contract, log
):
    contract("Acme", Decimal(10), PREVIOUS, add_months(MONTH, 2), type="monthly")
    log("ITSD-1", PREVIOUS, 2 * H)
    draw()
    position = statement_of("Acme").content["contract"]
    assert (position["carried_seconds"], position["remaining_seconds"]) == (0, 5.25 * H)
    assert position["carry_over"] is False


def test_a_monthly_contract_with_carry_over_brings_last_months_unused_hours(itsd, contract, log):
    c = contract(
        "Acme", Decimal(10), PREVIOUS, add_months(MONTH, 2), type="monthly", carry_over=True
    )
    log("ITSD-1", PREVIOUS, 2 * H)
    draw()
    position = statement_of("Acme").content["contract"]
    assert position["carry_over"] is True
    assert position["allowance_seconds"] == 10 * H
    assert position["carried_seconds"] == 8 * H
    assert position["used_seconds"] == 4.75 * H
    assert position["remaining_seconds"] == 13.25 * H
    usage = contract_usages([c], itsd.settings, LAST_DAY)[c.pk]
    assert usage.carried_seconds == position["carried_seconds"]
    assert usage.remaining_seconds == position["remaining_seconds"]


def test_a_monthly_contract_used_beyond_its_hours_is_an_overrun(itsd, contract, real_pdf):
    real_pdf.only("Acme")
    contract("Acme", Decimal(4), MONTH, add_months(MONTH, 2), type="monthly")
    draw()
    position = statement_of("Acme").content["contract"]
    assert position["remaining_seconds"] == -0.75 * H
    text = pdf_text(statement_of("Acme"))
    assert f"Overrun at the end of {MONTH:%B}\n0.75 h" in text
    assert "Overrun 0.75 h" in text


def test_a_monthly_contract_starting_mid_month_counts_from_its_start(itsd, contract, log):
    start = MONTH + dt.timedelta(days=14)
    contract("Globex", Decimal(10), start, add_months(MONTH, 2), type="monthly")
    log("ITSD-3", start, H)
    draw()
    position = statement_of("Globex").content["contract"]
    assert position["start"] == start.isoformat()
    assert position["used_seconds"] == H  # the 3 h of the 1st are before it
    assert statement_of("Globex").total_seconds == 4 * H  # the month's hours, all of them


def test_of_two_contracts_in_the_month_the_one_running_at_its_end_is_shown(itsd, contract):
    middle = MONTH + dt.timedelta(days=14)
    contract("Acme", Decimal(5), PREVIOUS, middle, type="monthly", description="Old")
    contract("Acme", Decimal(8), middle + dt.timedelta(days=1), NEXT, description="New")
    draw()
    position = statement_of("Acme").content["contract"]
    assert position["description"] == "New"
    assert position["allowance_seconds"] == 8 * H


def test_a_fixed_contract_shows_its_hours_used_before_and_in_the_month(itsd, contract, log):
    c = contract("Acme", Decimal(20), add_months(MONTH, -2), add_months(MONTH, 3), type="fixed")
    log("ITSD-4", PREVIOUS, 3 * H)
    log("ITSD-2", add_months(MONTH, -2), H)
    log("ITSD-1", NEXT, 4 * H)  # after the month: not in this statement's position
    draw()
    position = statement_of("Acme").content["contract"]
    assert position["type"] == "fixed"
    assert position["allowance_seconds"] == 20 * H
    assert position["used_before_seconds"] == 4 * H
    assert position["used_seconds"] == 4.75 * H
    assert position["remaining_seconds"] == (20 - 4 - 4.75) * H
    assert contract_usages([c], itsd.settings, NEXT)[c.pk].used_seconds == 12.75 * H


def test_a_fixed_contract_overrun_before_the_month_stays_an_overrun(itsd, contract, log):
    contract("Globex", Decimal(2), PREVIOUS, NEXT, type="fixed")
    log("ITSD-3", PREVIOUS, 3 * H)
    draw()
    position = statement_of("Globex").content["contract"]
    assert position["used_before_seconds"] == 3 * H
    assert position["remaining_seconds"] == -4 * H


def test_the_contract_counts_the_listed_and_the_unshared_hours(itsd, contract):
    contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    draw()
    acme = statement_of("Acme")
    used = acme.content["contract"]["used_seconds"]
    assert used == acme.total_seconds + acme.content["unshared_seconds"] == 4.75 * H
    everything = build_report(
        ReportSettings.objects.get(project=itsd.project),
        organization_requests(itsd.project.pk, org("Acme").pk),
        Period(MONTH, LAST_DAY, "custom"),
    )
    assert used == everything.total_seconds


# -- E-mail rows made with the statement ---------------------------------------------------


def test_each_statement_gets_a_row_per_member_address(itsd):
    draw()
    rows = StatementDelivery.objects.order_by("email")
    assert [(r.statement.organization_name, r.email, r.status) for r in rows] == [
        ("Acme", "alice@acme.example", "pending"),
        ("Acme", "bob@acme.example", "pending"),
        ("Globex", "carol@globex.example", "pending"),
    ]


def test_one_row_per_address_whatever_its_case(itsd):
    Customer.objects.filter(display_name="Bob").update(email="Alice@ACME.example")
    draw()
    assert list(
        StatementDelivery.objects.filter(statement__organization_name="Acme").values_list(
            "email", flat=True
        )
    ) == ["alice@acme.example"]


def test_no_row_for_a_member_without_address_inactive_or_opted_out(itsd):
    acme = org("Acme")
    acme.members.add(Customer.objects.create(account_id="acc-erin", display_name="Erin"))
    Customer.objects.filter(display_name="Bob").update(active=False)
    StatementOptOut.objects.create(
        customer=Customer.objects.get(display_name="Carol"), project=itsd.project
    )
    draw()
    assert list(StatementDelivery.objects.values_list("email", flat=True)) == ["alice@acme.example"]


def test_an_opt_out_of_another_project_does_not_count(itsd):
    other = JiraProject.objects.create(jira_id="10001", key="OPS", name="Ops", service_desk_id="2")
    StatementOptOut.objects.create(
        customer=Customer.objects.get(display_name="Carol"), project=other
    )
    draw()
    assert StatementDelivery.objects.filter(email="carol@globex.example").exists()


def test_a_deleted_organizations_statement_keeps_its_name(itsd):
    draw()
    org("Globex").delete()
    statement = Statement.objects.get(organization_name="Globex")
    assert statement.organization is None
    assert str(statement) == f"Statement of Globex, ITSD, {MONTH:%B %Y}"


def test_two_workers_drawing_at_once_make_each_statement_once(itsd, monkeypatch):
    second = []

    def render(content):
        if not second:  # the second worker draws while the first renders its first PDF
            second.append(None)
            second[0] = draw_due_statements(NEXT)
        return f"%PDF-stand-in {content['organization']}".encode()

    monkeypatch.setattr("statements.drawing.render_pdf", render)
    first = draw_due_statements(NEXT)
    assert names(second[0]) == ["Acme", "Globex"]
    assert first == []
    assert Statement.objects.count() == 2
    assert StatementDelivery.objects.count() == 3
    assert StatementRun.objects.get().statements == 2


# -- Only on projects that share requests with organizations --------------------------------


def test_a_project_that_does_not_share_with_organizations_draws_none(itsd):
    itsd.settings.visibility = ReportSettings.Visibility.PARTICIPANTS
    itsd.settings.save()
    with pytest.raises(NotDrawn) as raised:
        draw_statements(itsd.project, MONTH, today=NEXT)
    assert str(raised.value) == sentences.needs_organization_scope("ITSD")
    assert "ITSD does not share requests with organizations" in str(raised.value)
    assert draw() == []
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()
    # Once it shares them, the next sync draws them up.
    itsd.settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    itsd.settings.save()
    assert names(draw()) == ["Acme", "Globex"]


# -- Only from hours read after the month ended ----------------------------------------------

MONTH_OVER = timezone.make_aware(dt.datetime.combine(NEXT, dt.time()))


def only_sync(kind: str, status: str, finished_at) -> None:
    SyncRun.objects.all().delete()
    SyncRun.objects.create(kind=kind, status=status, finished_at=finished_at)


def test_hours_read_before_the_month_ended_draw_nothing(itsd):
    only_sync("tempo", "succeeded", MONTH_OVER - dt.timedelta(seconds=1))
    with pytest.raises(NotDrawn) as raised:
        draw_statements(itsd.project, MONTH, today=NEXT)
    assert str(raised.value) == (
        f"The hours of ITSD were not read since {MONTH:%B %Y} ended: the statements are "
        "drawn up after the next sync that reads them."
    )
    assert draw() == []
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()


def test_hours_never_read_draw_nothing(itsd):
    SyncRun.objects.all().delete()
    with pytest.raises(NotDrawn, match=f"were not read since {MONTH:%B %Y} ended"):
        draw_statements(itsd.project, MONTH, today=NEXT)
    assert draw() == []
    assert not StatementRun.objects.exists()


def test_a_read_at_the_first_midnight_of_the_next_month_counts(itsd):
    only_sync("tempo", "succeeded", MONTH_OVER)
    assert names(draw()) == ["Acme", "Globex"]
    assert StatementRun.objects.get().statements == 2


def test_a_partly_succeeded_read_counts(itsd):
    only_sync("tempo", "partly", MONTH_OVER + dt.timedelta(hours=1))
    assert names(draw()) == ["Acme", "Globex"]


@pytest.mark.parametrize(
    ("kind", "status"), [("tempo", "failed"), ("tempo", "running"), ("jira", "succeeded")]
)
def test_a_failed_running_or_other_kind_of_read_does_not_count(itsd, kind, status):
    only_sync(kind, status, timezone.now())
    SyncRun.objects.create(
        kind="tempo", status="succeeded", finished_at=MONTH_OVER - dt.timedelta(hours=1)
    )
    with pytest.raises(NotDrawn, match=f"were not read since {MONTH:%B %Y} ended"):
        draw_statements(itsd.project, MONTH, today=NEXT)
    assert draw() == []
    assert not StatementRun.objects.exists()


def test_a_later_read_draws_what_an_early_one_did_not(itsd):
    only_sync("tempo", "succeeded", MONTH_OVER - dt.timedelta(minutes=5))
    assert draw() == []
    SyncRun.objects.create(kind="tempo", status="succeeded", finished_at=timezone.now())
    assert names(draw()) == ["Acme", "Globex"]


def test_jira_logged_time_needs_a_jira_read_after_the_month_ended(itsd):
    itsd.settings.hours_source = "jira_logged"
    itsd.settings.save()
    # The fixture's Tempo read does not read Jira's logged time.
    with pytest.raises(NotDrawn, match=f"were not read since {MONTH:%B %Y} ended"):
        draw_statements(itsd.project, MONTH, today=NEXT)
    SyncRun.objects.create(
        kind="jira", status="succeeded", finished_at=MONTH_OVER - dt.timedelta(seconds=1)
    )
    assert draw() == []
    assert not StatementRun.objects.exists()
    SyncRun.objects.create(kind="jira", status="succeeded", finished_at=timezone.now())
    assert names(draw()) == ["Acme"]


# -- One organization's failing statement ---------------------------------------------------


def fail_for(monkeypatch, name: str, error: Exception) -> None:
    def render(content):
        if content["organization"] == name:
            raise error
        return f"%PDF-stand-in {content['organization']}".encode()

    monkeypatch.setattr("statements.drawing.render_pdf", render)


def test_one_failing_statement_does_not_stop_the_others(itsd, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="worklog_report.statements")
    fail_for(monkeypatch, "Acme", RuntimeError("boom"))
    drawn = draw_statements(itsd.project, MONTH, today=NEXT)
    assert names(drawn.made) == ["Globex"]
    assert drawn.failed == {"Acme": sentences.statement_failed(RuntimeError("boom"))}
    assert drawn.failed["Acme"].startswith("Its statement could not be made (RuntimeError)")
    assert names(Statement.objects.all()) == ["Globex"]
    assert list(StatementDelivery.objects.values_list("email", flat=True)) == [
        "carol@globex.example"
    ]
    [failed] = [r for r in caplog.records if r.getMessage() == "statement failed"]
    assert (failed.levelno, failed.project, failed.organization) == (logging.ERROR, "ITSD", "Acme")
    assert failed.exc_info[0] is RuntimeError


def test_after_a_failing_statement_the_next_sync_draws_only_the_missing_one(itsd, monkeypatch):
    fail_for(monkeypatch, "Acme", RuntimeError("boom"))
    assert names(draw()) == ["Globex"]
    assert not StatementRun.objects.exists()  # not done: tried again
    globex = statement_of("Globex")
    monkeypatch.setattr("statements.drawing.render_pdf", lambda content: b"%PDF-later")
    assert names(draw()) == ["Acme"]
    assert statement_of("Globex") == globex and bytes(statement_of("Globex").pdf) != b"%PDF-later"
    assert StatementDelivery.objects.count() == 3
    assert StatementRun.objects.get().statements == 2  # the month's, from both drawings
    assert draw() == []


def test_a_pdf_unavailable_still_stops_the_drawing_up_at_once(itsd, monkeypatch):
    fail_for(monkeypatch, "Acme", PdfUnavailable("no pango"))
    with pytest.raises(PdfUnavailable):
        draw_statements(itsd.project, MONTH, today=NEXT)
    assert not Statement.objects.exists()  # Acme is first: Globex was not tried


def test_an_integrity_error_that_is_no_duplicate_is_that_organizations_failure(itsd, monkeypatch):
    addresses = drawing.recipient_addresses

    def recipients(statement):
        if statement.organization_name == "Acme":
            raise IntegrityError("some other constraint")
        return addresses(statement)

    monkeypatch.setattr("statements.drawing.recipient_addresses", recipients)
    drawn = draw_statements(itsd.project, MONTH, today=NEXT)
    assert names(drawn.made) == ["Globex"]
    assert drawn.failed == {"Acme": sentences.statement_failed(IntegrityError())}
    assert "(IntegrityError)" in drawn.failed["Acme"]
    assert names(Statement.objects.all()) == ["Globex"]  # Acme's was rolled back


def test_a_statement_another_worker_saved_first_is_skipped(itsd, monkeypatch):
    """The other worker's row wins: this drawing up keeps it and makes no second one."""
    render = drawing.render_pdf
    other = []

    def racing(content):
        if not other:  # the other worker draws both while this one renders Acme's PDF
            monkeypatch.setattr("statements.drawing.render_pdf", render)
            other.append(draw_statements(itsd.project, MONTH, today=NEXT))
        return render(content)

    monkeypatch.setattr("statements.drawing.render_pdf", racing)
    drawn = draw_statements(itsd.project, MONTH, today=NEXT)
    assert names(other[0].made) == ["Acme", "Globex"]
    assert (drawn.made, drawn.failed, drawn.existing) == ([], {}, 0)
    assert Statement.objects.count() == 2
    assert StatementDelivery.objects.count() == 3
