"""The webhook registration routes, under the Tempo and Jira prefixes, mounted by the root
routes (sandbox/urls.py) ahead of those services' own routes and their catch-all 404s.

They live here, not in sandbox/tempo/urls.py and sandbox/jira/urls.py, because this app sits
above Tempo and Jira (it reads their models and answers in their shapes), and those do not
import it. Each list's paths are relative to its service's prefix, as in the service's urls.
"""

from __future__ import annotations

from django.urls import include, path

from sandbox.webhooks import jira_api, tempo_api

app_name = "sandbox_webhooks"

# Under /tempo/: Tempo's webhook subscriptions (tempo_api.py).
tempo_urlpatterns = [
    path("4/webhooks/subscriptions", tempo_api.subscriptions, name="tempo_subscriptions"),
    path(
        "4/webhooks/subscriptions/<uuid:subscription_id>",
        tempo_api.subscription,
        name="tempo_subscription",
    ),
    path(
        "4/webhooks/subscriptions/<uuid:subscription_id>/refresh",
        tempo_api.refresh,
        name="tempo_subscription_refresh",
    ),
]

# Under /jira/: Jira's admin webhooks (jira_api.py).
jira_urlpatterns = [
    path("rest/webhooks/1.0/webhook", jira_api.webhooks, name="jira_webhooks"),
    path("rest/webhooks/1.0/webhook/<str:webhook_id>", jira_api.webhook, name="jira_webhook"),
]

urlpatterns = [
    path("tempo/", include(tempo_urlpatterns)),
    path("jira/", include(jira_urlpatterns)),
]
