from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import Statement, StatementDelivery


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """Kept as issued: read-only, the documents as links (never their bytes on the page)."""

    list_display = ["month", "project", "organization_name", "request_count", "total_seconds"]
    list_filter = ["project", "month"]
    list_select_related = ["project"]
    search_fields = ["organization_name"]
    fields = readonly_fields = [
        "public_id",
        "project",
        "organization",
        "organization_name",
        "month",
        "request_count",
        "total_seconds",
        "documents",
        "created_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf", "csv", "content")

    @admin.display(description="Documents")
    def documents(self, statement: Statement) -> str:
        args = [statement.project.key, statement.public_id]
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">CSV</a>',
            reverse("statements:pdf", args=args),
            reverse("statements:csv", args=args),
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StatementDelivery)
class StatementDeliveryAdmin(admin.ModelAdmin):
    list_display = ["statement", "email", "status", "attempts", "error", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["statement__project"]
    search_fields = ["email"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("statement__pdf", "statement__csv")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
