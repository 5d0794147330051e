from __future__ import annotations

from django.apps import AppConfig


class SandboxCoreConfig(AppConfig):
    name = "sandbox"
    # Distinct from every app label of the main project, so both can share a test run.
    label = "sandbox_core"
    verbose_name = "Sandbox"
    default_auto_field = "django.db.models.BigAutoField"
