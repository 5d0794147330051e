from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Registration follows the Tempo integration, checks follow the sync loop's tick, and
        # changes left while a sync ran are applied once it ends (sync.signals).
        from . import receivers  # noqa: F401
