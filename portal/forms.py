from __future__ import annotations

from django import forms

from tempo_integration.models import ProjectSyncState

from .models import ReportSettings

# A statement lists an organization's requests: only where customers may see them.
STATEMENTS_NEED_ORGANIZATIONS = (
    "Monthly statements list the requests shared with each organization: choose “Also "
    "requests shared with their organizations” under Requests customers see, or leave "
    "statements off."
)


class ReportSettingsForm(forms.ModelForm):
    class Meta:
        model = ReportSettings
        fields = [
            "enabled",
            "hours_source",
            "visibility",
            "show_descriptions",
            "show_worker_names",
            "time_format",
            "rounding_minutes",
            "monthly_statements",
        ]
        widgets = {
            "hours_source": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "time_format": forms.RadioSelect,
        }
        help_texts = {
            "enabled": "Customers see this project's report in the portal only when it is on.",
            "show_worker_names": "The names of the people who logged the work.",
            "rounding_minutes": "Each worklog is rounded up before it is added up.",
            "monthly_statements": "On the 1st of each month, each organization with hours or "
            "a contract gets a statement of the month before (PDF and CSV): listed under "
            "Statements in the portal for its customers and e-mailed to them (each can opt "
            "out). It lists the requests shared with the organization, so it needs “Also "
            "requests shared with their organizations”; hours of requests its customers "
            "raised without sharing them count in its contract and show as one line, "
            "without their summaries.",
            "hours_source": "Approved timesheets only: a Tempo worklog counts once its "
            "author's timesheet for that period is approved in Tempo; the others are shown "
            "apart as awaiting approval. The Tempo token needs the Approvals scope.",
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("monthly_statements") and (
            cleaned.get("visibility") != ReportSettings.Visibility.ORGANIZATIONS
        ):
            self.add_error("monthly_statements", STATEMENTS_NEED_ORGANIZATIONS)
        return cleaned

    def save(self, commit: bool = True) -> ReportSettings:
        settings = super().save(commit)
        if commit and "hours_source" in self.changed_data and settings.approved_only:
            # Approvals read before (or never) say nothing now: the next sync reads them all,
            # and until then the report says approved hours are not available.
            ProjectSyncState.objects.filter(project=settings.project_id).update(
                approvals_synced_at=None, approvals_problem=""
            )
        return settings


class ProjectChoiceForm(forms.Form):
    project = forms.ChoiceField(label="Select Jira Service Management project")

    def __init__(self, *args, projects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [
            (p.key, f"{p} — no longer listed by Jira" if p.missing_since else str(p))
            for p in projects
        ]
