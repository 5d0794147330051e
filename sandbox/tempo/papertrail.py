"""Tempo's audit log: `POST /4/papertrail/search` (operation `searchAuditLogs` of Tempo's v4
OpenAPI; docs/outside-apis.md §1, API-CONTRACTS.md §6 "Deleted worklogs").

Tempo's worklog lists never show a deletion; its audit log does. The sandbox records one
event (entity `worklog`, action `Deleted`) for every Tempo worklog deleted through the
control endpoint's drift or `DELETE /4/worklogs/{id}` (`record_deleted`, called before the
rows go); seeding records none.

The route as documented: query parameters `limit` (default 100, 1..1000) and
`nextPageToken`; a JSON `AuditLogSearchInput` body whose `from` (required) must lie within
the last 180 days; `PageableAuditLogEvent` answers whose `metadata.nextPageToken` is absent
on the last page. Assumed: results oldest first; a larger `limit` is clamped to 1000 (as the
worklog routes clamp theirs); an event's `parentId` is the worklog's Jira issue id and its
`changes` the deleted worklog's values (`previous`, with `new` null); the worklogs scope
(view) is enough to read it. `tempo_audit_log_forbidden` (the control endpoint's
`/_sandbox/behaviours`) makes it answer 403, as Tempo does for a token "missing the required
permission".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from sandbox.jira.models import JiraUser
from sandbox.models import Quirk
from sandbox.tempo.auth import tempo_api
from sandbox.tempo.models import AUDIT_LOG_FORBIDDEN, AuditEvent, Worklog
from sandbox.tempo.responses import BadRequest, html_error

WORKLOGS = "worklogs"
WORKLOG = "worklog"
DELETED = "Deleted"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# `from` must be "within the last 180 days" (AuditLogSearchInput).
MAX_AGE = timedelta(days=180)
# The enums of `AuditLogSearchInput` (Tempo's v4 OpenAPI).
ACTIONS = ("Created", "Deleted", "Updated", "Synced")
ENTITY_TYPES = (
    "account",
    "accountcategory",
    "accountlink",
    "allocation",
    "bulkeditworklog",
    "customer",
    "customfieldconfiguration",
    "globalconfiguration",
    "holiday",
    "holidaymembership",
    "holidayscheme",
    "internalissue",
    "issuetypecategory",
    "jiraissueviewconfiguration",
    "oauthapp",
    "period",
    "periodconfiguration",
    "permissiongroup",
    "program",
    "project",
    "role",
    "skill",
    "skillassignment",
    "team",
    "teamlink",
    "teammembership",
    "tenantpreference",
    "workattribute",
    "workload",
    "workloadmembership",
    "worklog",
)
LIST_FIELDS = {"entityType": ENTITY_TYPES, "action": ACTIONS, "author": None, "worker": None}
# Fields of a deleted worklog kept as the event's `changes` (assumed).
CHANGED_FIELDS = {
    "timeSpentSeconds": "time_spent_seconds",
    "billableSeconds": "billable_seconds",
    "startDate": "start_date",
    "startTime": "start_time",
    "description": "description",
}


def record_deleted(worklogs: QuerySet[Worklog]) -> int:
    """One `Deleted` event per worklog of `worklogs`, stamped now; call it before deleting
    them. The author is the sandbox's own Jira account (the one the control endpoint and
    the API tokens act for), else the worklog's author. Returns how many were recorded."""
    now = timezone.now()
    actor = JiraUser.objects.by_ref(settings.SANDBOX_JIRA_EMAIL)
    columns = ("pk", "issue_id", "author_account_id", *CHANGED_FIELDS.values())
    events = [
        AuditEvent(
            entity_type=WORKLOG,
            action=DELETED,
            entity_id=str(row["pk"]),
            parent_id=str(row["issue_id"]),
            author_account_id=actor.account_id if actor else row["author_account_id"],
            worker_account_id=row["author_account_id"],
            changes=[
                {"field": name, "previous": _text(row[column]), "new": None}
                for name, column in CHANGED_FIELDS.items()
            ],
            timestamp=now,
        )
        for row in worklogs.order_by("pk").values(*columns)
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)


