"""The Manage Tempo integration tab (docs/product.md §4.1). Views only orchestrate."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InsecureTransportError
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from worklog_report.sentences import full_stop

from . import access, oauth, sentences
from . import oauth_connect as connect_flow
from .forms import ExpiryForm, OAuthApplicationForm, TempoTokenForm
from .models import IntegrationEvent, TempoIntegration
from .validation import add_token, waiting_retry_budget

HISTORY_LENGTH = 20
# Days as the configuration tabs write them (`30 Nov 2026`; with a time: `30 Nov 2026, 16:09`).
DAY = "j M Y"
# Opening the tab waits at most this long for Tempo (connect, read): a person is waiting.
ON_VIEW_TIMEOUTS = {"connect_timeout": 2.0, "read_timeout": 3.0, "retry_budget": 0}

# Check now and the check on opening the tab (issue 13), in the voice of sentences.py.
CHECK_ACCEPTED = "Tempo accepted the stored token just now."
NOTHING_TO_CHECK = "There is no Tempo API Token to check. Add one below."
CHECKED_RECENTLY_UNREACHABLE = (
    "Tempo could not be reached at the last check, less than a minute ago, so the status "
    "is from the check before. This tab tries again after a minute, or click Check now."
)
CHECK_FLAGS = {
    "rejected": sentences.INVALID_TOKEN,
    "no_scope": sentences.NO_WORKLOG_SCOPE,
    "unreadable": sentences.UNREADABLE_TOKEN,
}


def check_unreachable(detail: str) -> str:
    return (
        f"Tempo could not be reached to check the token: {full_stop(detail)} "
        "Its status is unchanged."
    )


@require_GET
@staff_required
def tempo_tab(request):
    """The tab; re-checks the token with Tempo first when the last check is over a minute
    old and no other page view has claimed that check (at most one call a minute)."""
    integration = TempoIntegration.current()
    check_problem = None
    if integration is not None and integration.recheck_due():
        if integration.claim_check():
            outcome, detail = access.check_access(integration, **ON_VIEW_TIMEOUTS)
            if outcome == "unreachable":
                check_problem = check_unreachable(detail)
        else:
            # Another view checked within the minute and the token is still unverified.
            check_problem = CHECKED_RECENTLY_UNREACHABLE
    return _render_tab(request, integration, check_problem)


def _render_tab(request, integration, check_problem=None):
    days_left = integration.days_until_expiry() if integration else None
    context = {
        "active_tab": "tempo",
        "integration": integration,
        "check_problem": check_problem,
        "token_form": TempoTokenForm(),
        "oauth_form": OAuthApplicationForm(),
        "oauth_redirect_uri": connect_flow.redirect_uri(request),
        "reconnect_message": sentences.OAUTH_RECONNECT,
        "expiry_form": ExpiryForm(
            initial={"expires_on": integration.expires_on if integration else None}
        ),
        "history": IntegrationEvent.objects.all()[:HISTORY_LENGTH],
        "invalid_message": sentences.INVALID_TOKEN,
        "revoke_question": sentences.revoke_question(integration),
        "expiry_warning": (
            sentences.expiry_warning(days_left, date_format(integration.expires_on, DAY))
            if days_left is not None
            else None
        ),
    }
    response = render(request, "configuration/tempo.html", context)
    # The tab's policy lets forms go to this site only, and Chromium checks where a form's
    # answer redirects against the policy of the page that sent the form: the Connect
    # form's answer goes on to Tempo's consent page, so this page allows that one origin.
    origin = oauth.consent_origin()
    if origin:
        response._csp_update = {"form-action": [origin]}
    return response


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
    return redirect("tempo_integration:tab")


@sensitive_post_parameters("client_secret")
@require_POST
@staff_required
def oauth_connect(request):
    """Connect with OAuth 2.0: remember the application, then off to Tempo's consent page."""
    form = OAuthApplicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect("tempo_integration:tab")
    try:
        authorize_url = connect_flow.begin(
            request,
            client_id=form.cleaned_data["client_id"],
            client_secret=form.cleaned_data["client_secret"],
            name=form.cleaned_data["application_name"],
        )
    except InsecureTransportError:
        messages.error(request, sentences.OAUTH_INSECURE)
        return redirect("tempo_integration:tab")
    return redirect(authorize_url)


@require_GET
@staff_required
def oauth_callback(request):
    """Tempo sends the administrator back here with ``code`` and ``state`` (or ``error``);
    the flag says what happened and the address bar loses the code at once."""
    result = connect_flow.finish(request)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("tempo_integration:tab")


@require_POST
@staff_required
def check_now(request):
    """One call to Tempo with the stored token; the answer as a flag and a History line."""
    integration = TempoIntegration.current()
    if integration is None:
        messages.error(request, NOTHING_TO_CHECK)
        return redirect("tempo_integration:tab")
    if not integration.is_active:
        # Tempo calls stop once a token is Invalid, until a new one is added (docs/product.md §6).
        messages.error(request, sentences.INVALID_TOKEN)
        return redirect("tempo_integration:tab")
    outcome, detail = access.check_access(integration, retry_budget=waiting_retry_budget())
    IntegrationEvent.record(IntegrationEvent.Kind.CHECKED, request.user, detail[:300])
    if outcome == "accepted":
        messages.success(request, CHECK_ACCEPTED)
    else:
        messages.error(request, CHECK_FLAGS.get(outcome) or check_unreachable(detail))
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
        {"active_tab": "tempo", "revoke_question": sentences.revoke_question(integration)},
    )


@require_POST
@staff_required
def revoke(request):
    current = TempoIntegration.current()
    if current is not None:
        # Outside the transaction below: a call to Tempo must not hold the row (SQLite:
        # the whole database) locked while it waits.
        current.revoke_oauth_at_tempo(request.user)
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
        f"Recorded the expiry date {date_format(expires_on, DAY)}."
        if expires_on
        else "Removed the expiry date.",
    )
    messages.success(request, sentences.EXPIRY_SAVED if expires_on else sentences.EXPIRY_CLEARED)
    return redirect("tempo_integration:tab")
