"""Threshold alerts of contracts (docs/product.md §4.6): who is told, at which levels, and
every e-mail claimed, sent or failed.

``AlertDelivery`` is the "once" of "once per level per window per recipient": its unique
constraint is claimed before an e-mail is sent, so a re-sync, a restarted worker or two
workers checking at once never send it twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import Contract
from worklog_report.deliveries import STATUS_VALID, Delivery

DEFAULT_LEVELS = [80, 100]


def default_levels() -> list[int]:
    return list(DEFAULT_LEVELS)


class AlertSettings(models.Model):
    """One row per contract, made with the defaults the first time it is asked for."""

    contract = models.OneToOneField(
        Contract, on_delete=models.CASCADE, related_name="alert_settings"
    )
    # Whole percents of the window's available hours, ascending, no duplicates (the form
    # checks them; alerts.levels parses them).
    levels = models.JSONField("Alert levels", default=default_levels)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="contract_alerts"
    )
    email_customers = models.BooleanField("Also e-mail the organization's customers", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"Alert settings of {self.contract}"

    @classmethod
    def for_contract(cls, contract: Contract) -> AlertSettings:
        alert_settings, _ = cls.objects.get_or_create(contract=contract)
        return alert_settings


class AlertDeliveryQuerySet(models.QuerySet):
    def problems(self) -> AlertDeliveryQuerySet:
        """Failed e-mails, newest first: what the Contract management page shows."""
        return self.filter(status=AlertDelivery.Status.FAILED).order_by("-updated_at")


class AlertDelivery(Delivery):
    """One e-mail: a level of a contract crossed in a window, for one address."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="alerts")
    window_start = models.DateField()
    level = models.PositiveSmallIntegerField()

    objects = AlertDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "contract alert"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "window_start", "level", "email"],
                name="alert_once_per_window_level_recipient",
            ),
            models.CheckConstraint(condition=STATUS_VALID, name="alert_delivery_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.level} % alert of {self.contract} to {self.email}: {self.status}"