@require_POST
@tempo_api(WORKLOGS, read_only=True)
def search(request: HttpRequest) -> HttpResponse:
    """`POST /4/papertrail/search`: one page of the events matching the body."""
    if Quirk.take(AUDIT_LOG_FORBIDDEN, "*"):
        return html_error(
            403,
            "Forbidden",
            "The authenticated user is missing the required permission to access this resource",
        )
    limit = _limit(request.GET.get("limit"))
    body = _body(request)
    events = _filter(AuditEvent.objects.all(), body)
    fingerprint = _fingerprint(body)
    token = request.GET.get("nextPageToken")
    if token:
        after_time, after_id = _read_token(token, fingerprint)
        events = events.filter(
            Q(timestamp__gt=after_time) | Q(timestamp=after_time, id__gt=after_id)
        )
    rows = list(events.order_by("timestamp", "id")[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    metadata: dict[str, Any] = {"limit": limit}
    if more:
        last = page[-1]
        next_token = _make_token(last.timestamp, last.pk, fingerprint)
        params = request.GET.copy()
        params["nextPageToken"] = next_token
        params["limit"] = str(limit)
        metadata["nextPageToken"] = next_token
        metadata["nextPageUrl"] = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return JsonResponse(
        {
            "self": request.build_absolute_uri(),
            "metadata": metadata,
            "results": [_event(event) for event in page],
        }
    )


def _event(event: AuditEvent) -> dict[str, Any]:
    """An `AuditLogEvent`: `worker` only for worklogs (and allocations)."""
    answer: dict[str, Any] = {
        "action": event.action,
        "author": event.author_account_id,
        "changes": event.changes,
        "entityId": event.entity_id,
        "entityType": event.entity_type,
        "parentId": event.parent_id,
        "timestamp": _iso(event.timestamp),
    }
    if event.worker_account_id:
        answer["worker"] = event.worker_account_id
    return answer


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise BadRequest(f"'limit' must be an integer, not '{value}'") from None
    if limit < 1:
        raise BadRequest("'limit' must be greater than or equal to 1")
    return min(limit, MAX_LIMIT)


def _body(request: HttpRequest) -> dict[str, Any]:
    """The checked `AuditLogSearchInput`: `from` (and `to`) as aware datetimes."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise BadRequest("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    checked: dict[str, Any] = {}
    for name, allowed in LIST_FIELDS.items():
        values = body.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise BadRequest(f"'{name}' must be a list of strings")
        if allowed is not None:
            unknown = sorted(set(values) - set(allowed))
            if unknown:
                raise BadRequest(f"'{name}' has unknown values: {', '.join(unknown)}")
        checked[name] = values
    if body.get("from") is None:
        raise BadRequest("'from' is required")
    checked["from"] = _datetime("from", body["from"])
    if checked["from"] < timezone.now() - MAX_AGE:
        raise BadRequest("'from' must be within the last 180 days")
    if body.get("to") is not None:
        checked["to"] = _datetime("to", body["to"])
    return checked


def _datetime(name: str, value: Any) -> datetime:
    """An ISO 8601 date-time; one without an offset is read as UTC."""
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise BadRequest(f"'{name}' must be an ISO 8601 date-time, like 2026-10-14T09:30:00Z")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _filter(events: QuerySet[AuditEvent], body: dict[str, Any]) -> QuerySet[AuditEvent]:
    columns = {
        "entityType": "entity_type__in",
        "action": "action__in",
        "author": "author_account_id__in",
        "worker": "worker_account_id__in",
    }
    for name, lookup in columns.items():
        if name in body:
            events = events.filter(**{lookup: body[name]})
    events = events.filter(timestamp__gte=body["from"])
    if "to" in body:
        events = events.filter(timestamp__lte=body["to"])
    return events


def _fingerprint(body: dict[str, Any]) -> str:
    """What a page token is bound to: the search it continues."""
    text = json.dumps(body, sort_keys=True, default=lambda value: value.isoformat())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _make_token(after_time: datetime, after_id: int, fingerprint: str) -> str:
    raw = json.dumps({"t": after_time.isoformat(), "i": after_id, "q": fingerprint})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_token(token: str, fingerprint: str) -> tuple[datetime, int]:
    """The (timestamp, id) a page continues after; 400 for a token of another search or one
    this sandbox never issued."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after_time = datetime.fromisoformat(raw["t"])
        after_id = int(raw["i"])
        matches = raw["q"] == fingerprint
    except (ValueError, TypeError, KeyError, binascii.Error):
        matches = False
    if not matches:
        raise BadRequest("'nextPageToken' is invalid or does not belong to this search")
    return after_time, after_id


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
