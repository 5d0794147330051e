"""What a change of the sandbox's data sends to the registered webhooks.

Called where the data changes one object at a time: `sandbox/drift.py` (the control
endpoint's changes) and the Tempo API's `DELETE /4/worklogs/{id}`, which announces the
deletion with `sandbox.tempo.signals.worklogs_deleting` (sandbox.tempo sits below this app
and does not import it; apps.py connects `tempo_worklogs_deleting`). Never by the bulk
seeding (`seed_demo`, `seed_sandbox`), which must stay fast and silent: that is why these are
explicit calls and explicitly sent signals, not model signals (a `post_delete` receiver would
also stop Django from deleting the demo's tens of thousands of rows in one statement).

Each call writes one `Delivery` row per matching webhook inside the caller's transaction, so
the deliveries exist exactly when the change was committed; the sender is woken on commit.
Anything going wrong here, reading the ids it is given included, is logged and swallowed (in
a savepoint): a webhook must never fail or block the change that caused it. Ids are read in
chunks of CHUNK (a query's variables are limited, on SQLite in particular), and a deletion of
many issues reads them, their fields and their JQL matches a chunk at a time, not an issue at
a time. An update that changes none of the fields the changelog compares sends nothing.

Payloads:

- Tempo (Tempo's v4 OpenAPI, "Using Tempo Webhooks", the `WebhookWorklogCreated` example):
  `{"eventId": uuid4, "eventType": "worklog.created" | "worklog.updated" |
  "worklog.deleted", "payload": {"tempoWorklogId", "issue": {"id"}, "author": {"accountId"},
  "updater": {"accountId"}, "timeSpentSeconds", "billableSeconds", "startDate":
  "2026-11-30T00:00:00.000Z", "startTime": seconds after midnight, "description",
  "createdAt", "updatedAt"}}`, no work attributes. `updater` is the worklog's author (the
  sandbox does not record who edited it; assumed); `billableSeconds` is left out when the
  sandbox has none, as the API leaves it out. A deletion carries the worklog as it was
  (assumed). One `eventId` per event, the same for every subscription it goes to.
- Jira (Atlassian's "Webhooks" page and its example payloads): issue events
  `{"timestamp": epoch ms, "webhookEvent": "jira:issue_created" | "jira:issue_updated" |
  "jira:issue_deleted", "issue_event_type_name": "issue_created" | "issue_updated" |
  "issue_moved" | "issue_deleted", "user": the acting user, "issue": {"id", "key", "self",
  "fields": {summary, status, reporter, created, updated, project, issuetype, the JSM
  participants and organizations fields}}, "changelog"?: {"id", "items": [{"field",
  "fieldtype", "fieldId", "from", "fromString", "to", "toString"}]}}` (changelog on updates
  only); worklog events `{"timestamp", "webhookEvent": "worklog_created" |
  "worklog_updated" | "worklog_deleted", "worklog": the REST v3 worklog}`. The acting user is
  the API account (the control endpoint acts for nobody in particular; assumed). Deleting an
  issue sends `jira:issue_deleted` only, no `worklog_deleted` for its worklogs (assumed), and
  a new worklog sends `worklog_created` only (real Jira also sends `jira:issue_updated` with
  `issue_work_logged`; left out to keep to the app's contract). Tempo worklogs deleted with
  their issue send `worklog.deleted` (assumed). A webhook's JQL filter
  (`filters["issue-related-events-section"]`) is applied to issue and worklog events (to the
  worklog's issue), evaluated before a deletion.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from sandbox.jira import jql
from sandbox.jira.errors import JiraError
from sandbox.jira.fields import ORGANIZATIONS_FIELD, PARTICIPANTS_FIELD
from sandbox.jira.models import Issue, JiraUser, JiraWorklog, api_account
from sandbox.jira.serializers import ISSUE_FIELDS, Serializer
from sandbox.shapes.jira import epoch_ms
from sandbox.tempo.models import Worklog
from sandbox.webhooks import sender
from sandbox.webhooks.models import (
    Delivery,
    JiraWebhook,
    Outcome,
    Service,
    TempoSubscription,
    WebhookSettings,
)

logger = logging.getLogger(__name__)

WORKLOG_CREATED = "worklog.created"
WORKLOG_UPDATED = "worklog.updated"
WORKLOG_DELETED = "worklog.deleted"
TEMPO_EVENTS = (WORKLOG_CREATED, WORKLOG_UPDATED, WORKLOG_DELETED)

ISSUE_CREATED = "jira:issue_created"
ISSUE_UPDATED = "jira:issue_updated"
ISSUE_DELETED = "jira:issue_deleted"
JIRA_WORKLOG_CREATED = "worklog_created"
JIRA_WORKLOG_UPDATED = "worklog_updated"
JIRA_WORKLOG_DELETED = "worklog_deleted"
JIRA_EVENTS = (
    ISSUE_CREATED,
    ISSUE_UPDATED,
    ISSUE_DELETED,
    JIRA_WORKLOG_CREATED,
    JIRA_WORKLOG_UPDATED,
    JIRA_WORKLOG_DELETED,
)
# `issue_event_type_name` of each issue event (a move is an update named `issue_moved`).
ISSUE_EVENT_TYPE_NAMES = {
    ISSUE_CREATED: "issue_created",
    ISSUE_UPDATED: "issue_updated",
    ISSUE_DELETED: "issue_deleted",
}
ISSUE_MOVED = "issue_moved"
# Ids per query (SQLite's default limit of variables was 999 before 3.32) and deliveries
# per INSERT.
CHUNK = 500


# -- Tempo ------------------------------------------------------------------------------


def tempo_worklog(event: str, worklog: Worklog) -> None:
    """Send `event` (`worklog.created`, `.updated`, `.deleted`) about one Tempo worklog; for
    a deletion, call it before the row goes."""
    tempo_worklogs(event, [worklog.pk])


def tempo_worklogs(event: str, worklog_ids: Iterable[int]) -> None:
    """Send `event` about each of these Tempo worklogs (call before deleting them);
    `worklog_ids` (a queryset, say) is read inside the guard, and only if anyone listens."""
    _safely(_tempo_worklogs, event, worklog_ids)


def tempo_worklogs_deleting(sender: type[Worklog], worklogs: QuerySet[Worklog], **_: Any) -> None:
    """The receiver of `sandbox.tempo.signals.worklogs_deleting` (connected in apps.py): the
    Tempo API's `DELETE /4/worklogs/{id}` sends `worklog.deleted` before the rows go."""
    tempo_worklogs(WORKLOG_DELETED, worklogs.values_list("pk", flat=True))


