"""The emulated Jira Cloud platform REST API v3 routes (API-CONTRACTS.md §3)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.jira import jql
from sandbox.jira.auth import jira_api
from sandbox.jira.errors import PLATFORM, JiraError, error_response
from sandbox.jira.fields import FIELDS, ORGANIZATIONS_FIELD, PARTICIPANTS_FIELD
from sandbox.jira.models import DeletedWorklog, Issue, JiraUser, JiraWorklog, Project, as_id
from sandbox.jira.paging import (
    EPOCH_MS_MAX,
    SearchCursor,
    integer_param,
    offset_page,
    whole_milliseconds,
)
from sandbox.jira.serializers import (
    ISSUE_FIELDS,
    Serializer,
    epoch_ms,
    from_epoch_ms,
    jira_time,
)
from sandbox.models import Behaviour, Quirk

SEARCH_DEFAULT_MAX_RESULTS = 50
SEARCH_MAX_RESULTS = 100  # (assumed) per page when fields beyond id/key are asked for
SEARCH_MAX_IDS = 5000  # per page when only ids or keys are asked for
ID_FIELDS = {"id", "key"}
WORKLOGS_MAX_RESULTS = 5000
CHANGES_PAGE_SIZE = 1000
WORKLOG_LIST_MAX_IDS = 1000
REMOVED_SEARCH = re.compile(r"/rest/api/(?P<version>[23])/search/?$")


@require_GET
@jira_api(PLATFORM)
def fields(request: HttpRequest) -> HttpResponse:
    return JsonResponse(FIELDS, safe=False)


@require_GET
@jira_api(PLATFORM)
def project_search(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.order_by("key")
    type_keys = [t.strip() for t in request.GET.get("typeKey", "").split(",") if t.strip()]
    if type_keys:
        projects = projects.filter(project_type_key__in=type_keys)
    text = request.GET.get("query", "").strip()
    if text:
        projects = projects.filter(Q(key__icontains=text) | Q(name__icontains=text))
    if not projects.exists():
        raise JiraError(404, "No projects found.")
    return JsonResponse(offset_page(request, projects, Serializer(request).project))


@require_GET
@jira_api(PLATFORM)
def project(request: HttpRequest, ref: str) -> HttpResponse:
    found = Project.objects.by_ref(ref)
    if found is None:
        kind = "key" if as_id(ref) is None else "id"
        raise JiraError(404, f"No project could be found with {kind} '{ref}'.")
    return JsonResponse(Serializer(request).project(found))


@require_http_methods(["GET", "POST"])
@jira_api(PLATFORM)
def search(request: HttpRequest) -> HttpResponse:
    """Enhanced JQL search: only the requested fields, `nextPageToken` until the last page."""
    params = _search_params(request)
    query_text = str(params.get("jql") or "")
    query = jql.parse(query_text)
    names = _field_names(params.get("fields"))
    largest = SEARCH_MAX_IDS if names is None or set(names) <= ID_FIELDS else SEARCH_MAX_RESULTS
    asked = integer_param(params, "maxResults", SEARCH_DEFAULT_MAX_RESULTS)
    max_results = min(max(asked, 1), largest)
    field_names = None if names is None else _issue_fields(names)
    cursor = SearchCursor.read(params.get("nextPageToken"), query_text)

    issues = query.apply(Issue.objects.all())
    if field_names:
        issues = issues.select_related("project", "reporter")
        if PARTICIPANTS_FIELD in field_names:
            issues = issues.prefetch_related("participants")
        if ORGANIZATIONS_FIELD in field_names:
            issues = issues.prefetch_related("organizations")
    window = list(issues[cursor.offset : cursor.offset + max_results + 1])
    serializer = Serializer(request)
    page: dict[str, Any] = {
        "issues": [
            serializer.issue(issue, field_names)
            for issue in _eventually_consistent(window[:max_results])
        ]
    }
    if len(window) > max_results:
        page["nextPageToken"] = SearchCursor(cursor.offset + max_results, query_text).token()
    page["isLast"] = "nextPageToken" not in page
    return JsonResponse(page)


def _eventually_consistent(issues: list[Issue]) -> list[Issue]:
    """The page as Jira may answer it: an issue switched to "search omits it" is left out of
    this response (the page is then short, which Jira allows; JRACLOUD-96208, Atlassian's
    "search and reconcile" guide)."""
    omitted = Quirk.active_targets(Behaviour.SEARCH_OMITS_ISSUE)
    if not omitted:
        return issues
    return [
        issue
        for issue in issues
        if str(issue.pk) not in omitted
        or not Quirk.take(Behaviour.SEARCH_OMITS_ISSUE, str(issue.pk))
    ]


@require_GET
@jira_api(PLATFORM)
def issue(request: HttpRequest, ref: str) -> HttpResponse:
    """`GET /rest/api/3/issue/{issueIdOrKey}`: one issue, read directly (not through the
    eventually consistent search index), with every field unless `fields` names some; 404
    when it does not exist. A moved issue answers with its new key and project."""
    found = _issue(ref)
    names = _field_names(request.GET.get("fields"))
    field_names = ISSUE_FIELDS if names is None else _issue_fields(names)
    return JsonResponse(Serializer(request).issue(found, field_names))


@require_GET
@jira_api(PLATFORM)
def issue_worklogs(request: HttpRequest, ref: str) -> HttpResponse:
    issue = _issue(ref)
    start_at = integer_param(request.GET, "startAt", 0)
    max_results = min(
        integer_param(request.GET, "maxResults", WORKLOGS_MAX_RESULTS), WORKLOGS_MAX_RESULTS
    )
    worklogs = issue.worklogs.select_related("author", "update_author").order_by("started", "id")
    if "startedAfter" in request.GET:
        started_after = from_epoch_ms(integer_param(request.GET, "startedAfter", 0, EPOCH_MS_MAX))
        worklogs = worklogs.filter(started__gte=started_after)
    if "startedBefore" in request.GET:
        started_before = from_epoch_ms(integer_param(request.GET, "startedBefore", 0, EPOCH_MS_MAX))
        worklogs = worklogs.filter(started__lt=started_before)
    serializer = Serializer(request)
    return JsonResponse(
        {
            "startAt": start_at,
            "maxResults": max_results,
            "total": worklogs.count(),
            "worklogs": [
                serializer.worklog(worklog)
                for worklog in worklogs[start_at : start_at + max_results]
            ],
        }
    )


@require_GET
@jira_api(PLATFORM)
def worklogs_updated(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_changes(request, JiraWorklog.objects.all(), "updated", "id"))


@require_GET
@jira_api(PLATFORM)
def worklogs_deleted(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_changes(request, DeletedWorklog.objects.all(), "deleted_at", "worklog_id"))


@require_POST
@jira_api(PLATFORM)
def worklog_list(request: HttpRequest) -> HttpResponse:
    body = _json_object(request)
    raw_ids = body.get("ids")
    if not isinstance(raw_ids, list) or not raw_ids or len(raw_ids) > WORKLOG_LIST_MAX_IDS:
        raise JiraError(
            400,
            f"Provide between 1 and {WORKLOG_LIST_MAX_IDS} worklog IDs.",
            field_errors={"ids": "The list of worklog IDs must not be empty or exceed 1000."},
        )
    ids = [None if isinstance(raw, bool) else as_id(str(raw)) for raw in raw_ids]
    if None in ids:
        raise JiraError(400, "Worklog IDs must be numbers.")
    worklogs = JiraWorklog.objects.filter(pk__in=ids)
    serializer = Serializer(request)
    return JsonResponse(
        [serializer.worklog(w) for w in worklogs.select_related("author", "update_author")],
        safe=False,
    )


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Unknown routes answer in Jira's JSON error body, not Django's HTML 404 page.

    The old search (`GET`/`POST /rest/api/{2,3}/search`, removed in 2025) answers 410 Gone
    with Atlassian's migration message, as Jira Cloud does (API-CONTRACTS.md §6).
    """
    removed = REMOVED_SEARCH.search(request.path)
    if removed and request.method in ("GET", "POST"):
        version = removed.group("version")
        return error_response(
            JiraError(
                410,
                f"The requested API has been removed. Please migrate to the "
                f"/rest/api/{version}/search/jql API. A full migration guideline is "
                f"available at https://developer.atlassian.com/changelog/#CHANGE-2046",
            ),
            PLATFORM,
        )
    return error_response(JiraError(404, "Not found."), PLATFORM)


