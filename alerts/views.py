"""The alert settings of a contract (docs/product.md §4.6): a small page reached from the
Contract management tab and the Edit contract page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from portal.models import Contract

from . import sentences
from .forms import AlertSettingsForm
from .models import AlertSettings


def _settings_of(key: str, contract_id: int) -> AlertSettings:
    contract = get_object_or_404(
        Contract.objects.select_related("project", "organization"),
        pk=contract_id,
        project__key=key,
    )
    return AlertSettings.for_contract(contract)


def _render(request, alert_settings: AlertSettings, form, status=200):
    contract = alert_settings.contract
    return render(
        request,
        "alerts/settings.html",
        {
            "active_tab": "projects",
            "project": contract.project,
            "contract": contract,
            "form": form,
            "staff_only": "" if contract.organization_id else sentences.PROJECT_WIDE_STAFF_ONLY,
        },
        status=status,
    )


@require_GET
@staff_required
def alert_settings(request, key: str, contract_id: int):
    settings_ = _settings_of(key, contract_id)
    return _render(request, settings_, AlertSettingsForm(instance=settings_))


@require_POST
@staff_required
def save_alert_settings(request, key: str, contract_id: int):
    settings_ = _settings_of(key, contract_id)
    form = AlertSettingsForm(request.POST, instance=settings_)
    if not form.is_valid():
        messages.error(request, sentences.NOT_SAVED)
        return _render(request, settings_, form, status=400)
    form.save()
    messages.success(request, sentences.SAVED)
    return redirect("configuration_projects:contracts", key=key)
