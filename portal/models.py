"""Per-project Worklog Report settings with the hours rules (docs/product.md §4.3, General tab),
and contracts of hours (§4.3, Contract management tab; their usage is ``portal.contracts``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import Combinable, ExpressionWrapper

from jsm.models import JiraProject, JiraWorklog, JiraWorklogMonth, Organization
from sync.models import SyncRun
from tempo_integration.models import Worklog, WorklogMonth

from . import contract_sentences as sentences
from .visibility import organization_requests

MIN_HOURS = Decimal("0.01")
MAX_HOURS = Decimal("100000")
MAX_DAYS = 3653  # a contract's longest period: ten years, leap days included


@dataclass(frozen=True)
class Source:
    """Where the hours customers see come from: the worklog model, its seconds field, the
    sync that fills it, and its month summary (``worklog_report.month_summary``)."""

    model: type[models.Model]
    seconds_field: str
    sync_kind: str
    summary: type[models.Model]


class ReportSettings(models.Model):
    class HoursSource(models.TextChoices):
        TEMPO_BILLABLE = "tempo_billable", "Billable hours (Tempo)"
        JIRA_LOGGED = "jira_logged", "Logged time (Jira)"
        TEMPO_APPROVED = "tempo_approved", "Billable hours of approved timesheets only (Tempo)"

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
    # The statements app draws them up (docs/product.md §4.6); customers may opt out of the
    # e-mail, never of the statement in the portal.
    monthly_statements = models.BooleanField("Send monthly statements", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "report settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rounding_minutes__in=[0, 15, 30, 60]),
                name="report_settings_rounding_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    hours_source__in=["tempo_billable", "jira_logged", "tempo_approved"]
                ),
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
        return self.hours_source in (
            self.HoursSource.TEMPO_BILLABLE,
            self.HoursSource.TEMPO_APPROVED,
        )

    @property
    def approved_only(self) -> bool:
        """Only worklogs whose author's Tempo timesheet for the period is approved count; the
        others are pending ("awaiting approval"), shown apart and never in a total."""
        return self.hours_source == self.HoursSource.TEMPO_APPROVED

    @property
    def shares_with_organizations(self) -> bool:
        """The project lets customers see requests shared with their organizations."""
        return self.visibility == self.Visibility.ORGANIZATIONS

    # -- The hours rules: every report, chart, CSV and contract number asks these --------------

    @property
    def source(self) -> Source:
        """Tempo's billable seconds (``Worklog``) or Jira's logged time (``JiraWorklog``)."""
        if self.hours_source == self.HoursSource.JIRA_LOGGED:
            return Source(JiraWorklog, "time_spent_seconds", SyncRun.Kind.JIRA, JiraWorklogMonth)
        return Source(Worklog, "billable_seconds", SyncRun.Kind.TEMPO, WorklogMonth)

    def counted(self) -> Q:
        """Which of the source's worklogs count: all of them, or on approved timesheets only
        the approved ones (``Worklog.approved``, kept by the Tempo sync)."""
        return Q(approved=True) if self.approved_only else Q()

    def counted_worklogs(self) -> models.QuerySet:
        """The source's worklogs that count in totals, rows, chart, CSV and contracts."""
        return self.source.model.objects.filter(self.counted())

    def shown_seconds(self) -> Combinable:
        """The seconds customers see for one worklog, as an SQL expression on the source's
        model: the source's seconds, rounded up per worklog to ``rounding_minutes``."""
        seconds = F(self.source.seconds_field)
        step = self.rounding_minutes * 60
        if not step:
            return seconds
        # Integer division on both SQLite and PostgreSQL: ceil(s / step) * step, and 0 stays 0.
        return ExpressionWrapper(
            (seconds + (step - 1)) / step * step, output_field=models.IntegerField()
        )


class ContractQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> ContractQuerySet:
        return self.filter(start_date__lte=day, end_date__gte=day)

    def in_scope(self, organization: Organization | int | None) -> ContractQuerySet:
        """Contracts of the same scope: project-wide ones, or those of one organization."""
        if organization is None:
            return self.filter(organization__isnull=True)
        return self.filter(organization=organization)

    def overlapping(
        self, start: dt.date, end: dt.date, exclude_pk: int | None = None
    ) -> ContractQuerySet:
        return self.filter(start_date__lte=end, end_date__gte=start).exclude(pk=exclude_pk)


