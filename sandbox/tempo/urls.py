"""Routes of the emulated Tempo, mounted at /tempo/ (so TEMPO_BASE_URL ends in /tempo)."""

from __future__ import annotations

from django.urls import path, re_path

from sandbox import converters  # noqa: F401  (registers id64)
from sandbox.tempo import api, approvals, lists, oauth, oauth_pages, papertrail, settings_pages

app_name = "sandbox_tempo"

urlpatterns = [
    # API v4: no trailing slashes, like api.tempo.io.
    path("4/worklogs", api.worklogs, name="worklogs"),
    path("4/worklogs/search", api.search_worklogs, name="search_worklogs"),
    path("4/worklogs/project/<id64:project_id>", api.project_worklogs, name="project_worklogs"),
    path("4/worklogs/issue/<id64:issue_id>", api.issue_worklogs, name="issue_worklogs"),
    path("4/worklogs/user/<str:account_id>", api.user_worklogs, name="user_worklogs"),
    path("4/worklogs/<id64:worklog_id>", api.worklog, name="worklog"),
    path(
        "4/worklogs/<id64:worklog_id>/work-attribute-values",
        api.work_attribute_values,
        name="work_attribute_values",
    ),
    path(
        "4/worklogs/<id64:worklog_id>/work-attribute-values/<str:key>",
        api.work_attribute_value,
        name="work_attribute_value",
    ),
    # The other list routes, the ones a backup reads (API-CONTRACTS.md §1).
    *(
        path(f"4/{route}", lists.offset_route(route, scope), name=route)
        for route, scope in lists.OFFSET_ROUTES.items()
    ),
    *(
        path(f"4/{route}", lists.one_page_route(route, scope), name=route)
        for route, scope in lists.ONE_PAGE_ROUTES.items()
    ),
    path("4/holiday-schemes/<id64:scheme_id>/holidays", lists.holidays, name="holidays"),
    path("4/plans", lists.plans, name="plans"),
    path("4/periods", lists.periods, name="periods"),
    path("4/team-memberships/team/<id64:team_id>", lists.team_memberships, name="team_memberships"),
    path("4/account-links/account/<str:account_key>", lists.account_links, name="account_links"),
    path(
        "4/timesheet-approvals/team/<id64:team_id>",
        approvals.team_approvals,
        name="team_approvals",
    ),
    path(
        "4/timesheet-approvals/user/<str:account_id>",
        approvals.user_approval,
        name="user_approval",
    ),
    path("4/timesheet-approvals/waiting", approvals.waiting_approvals, name="waiting_approvals"),
    # Tempo's audit log: worklog deletions (papertrail.py).
    path("4/papertrail/search", papertrail.search, name="papertrail_search"),
    # Webhook subscriptions (4/webhooks/subscriptions…) are mounted ahead of these by the
    # root routes (sandbox/webhooks/urls.py), so the catch-all below does not see them.
    re_path(r"^4/", api.not_found),
    # Settings › API Integration.
    path("settings/api-integration/", settings_pages.token_list, name="token_list"),
    path("settings/api-integration/new/", settings_pages.token_new, name="token_new"),
    path(
        "settings/api-integration/<id64:token_id>/value/",
        settings_pages.token_value,
        name="token_value",
    ),
    path(
        "settings/api-integration/<id64:token_id>/edit/",
        settings_pages.token_edit,
        name="token_edit",
    ),
    path(
        "settings/api-integration/<id64:token_id>/regenerate/",
        settings_pages.token_regenerate,
        name="token_regenerate",
    ),
    path(
        "settings/api-integration/<id64:token_id>/delete/",
        settings_pages.token_delete,
        name="token_delete",
    ),
    # Settings › OAuth 2.0 Applications.
    path("settings/oauth-applications/", oauth_pages.application_list, name="oauth_list"),
    path("settings/oauth-applications/new/", oauth_pages.application_new, name="oauth_new"),
    path(
        "settings/oauth-applications/<id64:application_id>/",
        oauth_pages.application_credentials,
        name="oauth_application",
    ),
    path(
        "settings/oauth-applications/<id64:application_id>/edit/",
        oauth_pages.application_edit,
        name="oauth_edit",
    ),
    path(
        "settings/oauth-applications/<id64:application_id>/delete/",
        oauth_pages.application_delete,
        name="oauth_delete",
    ),
    # OAuth 2.0 (authorization code): the consent page, the token and revocation endpoints.
    path("oauth/authorize/redirect", oauth.authorize, name="oauth_authorize"),
    path("oauth/token/", oauth.token, name="oauth_token"),
    path("oauth/revoke_token/", oauth.revoke_token, name="oauth_revoke_token"),
]
