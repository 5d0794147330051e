"""The statement's documents (issue 18 §3): the PDF's text, read back, says the report's
numbers for the month and the requests shared with the organization, in the project's time
format and rounding, and (for an organization with a contract) the hours of requests its
customers raised without sharing them as one line; the CSV is the report's CSV of that
month and scope."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from jsm.models import Organization
from portal.exports import write_report
from portal.models import ReportSettings
from portal.periods import Period, add_months, month_end
from portal.reports import build_report
from portal.templatetags.hours import format_hours
from statements.documents import _no_fetching, statement_context
from statements.drawing import shared_requests, statement_csv

from .conftest import FIRST_OF_NEXT, MONTH, H, draw, org, pdf_text, statement_of

LAST_DAY = month_end(MONTH)


def report_of(project, name: str):
    return build_report(
        ReportSettings.objects.get(project=project),
        shared_requests(project, org(name)),
        Period(MONTH, LAST_DAY, "custom"),
    )


def lines(statement) -> list[str]:
    return [" ".join(line.split()) for line in pdf_text(statement).splitlines()]


def assert_pdf_says_the_report(project, name: str, time_format: str) -> None:
    report = report_of(project, name)
    text = lines(statement_of(name))
    for row in report.rows:
        assert (
            f"{row.key} {row.summary} {row.status} {format_hours(row.seconds, time_format)}" in text
        )
    assert f"Total {format_hours(report.total_seconds, time_format)}" in text
    assert text[text.index(f"Hours in {MONTH:%B}") + 1] == format_hours(
        report.total_seconds, time_format
    )
    assert text[text.index("Requests with hours") + 1] == str(len(report.rows))


@pytest.mark.parametrize("name", ["Acme", "Globex"])
def test_the_pdf_says_the_reports_hours_per_request_and_total_in_decimal(itsd, real_pdf, name):
    real_pdf.only(name)
    draw()
    assert_pdf_says_the_report(itsd.project, name, "decimal")


UNSHARED_ACME = (
    "Besides, {} on 1 request that Acme's customers raised without sharing it with Acme: "
    "it counts in Acme's contract but is not listed here."
)


@pytest.mark.parametrize("with_contract", [False, True])
def test_the_pdf_in_decimal_says_exactly_these_hours(itsd, real_pdf, contract, with_contract):
    real_pdf.only("Acme")
    if with_contract:
        contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    draw()
    assert bytes(statement_of("Acme").pdf).startswith(b"%PDF-")
    text = lines(statement_of("Acme"))
    assert "ITSD-4 Acme office move In Progress 1.00 h" in text
    assert "ITSD-1 Laptop will not boot In Progress 1.75 h" in text
    assert "Total 2.75 h" in text
    assert text[text.index("Requests with hours") + 1] == "2"
    whole = " ".join(text)
    if with_contract:  # bob's unshared ITSD-2 (2 h) reconciles the contract's used 4.75 h
        assert UNSHARED_ACME.format("2.00 h") in whole
    else:  # no contract to reconcile: no line
        assert "Besides" not in whole
        assert "without sharing" not in whole
    assert "ITSD-2" not in whole and "VPN access for Bob" not in whole
    assert "It lists the requests shared with Acme." in whole


def test_the_pdf_in_hours_and_minutes(itsd, real_pdf, contract):
    real_pdf.only("Acme")
    contract("Acme", Decimal(10), MONTH, LAST_DAY, type="monthly")
    itsd.settings.time_format = "hours_minutes"
    itsd.settings.save()
    draw()
    assert_pdf_says_the_report(itsd.project, "Acme", "hours_minutes")
    text = lines(statement_of("Acme"))
    assert "ITSD-1 Laptop will not boot In Progress 1h 45m" in text
    assert "Total 2h 45m" in text
    assert UNSHARED_ACME.format("2h") in " ".join(text)


def test_the_pdf_with_each_worklog_rounded_up_to_15_minutes(itsd, real_pdf, log):
    real_pdf.only("Globex")
    itsd.settings.rounding_minutes = 15
    itsd.settings.save()
    log("ITSD-3", MONTH, 100)  # 1 m 40 s: a quarter of an hour
    log("ITSD-3", LAST_DAY, 16 * 60)  # 16 min: half an hour
    draw()
    report = report_of(itsd.project, "Globex")
    assert report.total_seconds == 3.75 * H
    assert_pdf_says_the_report(itsd.project, "Globex", "decimal")
    assert "Total 3.75 h" in lines(statement_of("Globex"))
    assert statement_of("Globex").total_seconds == 3.75 * H
    assert "each worklog rounded up to 15 minutes" in " ".join(lines(statement_of("Globex")))


def test_the_pdf_with_rounding_in_hours_and_minutes(itsd, real_pdf, log):
    real_pdf.only("Globex")
    itsd.settings.rounding_minutes = 15
    itsd.settings.time_format = "hours_minutes"
    itsd.settings.save()
    log("ITSD-3", MONTH, 60)
    draw()
    assert_pdf_says_the_report(itsd.project, "Globex", "hours_minutes")
    assert "Total 3h 15m" in lines(statement_of("Globex"))


def test_the_pdf_names_the_organization_month_project_and_source(itsd, real_pdf):
    real_pdf.only("Globex")
    draw()
    text = lines(statement_of("Globex"))
    assert f"Globex — {MONTH:%B %Y}" in text
    assert (
        f"IT Service Desk (ITSD) · 1 {MONTH:%b} – {LAST_DAY.day} {MONTH:%b %Y} · "
        "Billable hours (Tempo)"
    ) in text
    assert f"Globex had no contract of hours in {MONTH:%B %Y}." in text
    assert "Besides" not in " ".join(text)  # Globex's customers shared all they raised


def test_the_pdf_shows_the_monthly_contract_position(itsd, real_pdf, contract, log):
    real_pdf.only("Acme")
    contract(
        "Acme",
        Decimal(10),
        add_months(MONTH, -1),
        add_months(MONTH, 3),
        type="monthly",
        carry_over=True,
        description="Support plan",
    )
    log("ITSD-1", add_months(MONTH, -1), 2 * H)
    draw()
    text = lines(statement_of("Acme"))
    assert f"Hours for {MONTH:%B} 10.00 h" in text
    assert "Carried over from earlier months 8.00 h" in text
    assert "Total 2.75 h" in text
    assert UNSHARED_ACME.format("2.00 h") in " ".join(text)
    assert f"Used in {MONTH:%B} 4.75 h" in text  # the contract counts both: 2.75 h + 2 h
    assert "Remaining 13.25 h" in text
    assert f"Remaining at the end of {MONTH:%B} 13.25 h" in " ".join(text)


def test_the_pdf_shows_the_fixed_contract_position(itsd, real_pdf, contract, log):
    real_pdf.only("Globex")
    contract("Globex", Decimal(20), add_months(MONTH, -1), add_months(MONTH, 2), type="fixed")
    log("ITSD-3", add_months(MONTH, -1), 5 * H)
    itsd.settings.time_format = "hours_minutes"
    itsd.settings.save()
    draw()
    text = " ".join(lines(statement_of("Globex")))
    assert "20h" in text
    assert f"Used before {MONTH:%B} 5h" in text
    assert f"Used in {MONTH:%B} 3h" in text
    assert "Remaining 12h" in text


def test_a_summary_with_markup_is_printed_as_text(itsd, real_pdf):
    real_pdf.only("Globex")
    itsd.requests["ITSD-3"].summary = "<b>Printer</b> & <img src='http://example.com/x.png'>"
    itsd.requests["ITSD-3"].save()
    draw()
    assert "<b>Printer</b> &" in " ".join(lines(statement_of("Globex")))


def test_the_unshared_line_of_several_requests_speaks_in_the_plural(itsd):
    """The PDF's HTML (what WeasyPrint prints) with 2 unshared requests."""
    draw()
    content = statement_of("Acme").content | {"unshared_seconds": 3 * H, "unshared_requests": 2}
    html = render_to_string("statements/pdf/statement.html", statement_context(content))
    text = " ".join(strip_tags(html).split()).replace("&#x27;", "'")
    assert (
        "Besides, 3.00 h on 2 requests that Acme's customers raised without sharing them with "
        "Acme: they count in Acme's contract but are not listed here."
    ) in text