class Contract(models.Model):
    """Hours a project's customers have bought: for the whole project or one organization.

    Rules the form enforces (and, where SQL can say it, the database): the end is on or after
    the start, the hours are more than 0 and at most 100,000 with two decimals, the
    organization belongs to the project, and two contracts of the same scope never overlap,
    so at any day there is at most one project-wide contract and one per organization.
    """

    class Type(models.TextChoices):
        MONTHLY = "monthly", "Monthly contract hours"
        FIXED = "fixed", "Fixed contract hours"

    project = models.ForeignKey(JiraProject, on_delete=models.CASCADE, related_name="contracts")
    type = models.CharField("Type", max_length=10, choices=Type.choices, default=Type.MONTHLY)
    start_date = models.DateField("Start date")
    end_date = models.DateField("End date")
    hours = models.DecimalField(
        "Hours",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(MIN_HOURS), MaxValueValidator(MAX_HOURS)],
    )
    description = models.CharField("Description", max_length=200, blank=True)
    # Jira deletes organizations; their contracts mean nothing without them.
    organization = models.ForeignKey(
        Organization,
        verbose_name="Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contracts",
    )
    carry_over = models.BooleanField("Carry unused hours over to the next month", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["project", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="contract_end_not_before_start",
                violation_error_message=sentences.END_BEFORE_START,
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="contract_hours_positive",
                violation_error_message=sentences.HOURS_POSITIVE,
            ),
            models.CheckConstraint(
                condition=Q(hours__lte=MAX_HOURS),
                name="contract_hours_at_most_max",
                violation_error_message=sentences.HOURS_TOO_MANY,
            ),
            models.CheckConstraint(
                condition=Q(type__in=["monthly", "fixed"]), name="contract_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(carry_over=False) | Q(type="monthly"),
                name="contract_carry_over_only_monthly",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} of {self.scope_label}, {self.period_label}"

    @property
    def is_monthly(self) -> bool:
        return self.type == self.Type.MONTHLY

    @property
    def type_word(self) -> str:
        return "monthly" if self.is_monthly else "fixed"

    @property
    def seconds(self) -> int:
        """The contracted hours in seconds (a month's for monthly contracts)."""
        return int(self.hours * 3600)

    @property
    def scope_label(self) -> str:
        return self.organization.name if self.organization_id else "Whole project"

    @property
    def period_label(self) -> str:
        return sentences.period_label(self.start_date, self.end_date)

    def status_on(self, day: dt.date) -> str:
        if day < self.start_date:
            return "upcoming"
        return "ended" if day > self.end_date else "active"

    def overlapping_contract(self) -> Contract | None:
        """The first contract of the same project and scope whose period meets this one's."""
        return (
            Contract.objects.filter(project_id=self.project_id)
            .in_scope(self.organization_id)
            .overlapping(self.start_date, self.end_date, exclude_pk=self.pk)
            .select_related("organization")
            .order_by("start_date", "pk")
            .first()
        )

    def worklog_scope(self) -> Q:
        """Which worklogs count, by request: every request of the project, or for an
        organization's contract the organization's requests (``portal.visibility`` says which
        those are). (Applied on top of a filter on the project.)"""
        if not self.organization_id:
            return Q()
        requests = organization_requests(self.project_id, self.organization_id)
        return Q(request__in=requests.values("pk"))


class DataVersion(models.Model):
    """One row: a number that grows whenever synced data may have changed (a sync round
    finished, a webhook's targeted sync changed worklogs or requests, a worklog or request
    saved or deleted one at a time). Shared by every web process through the database, it
    keys what is computed once per change of the data (``ContractUsageSnapshot``)."""

    ROW = 1

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Data version {self.version}"

    @classmethod
    def bump(cls) -> None:
        """One UPDATE (an INSERT the first time): quick enough for a signal receiver."""
        if not cls.objects.filter(pk=cls.ROW).update(version=F("version") + 1):
            cls.objects.get_or_create(pk=cls.ROW, defaults={"version": 1})


class ContractUsageSnapshot(models.Model):
    """What the report's contract panel read from the worklogs, for one contract, as long as
    ``key`` (the contract's terms, the hours rules, the day and the data's version: see
    ``portal.usage_cache``) stays the same. In the database, so every web process shares it
    and a rolled-back transaction takes its snapshot with it."""

    contract = models.OneToOneField(
        Contract, on_delete=models.CASCADE, related_name="usage_snapshot"
    )
    key = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Usage snapshot of contract {self.contract_id}"
