"""Per-project Worklog Report settings (PRODUCT.md §4.3, General tab)."""

from __future__ import annotations

from django.db import models

from jsm.models import JiraProject


class ReportSettings(models.Model):
    class HoursSource(models.TextChoices):
        TEMPO_BILLABLE = "tempo_billable", "Billable hours (Tempo)"
        JIRA_LOGGED = "jira_logged", "Logged time (Jira)"

    class Visibility(models.TextChoices):
        PARTICIPANTS = "participants", "Requests they raised or take part in"
        ORGANIZATIONS = "organizations", "Also requests shared with their organizations"

    class TimeFormat(models.TextChoices):
        DECIMAL = "decimal", "Decimal hours (1.50 h)"
        HOURS_MINUTES = "hours_minutes", "Hours and minutes (1h 30m)"

    class Rounding(models.IntegerChoices):
        NONE = 0, "No rounding"
        QUARTER = 15, "15 minutes"
        HALF = 30, "30 minutes"
        HOUR = 60, "60 minutes"

    project = models.OneToOneField(
        JiraProject, on_delete=models.CASCADE, related_name="report_settings"
    )
    enabled = models.BooleanField("Enable Worklog Report", default=False)
    hours_source = models.CharField(
        "Hours shown to customers",
        max_length=20,
        choices=HoursSource.choices,
        default=HoursSource.TEMPO_BILLABLE,
    )
    visibility = models.CharField(
        "Requests customers see",
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.PARTICIPANTS,
    )
    show_descriptions = models.BooleanField("Show worklog descriptions", default=True)
    show_worker_names = models.BooleanField("Show worker names", default=False)
    time_format = models.CharField(
        "Time format", max_length=20, choices=TimeFormat.choices, default=TimeFormat.DECIMAL
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        "Round each worklog up to", choices=Rounding.choices, default=Rounding.NONE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "report settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rounding_minutes__in=[0, 15, 30, 60]),
                name="report_settings_rounding_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(hours_source__in=["tempo_billable", "jira_logged"]),
                name="report_settings_hours_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Worklog Report settings of {self.project.key}"

    @classmethod
    def for_project(cls, project: JiraProject) -> ReportSettings:
        settings, _ = cls.objects.get_or_create(project=project)
        return settings

    @property
    def shows_tempo_hours(self) -> bool:
        return self.hours_source == self.HoursSource.TEMPO_BILLABLE


from .contracts import Contract  # noqa: E402,F401
