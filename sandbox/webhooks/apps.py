from __future__ import annotations

from django.apps import AppConfig


class SandboxWebhooksConfig(AppConfig):
    name = "sandbox.webhooks"
    # Distinct from every app label of the main project, so both can share a test run.
    label = "sandbox_webhooks"
    verbose_name = "Sandbox webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # sandbox.tempo sits below this app: it announces its API's worklog deletions with a
        # signal rather than importing events.py (events.py's docstring).
        from sandbox.tempo.signals import worklogs_deleting
        from sandbox.webhooks import events

        worklogs_deleting.connect(
            events.tempo_worklogs_deleting,
            dispatch_uid="sandbox.webhooks.events.tempo_worklogs_deleting",
        )