def test_the_pdf_loads_nothing_from_outside():
    with pytest.raises(ValueError, match="loads nothing from outside"):
        _no_fetching("http://example.com/tracker.png")


# -- The CSV -------------------------------------------------------------------------------


def report_csv_lines(project, name: str) -> list[str]:
    buffer = io.StringIO()
    write_report(csv.writer(buffer), report_of(project, name), name)
    return buffer.getvalue().splitlines()


@pytest.mark.parametrize("name", ["Acme", "Globex"])
def test_the_csv_is_the_reports_csv_of_the_month_and_organization(itsd, name):
    draw()
    assert statement_of(name).csv.splitlines() == report_csv_lines(itsd.project, name)


def test_the_csv_says_these_lines(itsd):
    draw()
    assert statement_of("Acme").csv.splitlines() == [
        "Request,Summary,Status,Hours",
        "ITSD-4,Acme office move,In Progress,1.00",
        "ITSD-1,Laptop will not boot,In Progress,1.75",
        f'Total,"Acme, {MONTH:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d}",,2.75',
    ]


def test_the_csv_keeps_decimal_hours_and_rounding_whatever_the_time_format(itsd, log):
    itsd.settings.time_format = "hours_minutes"
    itsd.settings.rounding_minutes = 15
    itsd.settings.save()
    log("ITSD-3", MONTH, 100)
    draw()
    assert statement_of("Globex").csv.splitlines()[1:] == [
        "ITSD-3,Globex printer,In Progress,3.25",
        f'Total,"Globex, {MONTH:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d}",,3.25',
    ]


