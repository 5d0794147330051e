"""Select project to configure, and a project's configuration (docs/product.md §4.2, §4.3)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import staff_required
from jsm.models import JiraProject
from tempo_integration import sentences as tempo_sentences
from tempo_integration.models import TempoIntegration

from .forms import ProjectChoiceForm, ReportSettingsForm
from .models import ReportSettings

SETTINGS_SAVED = "Settings saved."
UNKNOWN_PROJECT = "Choose one of the listed projects."


@require_GET
@staff_required
def select_project(request):
    projects = list(JiraProject.objects.all())
    if "project" in request.GET:
        form = ProjectChoiceForm(request.GET, projects=projects)
        if form.is_valid():
            return redirect(
                "configuration_projects:configure_project", key=form.cleaned_data["project"]
            )
        messages.error(request, UNKNOWN_PROJECT)
        return redirect("configuration_projects:select_project")
    return render(
        request,
        "configuration/projects.html",
        {"active_tab": "projects", "form": ProjectChoiceForm(projects=projects)},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def configure_project(request, key: str):
    project = get_object_or_404(JiraProject, key=key)
    report_settings = ReportSettings.for_project(project)
    form = ReportSettingsForm(request.POST or None, instance=report_settings)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, SETTINGS_SAVED)
            return redirect("configuration_projects:configure_project", key=project.key)
        messages.error(request, "The settings were not saved. Correct the fields marked below.")
    integration = TempoIntegration.current()
    token_missing = report_settings.shows_tempo_hours and not (
        integration and integration.is_active
    )
    return render(
        request,
        "configuration/project_general.html",
        {
            "active_tab": "projects",
            "project": project,
            "form": form,
            "token_missing": token_missing,
            "invalid_message": tempo_sentences.INVALID_TOKEN,
        },
        status=400 if form.errors else 200,
    )
