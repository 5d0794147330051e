"""Access rules for portal pages (docs/product.md §1, §5.3); staff pages use
``accounts.decorators.staff_required``."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from accounts import sentences
from jsm.models import JiraProject

from .models import ReportSettings
from .visibility import access_revoked


def portal_access_required(view):
    """Anonymous visitors go to the sign-in page; a customer whose portal access JSM
    revoked gets a page saying so (403), never the view's data; everyone else goes on.

    Checked on every request, so a session opened before the sync revoked the customer
    shows the sentence on its next page, and access comes back with the sync that restores
    it. Every portal view carries it (tests/portal/test_revoked_access.py walks them all).
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if access_revoked(request.user):
            return render(
                request,
                "portal/access_revoked.html",
                {"title": sentences.ACCESS_REVOKED_TITLE, "sentence": sentences.ACCESS_REVOKED},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def report_project_or_404(request, key: str) -> tuple[JiraProject, ReportSettings]:
    """The project and its settings; 404 unless enabled (staff may preview a disabled one)."""
    project = get_object_or_404(
        # The sync state says whether the last Tempo run read it (the page's Updated time).
        JiraProject.objects.select_related("report_settings", "tempo_sync_state"),
        key=key,
    )
    try:
        report_settings = project.report_settings
    except ReportSettings.DoesNotExist:
        raise Http404 from None
    if not report_settings.enabled and not request.user.is_staff:
        raise Http404
    return project, report_settings