def _search_params(request: HttpRequest) -> dict[str, Any]:
    """GET's query string or POST's JSON body; GET's `fields` may be comma-separated."""
    if request.method == "POST":
        return _json_object(request)
    return {
        "jql": request.GET.get("jql"),
        "fields": request.GET.getlist("fields") or None,
        "maxResults": request.GET.get("maxResults"),
        "nextPageToken": request.GET.get("nextPageToken"),
    }


def _field_names(raw: Any) -> list[str] | None:
    """The names in `fields` (a list, or a comma-separated string); None when absent."""
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    names = [name.strip() for item in items for name in str(item).split(",") if name.strip()]
    return names or None


def _issue_fields(names: list[str]) -> list[str]:
    """The known fields to return under `fields`, in the order asked.

    `*all` and `*navigable` stand for every field, `-name` removes one; `id` and `key` are
    always at the top level, and names the sandbox does not know are left out, as Jira
    leaves them out.
    """
    excluded = {name[1:] for name in names if name.startswith("-")}
    wanted: list[str] = []
    for name in names:
        if name in ("*all", "*navigable"):
            wanted += ISSUE_FIELDS
        elif name in ISSUE_FIELDS:
            wanted.append(name)
    return [name for name in dict.fromkeys(wanted) if name not in excluded]