def _tempo_worklogs(event: str, worklog_ids: Iterable[int]) -> bool:
    subscriptions = list(TempoSubscription.objects.filter(event=event, active=True))
    if not subscriptions:
        return False
    outbox = _Outbox()
    # Read back from the database, so every value has its stored type and precision.
    for chunk in _chunks(sorted(set(worklog_ids))):
        for worklog in Worklog.objects.filter(pk__in=chunk).order_by("pk"):
            event_id = str(uuid.uuid4())
            body = json.dumps(
                {"eventId": event_id, "eventType": event, "payload": _tempo_payload(worklog)}
            )
            for subscription in subscriptions:
                outbox.add(
                    Service.TEMPO, str(subscription.pk), subscription.url, event, event_id, body
                )
    return outbox.flush()


def _tempo_payload(worklog: Worklog) -> dict[str, Any]:
    start: time = worklog.start_time
    payload: dict[str, Any] = {
        "tempoWorklogId": worklog.pk,
        "issue": {"id": worklog.issue_id},
        "author": {"accountId": worklog.author_account_id},
        "updater": {"accountId": worklog.author_account_id},
        "timeSpentSeconds": worklog.time_spent_seconds,
    }
    if worklog.billable_seconds is not None:
        payload["billableSeconds"] = worklog.billable_seconds
    payload.update(
        {
            "startDate": f"{worklog.start_date.isoformat()}T00:00:00.000Z",
            "startTime": start.hour * 3600 + start.minute * 60 + start.second,
            "description": worklog.description,
            "createdAt": sender.iso_millis(worklog.created_at),
            "updatedAt": sender.iso_millis(worklog.updated_at),
        }
    )
    return payload


# -- Jira -------------------------------------------------------------------------------


def issue_snapshot(issue: Issue) -> dict[str, Any]:
    """What an issue's changelog compares: take it before a change, pass it to
    `jira_issue(..., before=...)` after."""
    reporter = issue.reporter
    return {
        "summary": issue.summary,
        "status": (issue.status.id, issue.status.name),
        "reporter": (reporter.account_id, reporter.display_name) if reporter else (None, None),
        "project": (str(issue.project_id), issue.project.name),
        "key": issue.key,
        "participants": sorted((u.account_id, u.display_name) for u in issue.participants.all()),
        "organizations": sorted((str(o.pk), o.name) for o in issue.organizations.all()),
    }


def issue_snapshot_if_watched(issue: Issue) -> dict[str, Any] | None:
    """`issue_snapshot`, or None when no webhook would send the update (or reading failed:
    the change must go ahead regardless)."""
    try:
        with transaction.atomic():
            if not _jira_webhooks(ISSUE_UPDATED):
                return None
            return issue_snapshot(issue)
    except Exception:
        logger.exception("Could not read an issue for its webhook changelog.")
        return None


