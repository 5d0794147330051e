"""The Tempo backup tab of Global configuration (docs/product.md §4.5)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from tempo_integration.models import TempoIntegration

from . import scopes, sentences
from .datasets import DATA_SETS
from .forms import ScheduleForm
from .models import Backup, BackupSchedule
from .storage import archive_dir, remove_archive
from .tasks import backup_is_pending, forget_dead_runs, request_backup

RECENT = 10


def backup_status() -> dict:
    """The tab's live region (what static/js/live_status.js refreshes): the run in progress
    and the archives."""
    forget_dead_runs()
    unfinished = Backup.unfinished().first()
    pending = backup_is_pending()
    directory = archive_dir()
    return {
        "pending": pending,
        "current": unfinished if pending else None,
        # The archives of TEMPO_BACKUP_DIR (those `tempo_backup --output` wrote elsewhere are
        # the operator's), which the retention count keeps.
        "archives": [b for b in Backup.archives() if Path(b.path).parent == directory],
        "recent": list(Backup.objects.all()[:RECENT]),
        "keep": settings.TEMPO_BACKUP_KEEP,
        "data_set_count": len(DATA_SETS),
    }


@require_GET
@staff_required
def backup_tab(request):
    integration = TempoIntegration.current()
    active = integration is not None and integration.is_active
    schedule = BackupSchedule.get()
    context = {
        "active_tab": "backup",
        "integration": integration,
        "connected": active,
        "scopes": scopes.readable_scopes(integration) if active else [],
        "scopes_checked_at": scopes.checked_at(integration) if active else None,
        "schedule": schedule,
        "schedule_form": ScheduleForm(
            initial={"hour": "" if schedule.hour is None else str(schedule.hour)}
        ),
        "directory": archive_dir(),
        "time_zone": settings.TIME_ZONE,
        **backup_status(),
    }
    return render(request, "configuration/backup.html", context)


@require_GET
@staff_required
def backup_status_json(request):
    status = backup_status()
    return JsonResponse(
        {
            "pending": status["pending"],
            "html": render_to_string("configuration/_backup_status.html", status, request),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_POST
@staff_required
def back_up_now(request):
    integration = TempoIntegration.current()
    if integration is None or not integration.is_active:
        messages.error(request, sentences.NO_CONNECTION)
    elif request_backup(Backup.Trigger.BUTTON, request.user) is not None:
        messages.success(request, sentences.QUEUED)
    else:
        messages.info(request, sentences.ALREADY_RUNNING)
    return redirect("backup:tab")


@require_POST
@staff_required
def save_schedule(request):
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, sentences.SCHEDULE_INVALID)
        return redirect("backup:tab")
    schedule = BackupSchedule.get()
    schedule.hour = form.cleaned_data["hour"]
    schedule.save(update_fields=["hour", "updated_at"])
    if schedule.hour is None:
        messages.success(request, sentences.SCHEDULE_SAVED_OFF)
    else:
        messages.success(
            request, sentences.SCHEDULE_SAVED.format(hour=schedule.hour, zone=settings.TIME_ZONE)
        )
    return redirect("backup:tab")


@require_POST
@staff_required
def recheck_scopes(request):
    integration = TempoIntegration.current()
    if integration is not None and integration.is_active:
        scopes.readable_scopes(integration, refresh=True)
        messages.success(request, sentences.SCOPES_RECHECKED)
    else:
        messages.error(request, sentences.NO_CONNECTION)
    return redirect("backup:tab")


def _archive(public_id) -> Backup:
    return get_object_or_404(Backup.archives(), public_id=public_id)


@require_GET
@staff_required
def download(request, public_id):
    """The archive, streamed from disk (FileResponse reads it in blocks)."""
    backup = _archive(public_id)
    try:
        handle = Path(backup.path).open("rb")  # noqa: SIM115 - FileResponse closes it
    except OSError as exc:
        raise Http404(sentences.NOT_FOUND) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=backup.file_name, content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def confirm_delete(request, public_id):
    backup = _archive(public_id)
    return render(
        request,
        "configuration/backup_delete_confirm.html",
        {"active_tab": "backup", "backup": backup},
    )


@require_POST
@staff_required
def delete(request, public_id):
    backup = _archive(public_id)
    try:
        remove_archive(backup, "deleted by an administrator")
    except OSError as exc:
        messages.error(
            request,
            sentences.NOT_DELETED.format(name=backup.file_name, reason=exc.strerror or exc),
        )
    else:
        messages.success(request, sentences.DELETED.format(name=backup.file_name))
    return redirect("backup:tab")