def _issue(ref: str) -> Issue:
    issue = Issue.objects.by_ref(ref)
    if issue is None:
        raise JiraError(404, "Issue does not exist or you do not have permission to see it.")
    return issue


def _changes(
    request: HttpRequest, rows: QuerySet[Any], moment_field: str, id_field: str
) -> dict[str, Any]:
    """A page of `worklog/updated` or `/deleted`: changes after `since`, oldest first.

    `since` is exclusive at millisecond precision, and the next page starts after `until`,
    the last change on this page, so a page never ends inside a millisecond
    (`paging.whole_milliseconds`). `worklogId` is an integer (int64) here, unlike the
    digit-string ids everywhere else (API-CONTRACTS.md §6).
    """
    # `since` is exclusive, so its largest value leaves room for the next millisecond.
    since = integer_param(request.GET, "since", 0, EPOCH_MS_MAX - 1)
    window = rows.filter(
        **{
            f"{moment_field}__gte": from_epoch_ms(since + 1),
            # Jira leaves out the last minute, whose changes may not all be visible yet.
            f"{moment_field}__lt": timezone.now()
            - timedelta(seconds=settings.SANDBOX_JIRA_WORKLOG_CHANGES_DELAY),
        }
    ).order_by(moment_field, id_field)
    fetched = [
        (row_id, epoch_ms(moment))
        for row_id, moment in window.values_list(id_field, moment_field)[: CHANGES_PAGE_SIZE + 1]
    ]
    page, last_page = whole_milliseconds(fetched, CHANGES_PAGE_SIZE)
    if not page and fetched:
        # More than a page in one millisecond: exceptionally, a longer page.
        boundary = fetched[0][1]
        same_moment = window.filter(**{f"{moment_field}__lt": from_epoch_ms(boundary + 1)})
        page = [(row_id, boundary) for row_id in same_moment.values_list(id_field, flat=True)]
    until = page[-1][1] if page else since
    answer: dict[str, Any] = {
        "values": [
            {"worklogId": int(row_id), "updatedTime": moment, "properties": []}
            for row_id, moment in page
        ],
        "since": since,
        "until": until,
        "self": request.build_absolute_uri(),
        "lastPage": last_page,
    }
    if not last_page:
        answer["nextPage"] = request.build_absolute_uri(f"{request.path}?since={until}")
    return answer


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise JiraError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise JiraError(400, "The request body must be a JSON object.")
    return body


# -- who is asking, and which Jira ------------------------------------------------------

# What Jira Cloud's serverInfo reported when the sandbox copied it (a continuously deployed
# Cloud site always says version 1001.0.0-SNAPSHOT).
SERVER_VERSION = "1001.0.0-SNAPSHOT"
SERVER_BUILD_NUMBER = 100289
SERVER_BUILD_DATE = "2026-11-27T00:00:00.000+0000"
SERVER_SCM_INFO = "5e1f1a1bb0d5b53c8d2d8dff5a0d7c8a3bd1f0aa"
AVATAR_SIZES = ("48x48", "24x24", "16x16", "32x32")
AVATAR_BASE = "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net"


@require_GET
@jira_api(PLATFORM)
def myself(request: HttpRequest) -> HttpResponse:
    """The API account's user object, as `GET /rest/api/3/myself` answers it.

    Reference: `User` in Atlassian's platform v3 OpenAPI. The account is the one whose
    credentials passed `jira_api`; without its demo row, a plain agent of that address.
    """
    account = JiraUser.objects.by_ref(settings.SANDBOX_JIRA_EMAIL) or JiraUser(
        account_id="sandbox-api-account",
        email=settings.SANDBOX_JIRA_EMAIL,
        display_name=settings.SANDBOX_JIRA_EMAIL,
        account_type="atlassian",
    )
    body = Serializer(request).user(account) or {}
    avatar = f"{AVATAR_BASE}/{account.account_id}"
    body.update(
        {
            "locale": "en_US",
            "avatarUrls": {size: f"{avatar}/{size.split('x')[0]}" for size in AVATAR_SIZES},
            "groups": {"size": 0, "items": []},
            "applicationRoles": {"size": 0, "items": []},
            "expand": "groups,applicationRoles",
        }
    )
    return JsonResponse(body)


@require_GET
@csrf_exempt
def server_info(request: HttpRequest) -> HttpResponse:
    """`GET /rest/api/3/serverInfo`: which Jira this is. Jira answers it anonymously too.

    Reference: `ServerInformation` in Atlassian's platform v3 OpenAPI.
    """
    return JsonResponse(
        {
            "baseUrl": Serializer(request).base,
            "version": SERVER_VERSION,
            "versionNumbers": [int(n) for n in SERVER_VERSION.split("-")[0].split(".")],
            "deploymentType": "Cloud",
            "buildNumber": SERVER_BUILD_NUMBER,
            "buildDate": SERVER_BUILD_DATE,
            "serverTime": jira_time(timezone.now()),
            "scmInfo": SERVER_SCM_INFO,
            "serverTitle": "Jira",
        }
    )
