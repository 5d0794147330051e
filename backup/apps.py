from django.apps import AppConfig


class BackupConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backup"
    verbose_name = "Tempo backup"

    def ready(self) -> None:
        # The daily backup starts from the sync loop's tick (sync.signals.loop_tick).
        from . import schedule  # noqa: F401
