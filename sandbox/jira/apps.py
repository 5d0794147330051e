from __future__ import annotations

from django.apps import AppConfig


class SandboxJiraConfig(AppConfig):
    name = "sandbox.jira"
    label = "sandbox_jira"
    verbose_name = "Sandbox: Jira"
    default_auto_field = "django.db.models.BigAutoField"
