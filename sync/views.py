"""The Sync tab of Global configuration (docs/product.md §4.4)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Max, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from jsm.connection import jira_connection
from jsm.models import Customer, JiraProject, Organization, Request
from tempo_integration.models import TempoIntegration

from .locks import is_locked
from .models import SyncRun
from .tasks import request_sync, sync_is_pending

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
    """What static/js/live_status.js polls while a sync is queued or running: the state, and
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
        target = "sync:tab"
    return redirect(target)
