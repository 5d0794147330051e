"""The emulated Tempo Cloud REST API v4 worklog routes (docs/outside-apis.md §1)."""

from __future__ import annotations

import dataclasses
import json

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.jira.models import Issue, JiraUser, Project
from sandbox.jira.serializers import Serializer
from sandbox.models import Behaviour, Quirk
from sandbox.shapes.tempo import tempo_attribute_values, tempo_page
from sandbox.tempo import papertrail, signals
from sandbox.tempo.auth import tempo_api
from sandbox.tempo.models import Worklog
from sandbox.tempo.query import (
    Page,
    WorklogQuery,
    page_from_params,
    query_from_body,
    query_from_params,
)
from sandbox.tempo.responses import BadRequest, json_error
from sandbox.tempo.serializers import WorklogSerializer, worklog_rows

WORKLOGS = "worklogs"


@require_GET
@tempo_api(WORKLOGS)
def worklogs(request: HttpRequest) -> HttpResponse:
    return _page(request, query_from_params(request.GET))


@require_POST
@tempo_api(WORKLOGS, read_only=True)
def search_worklogs(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise BadRequest("The request body is not valid JSON") from None
    return _page(request, query_from_body(body))


@require_http_methods(["GET", "DELETE"])
@tempo_api(WORKLOGS)
def worklog(request: HttpRequest, worklog_id: int) -> HttpResponse:
    """One worklog; DELETE (a *manage* call) removes it, as Tempo's route does. A worklog of a
    project the token's owner may not view (`tempo_no_view_all_worklogs`) is a 404."""
    matching = _visible(Worklog.objects.filter(pk=worklog_id), _hidden_projects())
    row = worklog_rows(matching).first()
    if row is None:
        return json_error(404, f"Worklog with id {worklog_id} does not exist")
    if request.method == "DELETE":
        with transaction.atomic():
            signals.worklogs_deleting.send(sender=Worklog, worklogs=matching)
            papertrail.record_deleted(matching)
            matching.delete()
        return HttpResponse(status=204)
    return JsonResponse(_serializer(request)(row))


@require_GET
@tempo_api(WORKLOGS)
def work_attribute_values(request: HttpRequest, worklog_id: int) -> HttpResponse:
    """`GET /4/worklogs/{id}/work-attribute-values` (operation
    `getWorkAttributeValuesForWorklog` of Tempo's v4 OpenAPI, `WorkAttributeValueResults`):
    the `attributes.self` of every worklog; 404 like the worklog route."""
    values = _attribute_values(worklog_id)
    if values is None:
        return json_error(404, f"Worklog with id {worklog_id} does not exist")
    return JsonResponse(
        tempo_attribute_values(values, self_url=request.build_absolute_uri(request.path))
    )


@require_GET
@tempo_api(WORKLOGS)
def work_attribute_value(request: HttpRequest, worklog_id: int, key: str) -> HttpResponse:
    """`GET /4/worklogs/{id}/work-attribute-values/{key}` (operation
    `getWorkAttributeValueForWorklog`, `WorkAttributeValue`): one value, or 404."""
    values = _attribute_values(worklog_id)
    if values is None:
        return json_error(404, f"Worklog with id {worklog_id} does not exist")
    for value in values:
        if value.get("key") == key:
            return JsonResponse(value)
    return json_error(404, "Work attribute value cannot be found in the system")


def _attribute_values(worklog_id: int) -> list[dict[str, str]] | None:
    """The worklog's `[{key, value}]`, or None when there is no such worklog."""
    visible = _visible(Worklog.objects.filter(pk=worklog_id), _hidden_projects())
    found = visible.values_list("attributes", flat=True).first()
    return None if found is None else list(found)


@require_GET
@tempo_api(WORKLOGS)
def project_worklogs(request: HttpRequest, project_id: int) -> HttpResponse:
    # Tempo's help: a project's permissions "can take a while" to reach Tempo; until then
    # Tempo answers this (docs/outside-apis.md §6). Switched on through the control endpoint.
    if Quirk.take(Behaviour.TEMPO_PROJECT_NOT_FOUND, str(project_id)):
        return json_error(404, "Project cannot be found in the system")
    # Without View All Worklogs on the project, Tempo does not show it at all.
    hidden = _hidden_projects()
    if project_id in hidden:
        return json_error(404, "Project cannot be found in the system")
    # Tempo uses 404 for a parent it cannot find: an existing project (Jira has it) with no
    # worklogs yet is an empty page (docs/outside-apis.md §6).
    known = Worklog.objects.filter(project_id=project_id).exists()
    if not known and not Project.objects.filter(pk=project_id).exists():
        return json_error(404, f"Project with id {project_id} does not exist")
    return _parent_page(request, hidden, project_ids=[project_id])


@require_GET
@tempo_api(WORKLOGS)
def issue_worklogs(request: HttpRequest, issue_id: int) -> HttpResponse:
    known = Worklog.objects.filter(issue_id=issue_id).exists()
    if not known and not Issue.objects.filter(pk=issue_id).exists():
        return json_error(404, f"Issue with id {issue_id} does not exist")
    return _parent_page(request, None, issue_ids=[issue_id])


@require_GET
@tempo_api(WORKLOGS)
def user_worklogs(request: HttpRequest, account_id: str) -> HttpResponse:
    """A user Jira has who logged nothing yet is an empty page; 404 only for an accountId
    neither Jira nor Tempo knows (the issue and project routes do the same)."""
    known = Worklog.objects.filter(author_account_id=account_id).exists()
    if not known and not JiraUser.objects.filter(pk=account_id).exists():
        return json_error(404, f"User with accountId {account_id} does not exist")
    return _parent_page(request, None, author_ids=[account_id])


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Unknown routes under /4/ answer in Tempo's JSON, not Django's HTML 404 page."""
    return json_error(404, "Not found")


def _parent_page(
    request: HttpRequest, hidden: set[int] | None, **parent: list[int] | list[str]
) -> HttpResponse:
    """A `/4/worklogs/<parent>/<id>` route: the parent replaces the list filters."""
    lists: dict[str, list[int] | list[str]] = {"project_ids": [], "issue_ids": [], "author_ids": []}
    query = dataclasses.replace(query_from_params(request.GET), **{**lists, **parent})
    return _page(request, query, hidden)


def _hidden_projects() -> set[int]:
    """Projects whose worklogs the token's owner may not view (`tempo_no_view_all_worklogs`
    switched on): one indexed query, empty unless a test asked for it. The quirk is not used
    up by reading it."""
    targets = Quirk.active_targets(Behaviour.TEMPO_NO_VIEW_ALL_WORKLOGS)
    return {int(target) for target in targets}


def _visible(worklogs: QuerySet[Worklog], hidden: set[int]) -> QuerySet[Worklog]:
    return worklogs.exclude(project_id__in=hidden) if hidden else worklogs


def _page(
    request: HttpRequest, query: WorklogQuery, hidden: set[int] | None = None
) -> JsonResponse:
    """One page in Tempo's envelope, without counting the whole result.

    Fetching one row more than the limit tells whether a next page exists; Tempo's metadata
    has no total, so no COUNT(*) is ever needed. Worklogs of the projects in `hidden` (read
    here when not given) are left out, as Tempo lists none a token's owner may not view.
    """
    page = page_from_params(request.GET)
    worklogs = _visible(Worklog.objects.all(), _hidden_projects() if hidden is None else hidden)
    rows = list(worklog_rows(query.apply(worklogs))[page.offset : page.offset + page.limit + 1])
    has_next = len(rows) > page.limit
    rows = rows[: page.limit]
    next_url = previous_url = None
    if has_next:
        next_url = _page_url(request, Page(page.offset + page.limit, page.limit))
    if page.offset > 0:
        previous_url = _page_url(request, Page(max(0, page.offset - page.limit), page.limit))
    serialize = _serializer(request)
    return JsonResponse(
        tempo_page(
            [serialize(row) for row in rows],
            self_url=_page_url(request, page),
            offset=page.offset,
            limit=page.limit,
            next_url=next_url,
            previous_url=previous_url,
        )
    )


def _page_url(request: HttpRequest, page: Page) -> str:
    """This route with the same query string but another offset/limit (absolute)."""
    params = request.GET.copy()
    params["offset"] = str(page.offset)
    params["limit"] = str(page.limit)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _serializer(request: HttpRequest) -> WorklogSerializer:
    """Issue and author links point at `SANDBOX_JIRA_SITE_URL` when set, else at this
    sandbox's own Jira (`.../jira`), so a client can follow them."""
    worklogs_url = request.build_absolute_uri(reverse("sandbox_tempo:worklogs"))
    jira_site = settings.SANDBOX_JIRA_SITE_URL or Serializer(request).base
    return WorklogSerializer(worklogs_url, jira_site)
