"""The report as CSV: the same rows and total as the page; and the CSV download every
CSV of the app starts from."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

from .reports import Report
from .templatetags.hours import decimal_hours

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Excel on Windows reads a CSV without a byte-order mark in the local ANSI code page, which
# turns "Büro Zürich – Drucker" into "BÃ¼ro ZÃ¼rich â€“ Drucker"; with the mark it reads
# UTF-8. Other spreadsheets and Python's "utf-8-sig" skip it.
UTF8_BOM = "\ufeff"


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_download(filename: str) -> HttpResponse:
    """An empty CSV attachment named `filename` (already safe for the header), UTF-8 with a
    byte-order mark so that Excel reads its accents and dashes; write rows with
    ``csv.writer(response)``."""
    response = HttpResponse(UTF8_BOM, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def report_csv(report: Report, project_key: str, scope_label: str) -> HttpResponse:
    period = report.period
    filename = f"{project_key}-worklog-report-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.csv"
    # Written to a buffer, then to the response at once: HttpResponse.write per row encoded and
    # appended each of a large organization's 1,200 rows apart (60 % of the CSV's time).
    buffer = io.StringIO()
    write_report(csv.writer(buffer), report, scope_label)
    response = csv_download(filename)
    response.write(buffer.getvalue())
    return response


def write_report(writer, report: Report, scope_label: str) -> None:
    """The report's rows and total line, written with a ``csv.writer``: the page's CSV and a
    monthly statement's (hours in decimal, formulas defused)."""
    period = report.period
    writer.writerow(["Request", "Summary", "Status", "Hours"])
    for row in report.rows:
        writer.writerow(
            [row.key, _cell(row.summary), _cell(row.status), decimal_hours(row.seconds)]
        )
    writer.writerow(
        [
            "Total",
            _cell(f"{scope_label}, {period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}"),
            "",
            decimal_hours(report.total_seconds),
        ]
    )
