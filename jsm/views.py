"""The Sync tab of Global configuration (PRODUCT.md §4.4)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Max, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from tempo_integration.models import TempoIntegration
from worklog_report.tasks import request_sync, sync_is_pending

from .client import JiraAuthError, JiraClient, JiraError
from .locks import is_locked
from .models import Customer, JiraProject, Organization, Request, SyncRun

SYNC_QUEUED = "Sync started. The results appear on the Sync tab when it ends."
SYNC_ALREADY_RUNNING = "A sync is already running. Its results appear on the Sync tab when it ends."
RECENT_RUNS = 10
# Why a sync leaves Tempo out (tempo_integration.sync returns no run then): said on the tab.
TEMPO_SKIPPED_NO_TOKEN = (
    "Tempo sync skipped: no Tempo API Token is stored. Add one on the Manage Tempo integration tab."
)
TEMPO_SKIPPED_INVALID = (
    "Tempo sync skipped: Tempo no longer accepts the stored token (status Invalid). "
    "Add a new token on the Manage Tempo integration tab."
)

# The Jira connection line: one quick call at most every JIRA_CHECK_CACHE_SECONDS, so the tab
# stays fast when Jira is slow and never adds load of its own.
JIRA_CHECK_TIMEOUT = (2.0, 3.0)  # connect, read
JIRA_CHECK_CACHE_SECONDS = 300
JIRA_CONNECTED = "Jira: connected as {name}."
JIRA_CONNECTED_WITH_EMAIL = "Jira: connected as {name} ({email})."
JIRA_NOT_CONFIGURED = (
    "Jira: not configured. Set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN, then restart the app."
)
JIRA_REJECTED = (
    "Jira: the e-mail address and API token were rejected (401). "
    "Check JIRA_EMAIL and JIRA_API_TOKEN."
)
JIRA_CHECK_FAILED = "Jira: the connection could not be checked just now. {reason}"


def jira_connection() -> dict[str, str]:
    """Whether Jira accepts the configured credentials, and as whom:
    ``{"state": "connected" | "rejected" | "failed" | "unconfigured", "text": sentence}``.

    Asks ``/myself`` once, with short timeouts and no retries, and keeps the answer in the
    cache for five minutes under a key made of the site and e-mail address (no secret).
    Never calls Jira when JIRA_BASE_URL is unset.
    """
    if not settings.JIRA_BASE_URL:
        return {"state": "unconfigured", "text": JIRA_NOT_CONFIGURED}
    site = f"{settings.JIRA_BASE_URL}\n{settings.JIRA_EMAIL}".encode()
    key = "jsm:jira-connection:" + hashlib.sha256(site).hexdigest()
    answer = cache.get(key)
    if answer is None:
        answer = _check_jira_connection()
        cache.set(key, answer, JIRA_CHECK_CACHE_SECONDS)
    return answer


def _check_jira_connection() -> dict[str, str]:
    client = JiraClient(
        timeout=JIRA_CHECK_TIMEOUT, retry_budget=0.0, deadline=sum(JIRA_CHECK_TIMEOUT)
    )
    client.max_attempts = 1  # a page view must not wait out retries
    try:
        with client:
            me = client.myself()
    except JiraAuthError:
        return {"state": "rejected", "text": JIRA_REJECTED}
    except JiraError as exc:
        return {"state": "failed", "text": JIRA_CHECK_FAILED.format(reason=exc)}
    name = str(me.get("displayName") or me["accountId"])
    email = me.get("emailAddress")  # null when the account's privacy settings hide it
    if email:
        return {
            "state": "connected",
            "text": JIRA_CONNECTED_WITH_EMAIL.format(name=name, email=email),
        }
    return {"state": "connected", "text": JIRA_CONNECTED.format(name=name)}


def tempo_skipped_because() -> str | None:
    """Why the next sync leaves Tempo out, or None when it reads Tempo."""
    integration = TempoIntegration.current()
    if integration is None:
        return TEMPO_SKIPPED_NO_TOKEN
    return None if integration.is_active else TEMPO_SKIPPED_INVALID


def sync_status() -> dict:
    """What the Sync tab shows below its header: the page and its polling share it."""
    runs = list(SyncRun.objects.all()[: RECENT_RUNS * 2])
    last = {kind: next((r for r in runs if r.kind == kind), None) for kind in SyncRun.Kind.values}
    counts = [
        ("JSM projects", JiraProject.objects.count()),
        ("Requests", Request.objects.count()),
        ("Customers", Customer.objects.count()),
        ("Organizations", Organization.objects.count()),
    ]
    return {
        "last_jira": last[SyncRun.Kind.JIRA],
        "last_tempo": last[SyncRun.Kind.TEMPO],
        "tempo_skipped": tempo_skipped_because(),
        "runs": runs[:RECENT_RUNS],
        "counts": counts,
        "newest_request_update": Request.objects.aggregate(newest=Max("updated"))["newest"],
        "running": is_locked("jira") or is_locked("tempo"),
        "pending": sync_is_pending(),
        "missing_projects": JiraProject.objects.filter(missing_since__isnull=False),
        "troubled_projects": JiraProject.objects.filter(
            Q(sync_problem__gt="") | Q(tempo_sync_state__problem__gt="")
        ).select_related("tempo_sync_state"),
    }


@require_GET
@staff_required
def sync_tab(request):
    context = {"active_tab": "sync", "jira_connection": jira_connection(), **sync_status()}
    return render(request, "configuration/sync.html", context)


@require_GET
@staff_required
def sync_status_json(request):
    """What static/js/sync_status.js polls while a sync is queued or running: the state, and
    the tab's status region as HTML to put in place."""
    status = sync_status()
    last_jira, last_tempo = status["last_jira"], status["last_tempo"]
    return JsonResponse(
        {
            "pending": status["pending"],
            "jira": last_jira.status if last_jira else None,
            "tempo": "skipped" if status["tempo_skipped"] else (last_tempo and last_tempo.status),
            "tempo_skipped": status["tempo_skipped"],
            "html": render_to_string("configuration/_sync_status.html", status, request),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_POST
@staff_required
def sync_now(request):
    if request_sync():
        messages.success(request, SYNC_QUEUED)
    else:
        messages.info(request, SYNC_ALREADY_RUNNING)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "jsm:sync"
    return redirect(target)
