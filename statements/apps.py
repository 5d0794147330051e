from django.apps import AppConfig


class StatementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "statements"
    verbose_name = "Monthly statements"

    def ready(self) -> None:
        # Last month's statements are drawn up after a sync (sync.signals.sync_finished).
        from . import receivers  # noqa: F401
