"""The Sync tab of Global configuration (PRODUCT.md §4.4)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Max, Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from worklog_report.tasks import request_sync

from .locks import is_locked
from .models import Customer, JiraProject, Organization, Request, SyncRun

SYNC_QUEUED = "Sync started. The results appear on the Sync tab when it ends."
SYNC_ALREADY_RUNNING = "A sync is already running. Its results appear on the Sync tab when it ends."
RECENT_RUNS = 10


@require_GET
@staff_required
def sync_tab(request):
    runs = list(SyncRun.objects.all()[: RECENT_RUNS * 2])
    last = {kind: next((r for r in runs if r.kind == kind), None) for kind in SyncRun.Kind.values}
    counts = [
        ("JSM projects", JiraProject.objects.count()),
        ("Requests", Request.objects.count()),
        ("Customers", Customer.objects.count()),
        ("Organizations", Organization.objects.count()),
    ]
    return render(
        request,
        "configuration/sync.html",
        {
            "active_tab": "sync",
            "last_jira": last[SyncRun.Kind.JIRA],
            "last_tempo": last[SyncRun.Kind.TEMPO],
            "runs": runs[:RECENT_RUNS],
            "counts": counts,
            "newest_request_update": Request.objects.aggregate(newest=Max("updated"))["newest"],
            "running": is_locked("jira"),
            "missing_projects": JiraProject.objects.filter(missing_since__isnull=False),
            "troubled_projects": JiraProject.objects.filter(
                Q(sync_problem__gt="") | Q(tempo_sync_state__problem__gt="")
            ).select_related("tempo_sync_state"),
        },
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
