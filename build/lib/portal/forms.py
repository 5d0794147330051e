from __future__ import annotations

from django import forms

from .models import ReportSettings


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
        }


class ProjectChoiceForm(forms.Form):
    project = forms.ChoiceField(label="Select Jira Service Management project")

    def __init__(self, *args, projects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [
            (p.key, f"{p} — no longer listed by Jira" if p.missing_since else str(p))
            for p in projects
        ]
