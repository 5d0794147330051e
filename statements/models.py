"""Monthly statements (docs/product.md §4.6): one per organization and month of a project,
drawn up once from the month's hours and kept as issued (the PDF and CSV that were sent);
the e-mails that carried them; and the customers who asked for no more of them.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from jsm.models import Customer, JiraProject, Organization
from portal.visibility import organization_documents_visible_to, organization_scope_allowed
from worklog_report.deliveries import STATUS_VALID, Delivery


class StatementQuerySet(models.QuerySet):
    def newest_first(self) -> StatementQuerySet:
        return self.order_by("-month", "organization_name", "pk")


class Statement(models.Model):
    """What an organization's requests of a project got in one calendar month.

    ``content`` is the statement as drawn up (rows, total, contract position; seconds, local
    days), ``pdf`` and ``csv`` the documents made from it: later syncs change the report,
    never an issued statement. The organization's name is kept, so a statement of an
    organization Jira deleted stays readable by staff.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(JiraProject, on_delete=models.CASCADE, related_name="statements")
    organization = models.ForeignKey(
        Organization, null=True, on_delete=models.SET_NULL, related_name="statements"
    )
    organization_name = models.CharField(max_length=255)
    month = models.DateField(help_text="The first day of the calendar month it covers.")
    total_seconds = models.BigIntegerField()
    request_count = models.PositiveIntegerField()
    content = models.JSONField()
    pdf = models.BinaryField()
    csv = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization", "month"],
                name="statement_once_per_organization_month",
            ),
        ]

    def __str__(self) -> str:
        return f"Statement of {self.organization_name}, {self.project.key}, {self.month:%B %Y}"

    @property
    def file_stem(self) -> str:
        """``ITSD-Acme-statement-2026-11``: the name of its PDF and CSV (ASCII, no spaces)."""
        name = "".join(c if c.isascii() and c.isalnum() else "-" for c in self.organization_name)
        name = "-".join(part for part in name.split("-") if part) or "organization"
        return f"{self.project.key}-{name}-statement-{self.month:%Y-%m}"


class StatementRun(models.Model):
    """A project's statements of a month were drawn up: the automatic drawing up (after the
    syncs of a new month) happens once, so a worklog synced later changes no statement and
    makes none."""

    project = models.ForeignKey(JiraProject, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    statements = models.PositiveIntegerField()
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="statement_run_once"),
        ]

    def __str__(self) -> str:
        return f"Statements of {self.project.key} for {self.month:%B %Y}"


class StatementDelivery(Delivery):
    """One statement e-mailed to one customer's address (sent once: see
    ``worklog_report.deliveries``)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="deliveries")

    class Meta:
        verbose_name = "statement e-mail"
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "email"], name="statement_once_per_recipient"
            ),
            models.CheckConstraint(condition=STATUS_VALID, name="statement_delivery_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.statement} to {self.email}: {self.status}"


class StatementOptOut(models.Model):
    """A customer who wants no statement e-mails of a project (they still see the statements
    in the portal). Made by the signed link in each e-mail or the portal's switch."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(JiraProject, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "project"], name="statement_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} gets no statement e-mails of {self.project.key}"


def opted_out(project_id: int) -> Q:
    """Customers who opted out of the project's statement e-mails (a filter on Customer)."""
    return Q(pk__in=StatementOptOut.objects.filter(project=project_id).values("customer"))


def statements_visible_to(user, project: JiraProject, report_settings) -> models.QuerySet:
    """The statements of ``project`` that ``user`` may see: staff all of them; a customer
    those of the organizations they belong to now (``portal.visibility``), while the project
    shares requests with organizations — a statement lists an organization's requests, which
    customers of a project that does not share them never see; anyone else none."""
    statements = Statement.objects.filter(project=project)
    if not user.is_staff and not organization_scope_allowed(report_settings):
        return statements.none()
    return organization_documents_visible_to(user, statements)
