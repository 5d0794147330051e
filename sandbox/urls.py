"""Root routes of the sandbox: one prefix per emulated service, plus the control endpoint.

Tempo lives under /tempo/ (API at /tempo/4/, settings pages at /tempo/settings/), Jira and
JSM under /jira/, the loopback-only control endpoint under /_sandbox/.
"""

from __future__ import annotations

from django.urls import include, path
from django.views.generic import TemplateView

from sandbox import control

urlpatterns = [
    path("", TemplateView.as_view(template_name="sandbox/home.html"), name="home"),
    path("tempo/", include("sandbox.tempo.urls")),
    path("jira/", include("sandbox.jira.urls")),
    path("_sandbox/health", control.health, name="control_health"),
    path("_sandbox/tokens", control.mint_token, name="control_tokens"),
    path("_sandbox/tokens/delete", control.delete_token, name="control_delete_token"),
    path("_sandbox/tokens/regenerate", control.regenerate_token, name="control_regenerate_token"),
    path("_sandbox/faults", control.faults, name="control_faults"),
    path("_sandbox/requests", control.request_count, name="control_requests"),
    path("_sandbox/requests/reset", control.reset_request_count, name="control_requests_reset"),
]
