"""Read-only views of the webhook records for the Django admin; never a secret."""

from django.contrib import admin

from .models import PendingChange, SeenEvent, Subscription


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnly):
    list_display = ["service", "event", "status", "last_event_at", "events_received"]
    # The encrypted secret and its key id are left out on purpose.
    fields = [
        "service",
        "event",
        "status",
        "problem",
        "remote_id",
        "url",
        "registered_at",
        "checked_at",
        "last_event_at",
        "events_received",
    ]


@admin.register(PendingChange)
class PendingChangeAdmin(ReadOnly):
    list_display = ["kind", "remote_id", "issue_id", "received_at"]


@admin.register(SeenEvent)
class SeenEventAdmin(ReadOnly):
    list_display = ["service", "event_id", "received_at"]
