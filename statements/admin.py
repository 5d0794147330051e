from django.contrib import admin

from .models import Statement, StatementDelivery


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["month", "project", "organization_name", "request_count", "total_seconds"]
    list_filter = ["project", "month"]
    search_fields = ["organization_name"]
    # Kept as issued: what was sent is not edited afterwards.
    readonly_fields = [f.name for f in Statement._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(StatementDelivery)
class StatementDeliveryAdmin(admin.ModelAdmin):
    list_display = ["statement", "email", "status", "attempts", "error", "sent_at"]
    list_filter = ["status"]
    search_fields = ["email"]
