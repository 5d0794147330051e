from django.contrib import admin

from .models import AlertDelivery


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = ["contract", "window_start", "level", "email", "status", "attempts", "error"]
    list_filter = ["status"]
    search_fields = ["email"]
