"""Control endpoint routes that change the sandbox's data (`drift.py` does the changing).

Loopback only, JSON in and out, like the rest of /_sandbox/. Jira ids are answered as
strings, Tempo worklog ids as numbers, as each service's own API writes them.
`SandboxClient` in client.py documents every route.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods, require_POST

from sandbox import drift
from sandbox.control import ControlError, control_view, integer, json_body
from sandbox.jira.models import Issue, JiraUser, JiraWorklog
from sandbox.shapes.jira import jira_time
from sandbox.tempo.models import Worklog
from sandbox.tempo.serializers import timestamp

REQUEST_FIELDS = ("summary", "status", "reporter", "participants", "organizations")


@control_view
@require_POST
def requests(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    issue = drift.create_request(
        _text(body, "project"),
        _text(body, "summary"),
        _text(body, "reporter"),
        **_request_changes(body, creating=True),
    )
    return JsonResponse(_issue(issue), status=201)


@control_view
@require_http_methods(["PATCH", "DELETE"])
def request_detail(request: HttpRequest, ref: str) -> HttpResponse:
    if request.method == "DELETE":
        issue = drift.issue_by_ref(ref)
        answer = {"id": str(issue.pk), "key": issue.key}
        return JsonResponse({**answer, **drift.delete_request(ref).as_json()})
    issue = drift.update_request(ref, **_request_changes(json_body(request)))
    return JsonResponse(_issue(issue))


@control_view
@require_POST
def request_move(request: HttpRequest, ref: str) -> HttpResponse:
    issue = drift.move_request(ref, _text(json_body(request), "project"))
    return JsonResponse(_issue(issue))


@control_view
@require_POST
def organization_members(request: HttpRequest, organization_id: str) -> HttpResponse:
    member = drift.add_member(organization_id, _text(json_body(request), "account"))
    return JsonResponse(_membership(organization_id, member), status=201)


@control_view
@require_http_methods(["DELETE"])
def organization_member(request: HttpRequest, organization_id: str, account: str) -> HttpResponse:
    member = drift.remove_member(organization_id, account)
    return JsonResponse(_membership(organization_id, member))


@control_view
@require_http_methods(["DELETE"])
def project_detail(request: HttpRequest, ref: str) -> HttpResponse:
    project, removed = drift.delete_project(ref)
    return JsonResponse({"id": str(project.pk), "key": project.key, **removed.as_json()})


@control_view
@require_POST
def tempo_worklogs(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    updated = _moment(body, "updated")  # logged and last edited then, not now
    body.pop("updated", None)
    worklog = drift.create_tempo_worklog(
        _text(body, "issue"),
        integer(body.get("time_spent_seconds"), "time_spent_seconds"),
        updated=updated,
        **_tempo_changes(body, exclude=("issue", "time_spent_seconds")),
    )
    return JsonResponse(_tempo_worklog(worklog), status=201)


@control_view
@require_http_methods(["PATCH", "DELETE"])
def tempo_worklog_detail(request: HttpRequest, worklog_id: int) -> HttpResponse:
    if request.method == "DELETE":
        drift.delete_tempo_worklog(worklog_id)
        return JsonResponse({"id": worklog_id})
    worklog = drift.update_tempo_worklog(worklog_id, **_tempo_changes(json_body(request)))
    return JsonResponse(_tempo_worklog(worklog))


@control_view
@require_POST
def jira_worklogs(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    worklog = drift.create_jira_worklog(
        _text(body, "issue"),
        integer(body.get("time_spent_seconds"), "time_spent_seconds"),
        started=_moment(body, "started"),
        comment=_comment(body, "comment"),
        author=_optional_text(body, "author"),
        updated=_moment(body, "updated"),
        visibility=_optional_object(body, "visibility"),
    )
    return JsonResponse(_jira_worklog(worklog), status=201)


@control_view
@require_http_methods(["PATCH", "DELETE"])
def jira_worklog_detail(request: HttpRequest, worklog_id: int) -> HttpResponse:
    """DELETE a Jira worklog, or PATCH any of `{"time_spent_seconds", "started", "comment",
    "author" (who edits it), "updated"}`."""
    if request.method == "DELETE":
        drift.delete_jira_worklog(worklog_id)
        return JsonResponse({"id": str(worklog_id)})
    body = json_body(request)
    known = {"time_spent_seconds", "started", "comment", "author", "updated"}
    unknown = set(body) - known
    if unknown:
        raise ControlError(f"Unknown worklog field(s): {', '.join(sorted(unknown))}.")
    spent = body.get("time_spent_seconds")
    worklog = drift.update_jira_worklog(
        worklog_id,
        time_spent_seconds=None if spent is None else integer(spent, "time_spent_seconds"),
        started=_moment(body, "started"),
        comment=_comment(body, "comment") if "comment" in body else None,
        author=_optional_text(body, "author"),
        updated=_moment(body, "updated"),
    )
    return JsonResponse(_jira_worklog(worklog))


@control_view
@require_http_methods(["PATCH"])
def jira_user_detail(request: HttpRequest, account: str) -> HttpResponse:
    """Change a Jira user's profile: `{"time_zone": "America/New_York"}` (null hides it)."""
    body = json_body(request)
    if set(body) != {"time_zone"}:
        raise ControlError("Send exactly one field: 'time_zone'.")
    person = drift.set_time_zone(account, _optional_text(body, "time_zone"))
    return JsonResponse({"account_id": person.account_id, "time_zone": person.time_zone})


