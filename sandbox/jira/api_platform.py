"""The emulated Jira Cloud platform REST API v3 routes (docs/outside-apis.md §3)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.jira import jql, statuses
from sandbox.jira.auth import jira_api
from sandbox.jira.errors import PLATFORM, JiraError, error_response
from sandbox.jira.fields import FIELDS, ORGANIZATIONS_FIELD, PARTICIPANTS_FIELD
from sandbox.jira.models import (
    ISSUE_TYPES,
    DeletedWorklog,
    Issue,
    JiraUser,
    JiraWorklog,
    Project,
    as_id,
)
from sandbox.jira.paging import (
    EPOCH_MS_MAX,
    SearchCursor,
    integer_param,
    offset_page,
    whole_milliseconds,
)
from sandbox.jira.serializers import ISSUE_FIELDS, Serializer
from sandbox.models import Behaviour, Quirk
from sandbox.shapes import jira as shapes
from sandbox.shapes.jira import epoch_ms, from_epoch_ms, jira_time

SEARCH_DEFAULT_MAX_RESULTS = 50
SEARCH_MAX_RESULTS = 100  # (assumed) per page when fields beyond id/key are asked for
SEARCH_MAX_IDS = 5000  # per page when only ids or keys are asked for
ID_FIELDS = {"id", "key"}
WORKLOGS_MAX_RESULTS = 5000
CHANGES_PAGE_SIZE = 1000
WORKLOG_LIST_MAX_IDS = 1000
# `SearchAndReconcileRequestBean` of the platform v3 OpenAPI: the properties POST
# `search/jql` takes; anything else is refused, as Jira refuses it.
SEARCH_PROPERTIES = frozenset(
    {
        "jql",
        "nextPageToken",
        "maxResults",
        "fields",
        "expand",
        "properties",
        "fieldsByKeys",
        "failFast",
        "reconcileIssues",
    }
)
# `JQLCountRequestBean`: POST `search/approximate-count` takes the query alone.
COUNT_PROPERTIES = frozenset({"jql"})
INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
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
    query_text = params.get("jql") or ""
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
    issues = [
        serializer.issue(issue, field_names)
        for issue in _eventually_consistent(window[:max_results])
    ]
    token = None
    if len(window) > max_results:
        token = SearchCursor(cursor.offset + max_results, query_text).token()
    return JsonResponse(shapes.search_page(issues, token))


@require_POST
@jira_api(PLATFORM)
def approximate_count(request: HttpRequest) -> HttpResponse:
    """`POST /rest/api/3/search/approximate-count` (operation `countIssues`): `{"jql"}` →
    `{"count"}`, the JQL read as `search/jql` reads it (bounded, same errors). The sandbox's
    count is exact; Jira's may lag recent changes, which the name allows."""
    body = _payload(request, COUNT_PROPERTIES)
    query = jql.parse(body.get("jql") or "")
    return JsonResponse({"count": query.apply(Issue.objects.all()).count()})


def _payload(request: HttpRequest, known: frozenset[str]) -> dict[str, Any]:
    """The JSON body of a search route: Jira refuses a property its bean does not declare,
    or a `jql` that is not a string, with this sentence (Atlassian community, "POST
    /rest/api/3/search/jql returns 400 Invalid request payload")."""
    body = _json_object(request)
    if set(body) - known or not isinstance(body.get("jql", ""), str | None):
        raise JiraError(400, INVALID_PAYLOAD)
    return body


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
        shapes.issue_worklogs(
            [
                serializer.worklog(worklog)
                for worklog in worklogs[start_at : start_at + max_results]
            ],
            start_at=start_at,
            max_results=max_results,
            total=worklogs.count(),
        )
    )


@require_GET
@jira_api(PLATFORM)
def issue_worklog(request: HttpRequest, ref: str, worklog_id: str) -> HttpResponse:
    """`GET /rest/api/3/issue/{issueIdOrKey}/worklog/{id}` (operation `getWorklog` of the
    platform v3 OpenAPI): one worklog of the issue, the `self` of every worklog; 404 when
    the issue or the worklog on it does not exist (the worklog wording is assumed)."""
    found = _issue(ref)
    number = as_id(worklog_id)
    worklog = (
        None
        if number is None
        else found.worklogs.select_related("author", "update_author").filter(pk=number).first()
    )
    if worklog is None:
        raise JiraError(404, f"Cannot find worklog with id: {worklog_id}.")
    return JsonResponse(Serializer(request).worklog(worklog))


@require_GET
@jira_api(PLATFORM)
def issue_v2(request: HttpRequest, ref: str) -> HttpResponse:
    """`GET /rest/api/2/issue/{issueIdOrKey}`, served only because links point at it: Tempo
    worklogs' `issue.self` and JSM requests' `_links.jiraRest` are REST v2 links. v2 differs
    from v3 only in rich text (wiki markup instead of ADF), and none of the fields the
    sandbox keeps is rich text, so the body is v3's with v2's `self`."""
    found = _issue(ref)
    names = _field_names(request.GET.get("fields"))
    field_names = ISSUE_FIELDS if names is None else _issue_fields(names)
    body = Serializer(request).issue(found, field_names)
    body["self"] = body["self"].replace("/rest/api/3/", "/rest/api/2/", 1)
    return JsonResponse(body)


@require_GET
@jira_api(PLATFORM)
def user(request: HttpRequest) -> HttpResponse:
    """`GET /rest/api/3/user?accountId=` (operation `getUser`, shape `User` of the platform
    v3 OpenAPI), the `self` of every user object. 400 without `accountId`, 404 for an
    unknown account (wordings assumed)."""
    return JsonResponse(_user_body(request, "3"))