def jira_issue(
    event: str, issue: Issue, *, before: dict[str, Any] | None = None, moved: bool = False
) -> None:
    """Send `event` (`jira:issue_created`, `_updated`, `_deleted`) about `issue`; for a
    deletion call it before the row goes, for an update pass the `issue_snapshot` taken
    before the change (`moved` names it `issue_moved`)."""
    _safely(_jira_issue, event, issue, before, moved)


def jira_issues_deleted(issue_ids: Iterable[int]) -> None:
    """`jira:issue_deleted` for each of these issues (call before deleting them); read a
    chunk at a time, inside the guard."""
    _safely(_jira_issues_deleted, issue_ids)


def _jira_issues_deleted(issue_ids: Iterable[int]) -> bool:
    hooks = _jira_webhooks(ISSUE_DELETED)
    if not hooks:
        return False
    outbox = _Outbox()
    actor = _actor()
    for chunk in _chunks(sorted(set(issue_ids))):
        matching = {hook.pk: _matching(hook, chunk) for hook in hooks}
        for issue in _issues(chunk):
            webhooks = [hook for hook in hooks if issue.pk in matching[hook.pk]]
            _queue_issue(outbox, webhooks, ISSUE_DELETED, issue, None, False, actor)
    return outbox.flush()


def _issues(ids: list[int]) -> Iterable[Issue]:
    """The issues with everything their webhook fields read, in a fixed number of queries."""
    return (
        Issue.objects.filter(pk__in=ids)
        .select_related("project", "reporter")
        .prefetch_related("participants", "organizations")
        .order_by("pk")
    )


def _jira_issue(event: str, issue: Issue, before: dict[str, Any] | None, moved: bool) -> bool:
    webhooks = [hook for hook in _jira_webhooks(event) if issue.pk in _matching(hook, [issue.pk])]
    if not webhooks:
        return False
    (issue,) = _issues([issue.pk])
    outbox = _Outbox()
    _queue_issue(outbox, webhooks, event, issue, before, moved, _actor())
    return outbox.flush()


def _queue_issue(
    outbox: _Outbox,
    webhooks: list[JiraWebhook],
    event: str,
    issue: Issue,
    before: dict[str, Any] | None,
    moved: bool,
    actor: JiraUser,
) -> None:
    if not webhooks:
        return
    moment = timezone.now()
    changelog = None
    if before is not None:
        items = _changes(before, issue_snapshot(issue))
        if not items:
            return  # nothing the changelog compares changed: no jira:issue_updated
        changelog = {"id": str(epoch_ms(moment)), "items": items}

    def build(serializer: Serializer) -> dict[str, Any]:
        body: dict[str, Any] = {
            "timestamp": epoch_ms(moment),
            "webhookEvent": event,
            "issue_event_type_name": ISSUE_MOVED if moved else ISSUE_EVENT_TYPE_NAMES[event],
            "user": serializer.user(actor),
            "issue": {
                "id": str(issue.pk),
                "self": f"{serializer.base}/rest/api/2/issue/{issue.pk}",
                "key": issue.key,
                "fields": {name: serializer.issue_field(issue, name) for name in ISSUE_FIELDS},
            },
        }
        if changelog is not None:
            body["changelog"] = changelog
        return body

    _queue_jira(outbox, webhooks, event, build)


def jira_worklog(event: str, worklog: JiraWorklog) -> None:
    """Send `event` (`worklog_created`, `_updated`, `_deleted`) about a Jira worklog; for a
    deletion call it before the row goes."""
    _safely(_jira_worklog, event, worklog.pk)


def _jira_worklog(event: str, worklog_id: int) -> bool:
    hooks = _jira_webhooks(event)
    if not hooks:
        return False
    worklog = (
        JiraWorklog.objects.select_related("author", "update_author").filter(pk=worklog_id).first()
    )
    if worklog is None:
        return False
    webhooks = [hook for hook in hooks if worklog.issue_id in _matching(hook, [worklog.issue_id])]
    moment = timezone.now()

    def build(serializer: Serializer) -> dict[str, Any]:
        return {
            "timestamp": epoch_ms(moment),
            "webhookEvent": event,
            "worklog": serializer.worklog(worklog),
        }

    outbox = _Outbox()
    _queue_jira(outbox, webhooks, event, build)
    return outbox.flush()


def _jira_webhooks(event: str) -> list[JiraWebhook]:
    # `events` is a JSON list: filtered here, the table holds a handful of rows.
    return [hook for hook in JiraWebhook.objects.filter(enabled=True) if event in hook.events]