def test_the_csv_defuses_formulas(itsd):
    itsd.requests["ITSD-3"].summary = '=HYPERLINK("http://evil.example")'
    itsd.requests["ITSD-3"].save()
    draw()
    row = next(csv.reader(statement_of("Globex").csv.splitlines()[1:2]))
    assert row[1] == '\'=HYPERLINK("http://evil.example")'


def test_the_csv_of_a_month_without_hours_is_its_header_and_total(itsd, contract):
    Organization.objects.create(jira_id="3", name="Initech").projects.add(itsd.project)
    contract("Initech", Decimal(5), MONTH, LAST_DAY, type="fixed")
    draw()
    assert statement_of("Initech").csv.splitlines() == [
        "Request,Summary,Status,Hours",
        f'Total,"Initech, {MONTH:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d}",,0.00',
    ]


def test_statement_csv_has_no_byte_order_mark(itsd):
    assert not statement_csv(report_of(itsd.project, "Acme"), "Acme").startswith("\ufeff")


# -- Kept as drawn ---------------------------------------------------------------------------


def test_the_content_keeps_the_settings_it_was_drawn_with(itsd):
    draw()
    itsd.settings.time_format = "hours_minutes"
    itsd.settings.rounding_minutes = 60
    itsd.settings.save()
    content = statement_of("Acme").content
    assert (content["time_format"], content["rounding_minutes"]) == ("decimal", 0)
    assert content["hours_source"] == "Billable hours (Tempo)"
    assert content["drawn_at"].startswith(FIRST_OF_NEXT.isoformat())


def test_the_context_reads_dates_and_the_overrun_back(itsd, contract):
    contract("Acme", Decimal(4), MONTH, LAST_DAY, type="monthly")
    draw()
    context = statement_context(statement_of("Acme").content)
    assert (context["month"], context["start"], context["end"]) == (MONTH, MONTH, LAST_DAY)
    assert context["contract"]["overrun"] is True
    assert context["contract"]["overrun_seconds"] == 0.75 * H


def test_the_file_name_is_ascii_without_spaces(itsd):
    draw()
    assert statement_of("Acme").file_stem == f"ITSD-Acme-statement-{MONTH:%Y-%m}"
    globex = statement_of("Globex")
    globex.organization_name = "Müller & Söhne GmbH"
    assert globex.file_stem == f"ITSD-M-ller-S-hne-GmbH-statement-{MONTH:%Y-%m}"
    globex.organization_name = "Ünïcödé"
    assert globex.file_stem == f"ITSD-n-c-d-statement-{MONTH:%Y-%m}"
    globex.organization_name = "日本"
    assert globex.file_stem == f"ITSD-organization-statement-{MONTH:%Y-%m}"
