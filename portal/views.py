"""The customer portal (docs/product.md §5): the project list and the Worklog Report."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jsm.models import JiraProject, Request

from . import contract_sentences, report_sentences, reports
from .charts import build_chart, chart_svg
from .contract_sentences import HOURS_UNAVAILABLE_IN_PANEL, unseen_by_customer
from .contracts import contract_shown_to
from .decorators import portal_access_required, report_project_or_404
from .exports import report_csv
from .models import ReportSettings
from .periods import PRESETS, longer_preset, parse_period
from .report_cache import page_state, report_for
from .report_table import rows_html
from .usage_cache import panel_figures
from .visibility import (
    MINE,
    ORGANIZATION,
    organization_scope_allowed,
    projects_with_requests_visible_to,
    requests_visible_to,
)

SCOPE_LABELS = {MINE: "My requests", ORGANIZATION: "Organization requests"}
ROWS_PER_PAGE = 100


@require_GET
@portal_access_required
def home(request):
    """Projects with Worklog Report enabled in which this person has requests to see."""
    enabled = JiraProject.objects.filter(report_settings__enabled=True).select_related(
        "report_settings"
    )
    projects = projects_with_requests_visible_to(request.user, list(enabled))
    return render(request, "portal/home.html", {"projects": projects})


def _scopes(report_settings: ReportSettings) -> list[str]:
    return [MINE, ORGANIZATION] if organization_scope_allowed(report_settings) else [MINE]


@require_GET
@portal_access_required
def worklog_report(request, key: str):
    project, report_settings = report_project_or_404(request, key)
    scopes = _scopes(report_settings)
    scope = request.GET.get("scope", MINE)
    if scope not in scopes:
        scope = MINE
    # The data's version, the integration's state and the Updated time, in one query.
    state = page_state(report_settings)
    if not reports.hours_available(report_settings, state.integration_active):
        return _hours_unavailable(request, project, report_settings)
    period, period_error = parse_period(request.GET, timezone.localdate())
    if period_error:
        messages.error(request, period_error.message)
    report = report_for(request.user, project, report_settings, scope, period, state.version)
    if request.GET.get("format") == "csv":
        return report_csv(report, project.key, SCOPE_LABELS[scope])
    # The table shows the requests a page at a time; total, chart and CSV cover them all.
    rows = Paginator(report.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    # The rows' HTML is built in one pass (portal/report_table.py): through the template
    # engine, 100 rows cost more than the report's whole aggregate at 500,000 worklogs.
    table = rows_html(rows, project.key, period, report_settings.time_format)
    return render(
        request,
        "portal/worklog_report.html",
        {
            "project": project,
            "settings": report_settings,
            "report": report,
            "rows": rows,
            "table": table,
            "chart": chart_svg(
                build_chart(report.bars, report_settings.time_format),
                report.bars,
                report.period.by_day,
                report_settings.time_format,
            ),
            "scope": scope,
            "scopes": [(s, SCOPE_LABELS[s]) for s in scopes],
            "presets": PRESETS.items(),
            # A refused custom period keeps what was typed, with the wrong field marked.
            "period_error": period_error,
            "typed_from": request.GET.get("from", "")
            if period_error
            else f"{period.start:%Y-%m-%d}",
            "typed_to": request.GET.get("to", "") if period_error else f"{period.end:%Y-%m-%d}",
            "longer_preset": longer_preset(period),
            "updated": state.last_updated,
            "pending_note": report_sentences.awaiting_approval(
                report.pending_seconds, report_settings.time_format
            )
            if report.pending_seconds
            else "",
            "is_preview": request.user.is_staff,
            # The report's cache key and the panel's snapshot share the data's version.
            **_contract_context(request.user, project, report_settings, state.version),
        },
    )


def _contract_context(
    user, project: JiraProject, report_settings: ReportSettings, version: tuple
) -> dict:
    today = timezone.localdate()
    # Read from the worklogs once per change of the data, not on every page (usage_cache).
    figures = panel_figures(user, project, report_settings, today, version)
    usage = figures.usage if figures else None
    unseen_note = forecast_note = pace_note = ""
    if figures is not None:
        if figures.unseen.seconds:
            unseen_note = unseen_by_customer(
                figures.unseen, usage.contract, report_settings.time_format
            )
        forecast_note = contract_sentences.run_out(figures.forecast, today)
        pace_note = contract_sentences.pace(figures.forecast, report_settings.time_format)
    return {
        "contract": usage,
        "contract_terms": usage.contract if usage else None,
        "unseen_note": unseen_note,
        "forecast_note": forecast_note,
        "pace_note": pace_note,
    }


def _unavailable_sentences(report_settings: ReportSettings, *, staff: bool) -> dict:
    """Why there are no hours: no working Tempo connection, or (approved timesheets only)
    approvals Tempo refused or that were not read yet."""
    if report_settings.approved_only and reports.tempo_worklogs_read(report_settings):
        return {
            "unavailable_title": report_sentences.APPROVALS_UNAVAILABLE_TITLE,
            "unavailable_text": report_sentences.APPROVALS_UNAVAILABLE_STAFF
            if staff
            else report_sentences.APPROVALS_UNAVAILABLE,
        }
    return {
        "unavailable_title": report_sentences.HOURS_UNAVAILABLE_TITLE,
        "unavailable_text": report_sentences.HOURS_UNAVAILABLE_STAFF
        if staff
        else report_sentences.HOURS_UNAVAILABLE,
    }


def _hours_unavailable(request, project: JiraProject, report_settings: ReportSettings):
    """The page, or the CSV's answer, while the hours source has no working connection:
    the state and the contract's terms, never a total, a chart of zeros or contract
    arithmetic. The CSV URL answers with this page as a 503 (Service Unavailable), so neither
    a person nor a script mistakes it for a file of zero hours."""
    wants_csv = request.GET.get("format") == "csv"
    return render(
        request,
        "portal/worklog_report.html",
        {
            "project": project,
            "settings": report_settings,
            "unavailable": True,
            **_unavailable_sentences(report_settings, staff=request.user.is_staff),
            "is_preview": request.user.is_staff,
            "contract_terms": contract_shown_to(request.user, project, timezone.localdate()),
            "contract_unavailable": HOURS_UNAVAILABLE_IN_PANEL,
        },
        status=503 if wants_csv else 200,
    )


@require_GET
@portal_access_required
def request_worklogs(request, key: str, request_key: str):
    """The worklog lines behind one request's hours (a page, or a fragment for the table)."""
    project, report_settings = report_project_or_404(request, key)
    visible = Request.objects.none()
    for scope in _scopes(report_settings):
        visible = visible | requests_visible_to(request.user, project, report_settings, scope)
    jsm_request = get_object_or_404(visible, key=request_key)
    period, _ = parse_period(request.GET, timezone.localdate())
    available = reports.hours_available(report_settings)
    lines = reports.worklog_lines(report_settings, jsm_request, period) if available else []
    template = (
        "portal/_worklog_lines.html"
        if request.headers.get("X-Requested-With") == "fetch"
        else "portal/request_worklogs.html"
    )
    return render(
        request,
        template,
        {
            "project": project,
            "settings": report_settings,
            "jsm_request": jsm_request,
            "lines": lines,
            "period": period,
            "total": sum(line.seconds for line in lines),
            "unavailable": not available,
            **({} if available else _unavailable_sentences(report_settings, staff=False)),
        },
    )
