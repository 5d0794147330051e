from django.apps import AppConfig


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = "Contract alerts"

    def ready(self) -> None:
        # The check is queued after every sync (sync.signals.sync_finished).
        from . import receivers  # noqa: F401
