"""The report as CSV: the same rows and total as the page."""

from __future__ import annotations

import csv

from django.http import HttpResponse

from .reports import Report
from .templatetags.hours import decimal_hours

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def report_csv(report: Report, project_key: str, scope_label: str) -> HttpResponse:
    period = report.period
    filename = f"{project_key}-worklog-report-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["Request", "Summary", "Status", "Hours"])
    for row in report.rows:
        writer.writerow(
            [row.key, _cell(row.summary), _cell(row.status), decimal_hours(row.seconds)]
        )
    writer.writerow(
        [
            "Total",
            f"{scope_label}, {period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}",
            "",
            decimal_hours(report.total_seconds),
        ]
    )
    return response