def _matching(hook: JiraWebhook, issue_ids: list[int]) -> set[int]:
    """Which of these issues pass the webhook's JQL filter (none: every issue does); one
    query for them all."""
    if not hook.jql.strip():
        return set(issue_ids)
    try:
        query = jql.parse(hook.jql)
        return set(query.apply(Issue.objects.filter(pk__in=issue_ids)).values_list("pk", flat=True))
    except JiraError:
        # Checked at registration; a value that vanished since (a deleted project) matches
        # nothing, as a filter on Jira would.
        return set()


def _queue_jira(
    outbox: _Outbox,
    webhooks: list[JiraWebhook],
    event: str,
    build: Callable[[Serializer], dict[str, Any]],
) -> None:
    """One delivery per webhook; the body is built once per Jira site the links point to."""
    bodies: dict[str, str] = {}
    for hook in webhooks:
        site = settings.SANDBOX_JIRA_SITE_URL or hook.site
        if site not in bodies:
            bodies[site] = json.dumps(build(Serializer.at(site)))
        body = "" if hook.exclude_body else bodies[site]
        # X-Atlassian-Webhook-Identifier: one per delivery, the same on its retries
        # (the format is assumed: Atlassian documents only that it is unique).
        outbox.add(Service.JIRA, str(hook.pk), hook.url, event, str(uuid.uuid4()), body)


def _actor() -> JiraUser:
    return api_account() or JiraUser(
        account_id="sandbox-api-account",
        email=settings.SANDBOX_JIRA_EMAIL,
        display_name=settings.SANDBOX_JIRA_EMAIL,
    )


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Jira's changelog items between two `issue_snapshot`s."""
    items = []

    def item(field: str, field_id: str, old: tuple[Any, Any], new: tuple[Any, Any]) -> None:
        fieldtype = "custom" if field_id.startswith("customfield_") else "jira"
        items.append(
            {
                "field": field,
                "fieldtype": fieldtype,
                "fieldId": field_id,
                "from": old[0],
                "fromString": old[1],
                "to": new[0],
                "toString": new[1],
            }
        )

    if before["summary"] != after["summary"]:
        item("summary", "summary", (None, before["summary"]), (None, after["summary"]))
    for name in ("status", "reporter", "project"):
        if before[name] != after[name]:
            item(name, name, before[name], after[name])
    if before["key"] != after["key"]:
        item("Key", "issuekey", (None, before["key"]), (None, after["key"]))
    for name, field_id, label in (
        ("participants", PARTICIPANTS_FIELD, "Request participants"),
        ("organizations", ORGANIZATIONS_FIELD, "Organizations"),
    ):
        if before[name] != after[name]:
            item(label, field_id, _joined(before[name]), _joined(after[name]))
    return items


def _joined(pairs: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    if not pairs:
        return None, None
    return ", ".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs)


# -- queueing ---------------------------------------------------------------------------


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


class _Outbox:
    """The deliveries of one change, written together (`flush`): pending, or dropped (the
    sandbox's outage, `drop_rate`)."""

    def __init__(self) -> None:
        self.rows: list[Delivery] = []

    def add(
        self, service: str, subscription: str, url: str, event: str, event_id: str, body: str
    ) -> None:
        self.rows.append(
            Delivery(
                service=service,
                subscription=subscription,
                url=url,
                event_type=event,
                event_id=event_id,
                body=body,
            )
        )

    def flush(self) -> bool:
        """Write the deliveries; True when there were any."""
        if not self.rows:
            return False
        conf = WebhookSettings.current()
        rate, seed = float(conf["drop_rate"]), conf["seed"]
        if rate > 0 and seed is not None:
            # Counted in the caller's transaction: a rolled-back change takes its draws back.
            WebhookSettings.objects.filter(pk=1).update(draws=F("draws") + len(self.rows))
            last = WebhookSettings.objects.values_list("draws", flat=True).get(pk=1)
            draws = range(last - len(self.rows) + 1, last + 1)
        else:
            draws = range(len(self.rows))
        now = timezone.now()
        for row, dropped in zip(self.rows, sender.drops(rate, seed, draws), strict=True):
            row.outcome = Outcome.DROPPED if dropped else Outcome.PENDING
            row.created_at = row.next_attempt_at = now
            row.finished_at = now if dropped else None
        Delivery.objects.bulk_create(self.rows, batch_size=CHUNK)
        return True


def _safely(send: Callable[..., bool], *args: Any) -> None:
    """Run `send` in a savepoint; wake the sender when the caller's change is committed."""
    try:
        with transaction.atomic():
            queued = send(*args)
    except Exception:
        logger.exception("Could not queue the webhooks of a change; the change stands.")
        return
    if queued:
        transaction.on_commit(sender.wake)
