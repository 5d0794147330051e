from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync"

    def ready(self) -> None:
        from tempo_integration.signals import token_added

        from .tasks import request_sync

        def sync_after_token_added(sender, **kwargs) -> None:
            request_sync()  # in the background: the worker brings the worklogs in

        token_added.connect(sync_after_token_added, weak=False, dispatch_uid="sync.token_added")
