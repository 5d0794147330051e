"""The Manage Tempo integration tab (PRODUCT.md §4.1). Views only orchestrate."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from worklog_report.tasks import request_sync

from . import sentences
from .forms import ExpiryForm, TempoTokenForm
from .models import IntegrationEvent, TempoIntegration
from .validation import add_token, verify_if_stale

HISTORY_LENGTH = 20


@require_GET
@staff_required
def tempo_tab(request):
    integration = TempoIntegration.current()
    if integration is not None:
        verify_if_stale(integration)
    return _render_tab(request, integration)


def _render_tab(request, integration):
    days_left = integration.days_until_expiry() if integration else None
    context = {
        "active_tab": "tempo",
        "integration": integration,
        "token_form": TempoTokenForm(),
        "expiry_form": ExpiryForm(
            initial={"expires_on": integration.expires_on if integration else None}
        ),
        "history": IntegrationEvent.objects.all()[:HISTORY_LENGTH],
        "invalid_message": sentences.INVALID_TOKEN,
        "revoke_question": sentences.REVOKE_QUESTION,
        "expiry_warning": (
            sentences.expiry_warning(days_left, integration.expires_on.isoformat())
            if days_left is not None
            else None
        ),
    }
    return render(request, "configuration/tempo.html", context)


@require_POST
@staff_required
def add(request):
    form = TempoTokenForm(request.POST)
    if not form.is_valid():
        # Local checks never reach Tempo and are not worth a History line.
        messages.error(request, form.first_error())
        return redirect("tempo_integration:tab")
    result = add_token(form.cleaned_data["token"], request.user)
    (messages.success if result.ok else messages.error)(request, result.message)
    if result.ok:
        request_sync()  # in the background: the worker brings the worklogs in
    return redirect("tempo_integration:tab")


@require_GET
@staff_required
def revoke_confirm(request):
    """The confirmation as a page, for browsers without JavaScript (the dialog's fallback)."""
    integration = TempoIntegration.current()
    if integration is None:
        messages.error(request, sentences.NOTHING_TO_REVOKE)
        return redirect("tempo_integration:tab")
    return render(
        request,
        "configuration/tempo_revoke_confirm.html",
        {"active_tab": "tempo", "revoke_question": sentences.REVOKE_QUESTION},
    )


@require_POST
@staff_required
def revoke(request):
    with transaction.atomic():
        integration = TempoIntegration.objects.select_for_update().filter(slot=1).first()
        if integration is None:
            messages.error(request, sentences.NOTHING_TO_REVOKE)
        else:
            integration.revoke(request.user)
            messages.success(request, sentences.REVOKED)
    return redirect("tempo_integration:tab")


@require_POST
@staff_required
def save_expiry(request):
    integration = TempoIntegration.current()
    if integration is None:
        messages.error(request, sentences.NO_INTEGRATION_FOR_EXPIRY)
        return redirect("tempo_integration:tab")
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["expires_on"][0])
        return redirect("tempo_integration:tab")
    expires_on = form.cleaned_data["expires_on"]
    integration.expires_on = expires_on
    integration.save(update_fields=["expires_on"])
    IntegrationEvent.record(
        IntegrationEvent.Kind.EXPIRY_SET,
        request.user,
        f"Recorded the expiry date {expires_on.isoformat()}."
        if expires_on
        else "Removed the expiry date.",
    )
    messages.success(request, sentences.EXPIRY_SAVED if expires_on else sentences.EXPIRY_CLEARED)
    return redirect("tempo_integration:tab")
