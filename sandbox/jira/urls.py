"""Routes of the emulated Jira, mounted at /jira/ (so JIRA_BASE_URL ends in /jira)."""

from __future__ import annotations

from django.urls import path, re_path

from sandbox.jira import api_platform, api_servicedesk

app_name = "sandbox_jira"

PLATFORM = "rest/api/3/"
PLATFORM_V2 = "rest/api/2/"
JSM = "rest/servicedeskapi/"

urlpatterns = [
    # Platform REST API v3: no trailing slashes, like Jira Cloud.
    path(f"{PLATFORM}field", api_platform.fields, name="fields"),
    path(f"{PLATFORM}project/search", api_platform.project_search, name="project_search"),
    path(f"{PLATFORM}project/<str:ref>", api_platform.project, name="project"),
    path(f"{PLATFORM}search/jql", api_platform.search, name="search"),
    path(
        f"{PLATFORM}search/approximate-count",
        api_platform.approximate_count,
        name="approximate_count",
    ),
    path(f"{PLATFORM}issue/<str:ref>", api_platform.issue, name="issue"),
    path(f"{PLATFORM}issue/<str:ref>/worklog", api_platform.issue_worklogs, name="issue_worklogs"),
    path(
        f"{PLATFORM}issue/<str:ref>/worklog/<str:worklog_id>",
        api_platform.issue_worklog,
        name="issue_worklog",
    ),
    path(f"{PLATFORM}user", api_platform.user, name="user"),
    path(f"{PLATFORM}issuetype/<str:ref>", api_platform.issue_type, name="issue_type"),
    path(f"{PLATFORM}status/<str:ref>", api_platform.status, name="status"),
    path(
        f"{PLATFORM}statuscategory/<str:ref>", api_platform.status_category, name="status_category"
    ),
    path(f"{PLATFORM}worklog/updated", api_platform.worklogs_updated, name="worklogs_updated"),
    path(f"{PLATFORM}worklog/deleted", api_platform.worklogs_deleted, name="worklogs_deleted"),
    path(f"{PLATFORM}worklog/list", api_platform.worklog_list, name="worklog_list"),
    path(f"{PLATFORM}myself", api_platform.myself, name="myself"),
    path(f"{PLATFORM}serverInfo", api_platform.server_info, name="server_info"),
    # REST API v2: only the routes that links handed out by Tempo, JSM and issue types point at.
    path(f"{PLATFORM_V2}issue/<str:ref>", api_platform.issue_v2, name="issue_v2"),
    path(f"{PLATFORM_V2}user", api_platform.user_v2, name="user_v2"),
    path(
        f"{PLATFORM_V2}universal_avatar/view/type/issuetype/avatar/<str:avatar_id>",
        api_platform.issue_type_avatar,
        name="issue_type_avatar",
    ),
    # JSM REST API.
    path(f"{JSM}servicedesk", api_servicedesk.service_desks, name="service_desks"),
    path(f"{JSM}servicedesk/<str:desk_ref>", api_servicedesk.service_desk, name="service_desk"),
    path(
        f"{JSM}servicedesk/<str:desk_ref>/organization",
        api_servicedesk.service_desk_organizations,
        name="service_desk_organizations",
    ),
    path(
        f"{JSM}servicedesk/<str:desk_ref>/customer",
        api_servicedesk.customers,
        name="customers",
    ),
    path(f"{JSM}organization", api_servicedesk.organizations, name="organizations"),
    path(
        f"{JSM}organization/<str:organization_id>",
        api_servicedesk.organization,
        name="organization",
    ),
    path(
        f"{JSM}organization/<str:organization_id>/user",
        api_servicedesk.organization_users,
        name="organization_users",
    ),
    path(f"{JSM}request/<str:request_ref>", api_servicedesk.customer_request, name="request"),
    path(
        f"{JSM}request/<str:request_ref>/participant",
        api_servicedesk.participants,
        name="participants",
    ),
    # Admin webhooks (rest/webhooks/1.0/webhook…) are mounted ahead of these by the root
    # routes (sandbox/webhooks/urls.py), so the catch-alls below do not see them.
    re_path(rf"^{JSM}", api_servicedesk.not_found),
    re_path(r"", api_platform.not_found),
]
