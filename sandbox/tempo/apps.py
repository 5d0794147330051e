from __future__ import annotations

from django.apps import AppConfig


class SandboxTempoConfig(AppConfig):
    name = "sandbox.tempo"
    label = "sandbox_tempo"
    verbose_name = "Sandbox: Tempo"
    default_auto_field = "django.db.models.BigAutoField"
