"""Root routes of the sandbox: one prefix per emulated service, plus the control endpoint.

Webhook registration sits under each service's prefix (/tempo/4/webhooks/…,
/jira/rest/webhooks/…) but is mounted here, ahead of the services' routes and their catch-all
404s (sandbox/webhooks/urls.py: the webhooks app sits above Tempo and Jira, which do not
import it); its control is under /_sandbox/webhooks (sandbox/webhooks/control.py).

Tempo lives under /tempo/ (API at /tempo/4/, settings pages at /tempo/settings/), Jira and
JSM under /jira/ (/jira/rest/api/3/, /jira/rest/servicedeskapi/), the loopback-only control
endpoint under /_sandbox/.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import TemplateView

from sandbox import (
    control,
    converters,  # noqa: F401  (registers id64)
    drift_views,
    json_errors,
    oauth_control,
    tempo_control,
)
from sandbox.tempo import oauth
from sandbox.webhooks import control as webhook_control

urlpatterns = [
    path(
        "",
        TemplateView.as_view(
            template_name="sandbox/home.html",
            extra_context={"jira_email": settings.SANDBOX_JIRA_EMAIL},
        ),
        name="home",
    ),
    # Before Tempo's and Jira's routes, whose catch-alls would answer these paths with 404s.
    path("", include("sandbox.webhooks.urls")),
    path("tempo/", include("sandbox.tempo.urls")),
    # Tempo's legacy authorization URL lives on the Jira site (Connect installs), so it is
    # mounted before Jira's routes; it is a page, not a Jira API route (json_errors, faults).
    path(
        f"{json_errors.LEGACY_TEMPO_AUTHORIZE.lstrip('/')}",
        oauth.authorize,
        name="tempo_oauth_authorize_legacy",
    ),
    path("jira/", include("sandbox.jira.urls")),
    path("_sandbox/health", control.health, name="control_health"),
    path("_sandbox/tokens", control.mint_token, name="control_tokens"),
    path("_sandbox/tokens/delete", control.delete_token, name="control_delete_token"),
    path("_sandbox/tokens/regenerate", control.regenerate_token, name="control_regenerate_token"),
    # Tempo OAuth 2.0 applications and tokens (oauth_control.py).
    path(
        "_sandbox/oauth/applications",
        oauth_control.create_application,
        name="control_oauth_applications",
    ),
    path(
        "_sandbox/oauth/applications/delete",
        oauth_control.delete_application,
        name="control_oauth_delete_application",
    ),
    path(
        "_sandbox/oauth/applications/new-secret",
        oauth_control.new_secret,
        name="control_oauth_new_secret",
    ),
    path("_sandbox/oauth/authorize", oauth_control.authorize, name="control_oauth_authorize"),
    path("_sandbox/oauth/expire", oauth_control.expire, name="control_oauth_expire"),
    path("_sandbox/oauth/revoke", oauth_control.revoke, name="control_oauth_revoke"),
    path("_sandbox/oauth/lifetimes", oauth_control.lifetimes, name="control_oauth_lifetimes"),
    path("_sandbox/oauth/tokens", oauth_control.tokens, name="control_oauth_tokens"),
    path("_sandbox/faults", control.faults, name="control_faults"),
    path("_sandbox/profile", control.profile, name="control_profile"),
    path("_sandbox/behaviours", control.behaviours, name="control_behaviours"),
    path("_sandbox/requests", control.request_count, name="control_requests"),
    path("_sandbox/requests/reset", control.reset_request_count, name="control_requests_reset"),
    # Data drift (drift.py): what people change in Jira and Tempo between two syncs.
    path("_sandbox/jira/requests", drift_views.requests, name="drift_requests"),
    path("_sandbox/jira/requests/<str:ref>", drift_views.request_detail, name="drift_request"),
    path(
        "_sandbox/jira/requests/<str:ref>/move", drift_views.request_move, name="drift_request_move"
    ),
    path(
        "_sandbox/jira/organizations/<str:organization_id>/members",
        drift_views.organization_members,
        name="drift_organization_members",
    ),
    path(
        "_sandbox/jira/organizations/<str:organization_id>/members/<str:account>",
        drift_views.organization_member,
        name="drift_organization_member",
    ),
    path("_sandbox/jira/projects/<str:ref>", drift_views.project_detail, name="drift_project"),
    path("_sandbox/jira/users/<str:account>", drift_views.jira_user_detail, name="drift_jira_user"),
    path(
        "_sandbox/jira/users/<str:account>/access",
        drift_views.jira_user_access,
        name="drift_jira_user_access",
    ),
    path(
        "_sandbox/jira/users/<str:account>/email",
        drift_views.jira_user_email,
        name="drift_jira_user_email",
    ),
    path("_sandbox/jira/worklogs", drift_views.jira_worklogs, name="drift_jira_worklogs"),
    path(
        "_sandbox/jira/worklogs/<id64:worklog_id>",
        drift_views.jira_worklog_detail,
        name="drift_jira_worklog",
    ),
    path("_sandbox/tempo/worklogs", drift_views.tempo_worklogs, name="drift_tempo_worklogs"),
    path(
        "_sandbox/tempo/worklogs/<id64:worklog_id>",
        drift_views.tempo_worklog_detail,
        name="drift_tempo_worklog",
    ),
    # Tempo's backup data (tempo_control.py): timesheet statuses, totals of every data set.
    path("_sandbox/tempo/approvals", tempo_control.set_approval, name="control_tempo_approvals"),
    path("_sandbox/tempo/counts", tempo_control.counts, name="control_tempo_counts"),
    # Webhooks (sandbox/webhooks/control.py): subscriptions, deliveries, sender settings.
    path("_sandbox/webhooks", webhook_control.state, name="control_webhooks"),
    path("_sandbox/webhooks/settings", webhook_control.settings, name="control_webhook_settings"),
    path("_sandbox/webhooks/reset", webhook_control.reset, name="control_webhooks_reset"),
    re_path(r"^_sandbox/", json_errors.control_not_found),
]