@control_view
@require_POST
def jira_user_access(request: HttpRequest, account: str) -> HttpResponse:
    """Revoke or restore a customer's portal access: `{"active": false}` or `{"active": true}`."""
    body = json_body(request)
    if set(body) != {"active"} or not isinstance(body["active"], bool):
        raise ControlError("Send exactly one field: 'active', true or false.")
    person = drift.set_portal_access(account, body["active"])
    return JsonResponse(_jira_user(person))


@control_view
@require_POST
def jira_user_email(request: HttpRequest, account: str) -> HttpResponse:
    """Change a user's e-mail address: `{"email": "new@acme.example"}`; null hides it."""
    body = json_body(request)
    if set(body) != {"email"}:
        raise ControlError("Send exactly one field: 'email', an address or null.")
    person = drift.change_email(account, _optional_text(body, "email"))
    return JsonResponse(_jira_user(person))


# -- reading the body -------------------------------------------------------------------


def _request_changes(body: dict[str, Any], *, creating: bool = False) -> dict[str, Any]:
    """The request fields of `body`, checked; creating, `project`, `summary` and `reporter`
    are read by the caller."""
    read_by_caller = ("project", "summary", "reporter") if creating else ()
    unknown = set(body) - set(REQUEST_FIELDS) - set(read_by_caller)
    if unknown:
        raise ControlError(f"Unknown request field(s): {', '.join(sorted(unknown))}.")
    changes: dict[str, Any] = {}
    for name in ("summary", "status", "reporter"):
        if name in body and name not in read_by_caller:
            changes[name] = _text(body, name)
    for name in ("participants", "organizations"):
        if name in body:
            changes[name] = _list(body, name)
    return changes


def _tempo_changes(body: dict[str, Any], exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The Tempo worklog fields of `body`, checked; `exclude` are read by the caller."""
    readers = {
        "issue": _text,
        "author": _text,
        "description": lambda b, n: _optional_text(b, n) or "",
        "time_spent_seconds": lambda b, n: integer(b.get(n), n),
        "billable_seconds": lambda b, n: integer(b.get(n), n, 0),
        "start_date": _date,
        "start_time": _time,
    }
    unknown = set(body) - set(readers)
    if unknown:
        raise ControlError(f"Unknown worklog field(s): {', '.join(sorted(unknown))}.")
    return {name: readers[name](body, name) for name in body if name not in exclude}


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ControlError(f"'{name}' is required.")
    return value.strip()


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    return None if body.get(name) is None else _text(body, name)


def _optional_object(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise ControlError(f"'{name}' must be an object.")
    return value


def _comment(body: dict[str, Any], name: str) -> str | dict[str, Any]:
    """A worklog comment: text, or an Atlassian Document Format doc (an object)."""
    value = body.get(name)
    if isinstance(value, dict):
        return value
    return _optional_text(body, name) or ""


def _list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list):
        raise ControlError(f"'{name}' must be a list.")
    return [str(item) for item in value]


def _date(body: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(str(body.get(name)))
    except ValueError:
        raise ControlError(f"'{name}' must be a date like 2026-11-02.") from None


def _time(body: dict[str, Any], name: str) -> time:
    try:
        return time.fromisoformat(str(body.get(name)))
    except ValueError:
        raise ControlError(f"'{name}' must be a time like 09:30:00.") from None


def _moment(body: dict[str, Any], name: str) -> datetime | None:
    """An ISO 8601 timestamp with its offset (one without an offset is refused)."""
    if body.get(name) is None:
        return None
    try:
        moment = datetime.fromisoformat(str(body[name]))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ControlError(f"'{name}' must be a timestamp with offset like 2026-11-02T09:30Z.")
    return moment


# -- answering --------------------------------------------------------------------------


def _issue(issue: Issue) -> dict[str, Any]:
    return {
        "id": str(issue.pk),
        "key": issue.key,
        "project_id": str(issue.project_id),
        "updated": jira_time(issue.updated),
    }


def _membership(organization_id: str, member: JiraUser) -> dict[str, Any]:
    return {"organization_id": str(organization_id), "account_id": member.account_id}


def _tempo_worklog(worklog: Worklog) -> dict[str, Any]:
    return {
        "id": worklog.pk,
        "issue_id": worklog.issue_id,
        "project_id": worklog.project_id,
        "updated_at": timestamp(worklog.updated_at.isoformat(sep=" ")),
    }


def _jira_worklog(worklog: JiraWorklog) -> dict[str, Any]:
    return {
        "id": str(worklog.pk),
        "issue_id": str(worklog.issue_id),
        "updated": jira_time(worklog.updated),
    }


def _jira_user(person: JiraUser) -> dict[str, Any]:
    return {"account_id": person.account_id, "email": person.email, "active": person.active}