@require_GET
@jira_api(PLATFORM)
def user_v2(request: HttpRequest) -> HttpResponse:
    """`GET /rest/api/2/user?accountId=`: JSM user objects link here (`_links.jiraRest`,
    `_links.self`) and Tempo worklogs' `author.self` too. Same body as v3's."""
    return JsonResponse(_user_body(request, "2"))


@require_GET
@jira_api(PLATFORM)
def issue_type(request: HttpRequest, ref: str) -> HttpResponse:
    """`GET /rest/api/3/issuetype/{id}` (operation `getIssueType`, `IssueTypeDetails` of the
    platform v3 OpenAPI): the `self` of an issue's `issuetype`; 404 for an unknown id
    (wording assumed). The body is the `issuetype` field's, from one place."""
    if ref not in ISSUE_TYPES:
        raise JiraError(404, f"The issue type with id '{ref}' does not exist.")
    return JsonResponse(Serializer(request).issue_field(Issue(issue_type=ref), "issuetype"))


@csrf_exempt
@require_GET
def issue_type_avatar(request: HttpRequest, avatar_id: str) -> HttpResponse:
    """`GET /rest/api/2/universal_avatar/view/type/issuetype/avatar/{id}`: the image an
    issue type's `iconUrl` points at. Jira serves it without authentication (an `<img>`
    loads it); the sandbox answers one plain square icon, as SVG, for every known avatar."""
    if avatar_id not in {str(t.avatar_id) for t in ISSUE_TYPES.values()}:
        raise Http404
    return HttpResponse(ISSUE_TYPE_ICON, content_type="image/svg+xml")


ISSUE_TYPE_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="2" fill="#4bade8"/></svg>\n'
)


@require_GET
@jira_api(PLATFORM)
def status(request: HttpRequest, ref: str) -> HttpResponse:
    """`GET /rest/api/3/status/{idOrName}` (operation `getStatus`, shape `StatusDetails`):
    the `self` of an issue's status; 404 for an unknown one (wording assumed)."""
    found = statuses.find(ref)
    if found is None:
        raise JiraError(404, f"The status with id or name '{ref}' does not exist.")
    body = Serializer(request).status(found)
    body["untranslatedName"] = found.name
    return JsonResponse(body)


@require_GET
@jira_api(PLATFORM)
def status_category(request: HttpRequest, ref: str) -> HttpResponse:
    """`GET /rest/api/3/statuscategory/{idOrKey}` (operation `getStatusCategory`, shape
    `StatusCategory`): by id (`"2"`) or key (`"new"`); 404 otherwise (wording assumed)."""
    wanted = ref.strip().lower()
    for key, (category_id, _name, _colour) in statuses.CATEGORIES.items():
        if wanted in (key, str(category_id)):
            return JsonResponse(Serializer(request).status_category(key))
    raise JiraError(404, f"The status category with id or key '{ref}' does not exist.")


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
    ids = [_int64(raw) for raw in raw_ids]
    if None in ids:
        raise JiraError(400, "Worklog IDs must be whole numbers from -2^63 to 2^63 - 1.")
    worklogs = JiraWorklog.objects.filter(pk__in=ids)
    serializer = Serializer(request)
    return JsonResponse(
        [serializer.worklog(w) for w in worklogs.select_related("author", "update_author")],
        safe=False,
    )


def _int64(raw: Any) -> int | None:
    """`raw` as an int64 (`WorklogIdsRequestBean.ids`), a JSON integer or its digit string;
    None for anything else. No worklog has a negative id, but Jira takes one (no match)."""
    if isinstance(raw, str) and re.fullmatch(r"-?\d{1,19}", raw.strip()):
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if INT64_MIN <= raw <= INT64_MAX else None


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Unknown routes answer in Jira's JSON error body, not Django's HTML 404 page.

    The old search (`GET`/`POST /rest/api/{2,3}/search`, removed in 2025) answers 410 Gone
    with Atlassian's migration message, as Jira Cloud does (docs/outside-apis.md §6).
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
        return _payload(request, SEARCH_PROPERTIES)
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
    digit-string ids everywhere else (docs/outside-apis.md §6).
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
    return shapes.worklog_changes(
        page,
        since=since,
        until=until,
        self_url=request.build_absolute_uri(),
        last_page=last_page,
        next_page=(
            None if last_page else request.build_absolute_uri(f"{request.path}?since={until}")
        ),
    )


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
    return JsonResponse(_full_user(Serializer(request), account))


def _full_user(serializer: Serializer, account: JiraUser) -> dict[str, Any]:
    """A `User` with the avatars, locale and (empty) groups of `myself` and `user`."""
    body = serializer.user(account) or {}
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
    return body


def _user_body(request: HttpRequest, version: str) -> dict[str, Any]:
    """The user `accountId` names, its `self` on REST API `version` (`"2"` or `"3"`)."""
    account_id = request.GET.get("accountId", "").strip()
    if not account_id:
        raise JiraError(
            400,
            "The query parameter 'accountId' is required.",
            field_errors={"accountId": "The accountId of the user is required."},
        )
    account = JiraUser.objects.filter(pk=account_id).first()
    if account is None:
        raise JiraError(404, "Specified user does not exist or you do not have access to it.")
    body = _full_user(Serializer(request), account)
    body["self"] = body["self"].replace("/rest/api/3/", f"/rest/api/{version}/", 1)
    return body


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
