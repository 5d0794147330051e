"""The Contract management tab of a project (docs/product.md §4.3). Views only orchestrate.

Every change is a POST to its own URL. Create and Edit are pages (one pattern, at home on a
phone and without JavaScript); Delete asks in a dialog, or on a plain page without it.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from jsm.models import JiraProject

from . import contract_sentences as sentences
from .contract_forms import ContractForm
from .contract_split import hours_not_shared
from .contracts import contract_forecasts, contract_usages, lock_contracts_of
from .exports import csv_download
from .forecast import NO_FORECAST
from .models import Contract, ReportSettings
from .reports import hours_available
from .templatetags.hours import decimal_hours


def _project(key: str) -> tuple[JiraProject, ReportSettings]:
    project = get_object_or_404(JiraProject, key=key)
    return project, ReportSettings.for_project(project)


def _contract_of(project: JiraProject, contract_id: int) -> Contract | None:
    """The project's contract; None when it no longer exists (deleted, perhaps by someone
    else while a form was open); 404 when it belongs to another project."""
    contract = Contract.objects.select_related("organization").filter(pk=contract_id).first()
    if contract is not None and contract.project_id != project.pk:
        raise Http404
    return contract


def _to_list(project: JiraProject):
    return redirect("configuration_projects:contracts", key=project.key)


def _form(request, project, report_settings, **kwargs) -> ContractForm:
    return ContractForm(
        request.POST if request.method == "POST" else None,
        project=project,
        time_format=report_settings.time_format,
        **kwargs,
    )


@require_GET
@staff_required
def contracts(request, key: str):
    project, report_settings = _project(key)
    return _render_contracts(request, project, report_settings)


def _render_contracts(request, project, report_settings, status=200):
    today = timezone.localdate()
    contract_list = list(
        Contract.objects.filter(project=project)
        .select_related("organization")
        # The project-wide contracts first, then by organization; newest first in each.
        .order_by(F("organization__name").asc(nulls_first=True), "organization_id", "-start_date")
    )
    usages = contract_usages(contract_list, report_settings, today)
    available = hours_available(report_settings)
    not_shared = hours_not_shared(usages.values(), report_settings) if available else {}
    forecasts = contract_forecasts(usages.values(), report_settings, today) if available else {}
    return render(
        request,
        "configuration/project_contracts.html",
        {
            "active_tab": "projects",
            "project": project,
            "settings": report_settings,
            "rows": [
                (
                    usages[c.pk],
                    sentences.delete_question(c, report_settings.time_format),
                    _not_shared_note(c, not_shared.get(c.pk), report_settings.time_format),
                    sentences.run_out(forecasts.get(c.pk, NO_FORECAST), today),
                )
                for c in contract_list
            ],
            # Without a working Tempo integration used and remaining hours are unknown.
            "hours_unavailable": "" if available else sentences.HOURS_UNAVAILABLE_FOR_STAFF,
        },
        status=status,
    )


def _not_shared_note(contract, unseen, time_format: str) -> str:
    if unseen is None or not unseen.seconds:
        return ""
    return sentences.not_shared_with_organization(unseen, contract, time_format)


def _render_form(request, project, report_settings, form, contract=None, status=200):
    return render(
        request,
        "configuration/contract_form.html",
        {
            "active_tab": "projects",
            "project": project,
            "settings": report_settings,
            "form": form,
            "contract": contract,
        },
        status=status,
    )


@require_GET
@staff_required
def new_contract(request, key: str):
    """The Create contract form, a page like Edit's."""
    project, report_settings = _project(key)
    return _render_form(request, project, report_settings, _form(request, project, report_settings))


@require_POST
@staff_required
def create_contract(request, key: str):
    project, report_settings = _project(key)
    with transaction.atomic():
        lock_contracts_of(project)
        form = _form(request, project, report_settings)
        if form.is_valid():
            form.save()
            messages.success(request, sentences.CREATED)
            return _to_list(project)
    messages.error(request, sentences.NOT_SAVED)
    return _render_form(request, project, report_settings, form, status=400)


@require_GET
@staff_required
def edit_contract(request, key: str, contract_id: int):
    project, report_settings = _project(key)
    contract = _contract_of(project, contract_id)
    if contract is None:
        messages.error(request, sentences.GONE)
        return _to_list(project)
    form = _form(request, project, report_settings, instance=contract)
    return _render_form(request, project, report_settings, form, contract)


@require_POST
@staff_required
def save_contract(request, key: str, contract_id: int):
    project, report_settings = _project(key)
    with transaction.atomic():
        lock_contracts_of(project)
        contract = _contract_of(project, contract_id)
        if contract is None:
            messages.error(request, sentences.GONE)
            return _to_list(project)
        form = _form(request, project, report_settings, instance=contract)
        if form.is_valid():
            form.save()
            messages.success(request, sentences.SAVED)
            return _to_list(project)
    messages.error(request, sentences.NOT_SAVED)
    return _render_form(request, project, report_settings, form, contract, status=400)


@require_GET
@staff_required
def confirm_delete_contract(request, key: str, contract_id: int):
    """The delete confirmation as a page (the dialog's fallback without JavaScript)."""
    project, report_settings = _project(key)
    contract = _contract_of(project, contract_id)
    if contract is None:
        messages.error(request, sentences.ALREADY_DELETED)
        return _to_list(project)
    return render(
        request,
        "configuration/contract_delete_confirm.html",
        {
            "active_tab": "projects",
            "project": project,
            "contract": contract,
            "question": sentences.delete_question(contract, report_settings.time_format),
        },
    )


@require_POST
@staff_required
def delete_contract(request, key: str, contract_id: int):
    project, _ = _project(key)
    with transaction.atomic():
        lock_contracts_of(project)
        contract = _contract_of(project, contract_id)
        if contract is None:
            messages.error(request, sentences.ALREADY_DELETED)
        else:
            contract.delete()
            messages.success(request, sentences.DELETED)
    return _to_list(project)


@require_GET
@staff_required
def contract_usage_csv(request, key: str, contract_id: int):
    """The month-by-month ledger behind a contract's used and remaining hours."""
    project, report_settings = _project(key)
    contract = _contract_of(project, contract_id)
    if contract is None:
        raise Http404
    if not hours_available(report_settings):
        messages.error(request, sentences.HOURS_UNAVAILABLE_FOR_STAFF)
        return _to_list(project)
    usage = contract_usages([contract], report_settings, timezone.localdate())[contract.pk]
    scope = contract.organization.name if contract.organization_id else "whole-project"
    filename = f"{project.key}-contract-{contract.pk}-{scope}-usage.csv"
    response = csv_download(_safe_filename(filename))
    writer = csv.writer(response)
    writer.writerow(
        ["Month", "From", "To", "Hours", "Brought forward", "Available", "Used", "Remaining"]
    )
    for month in usage.months:
        writer.writerow(
            [
                f"{month.month:%Y-%m}",
                month.start.isoformat(),
                month.end.isoformat(),
                _signed_hours(month.allowance_seconds),
                _signed_hours(month.brought_forward_seconds),
                _signed_hours(month.available_seconds),
                _signed_hours(month.used_seconds),
                _signed_hours(month.remaining_seconds),
            ]
        )
    return response


def _signed_hours(seconds: int) -> str:
    return f"-{decimal_hours(-seconds)}" if seconds < 0 else decimal_hours(seconds)


def _safe_filename(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
