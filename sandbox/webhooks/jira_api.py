"""Jira's admin webhooks, under the Jira site (`/jira/rest/webhooks/1.0/webhook`).

Source: Atlassian's "Webhooks" page (Jira Cloud platform): "Registering a webhook using the
REST API (for admins)", "Secure admin webhooks" and "Retry policy".

- `POST /rest/webhooks/1.0/webhook` `{"name", "url", "events": [...], "filters":
  {"issue-related-events-section": "<JQL>"}?, "excludeBody": bool?, "secret": str?}` → 201
  `{"self": ".../rest/webhooks/1.0/webhook/{id}", "name", "url", "events", "filters",
  "excludeBody", "enabled": true, "lastUpdatedUser", "lastUpdatedDisplayName",
  "lastUpdated" (epoch ms)}`; the secret is never written out. Any event name is accepted
  (Jira has many); the sandbox sends `jira:issue_created`, `jira:issue_updated`,
  `jira:issue_deleted`, `worklog_created`, `worklog_updated`, `worklog_deleted`. The JQL
  filter is checked on registration (Jira's 400 for bad JQL) and applied to those events.
  400 for a missing name, url or events, and for a URL that is not https (http is accepted
  for loopback hosts, the sandbox's allowance for tests).
- `GET /rest/webhooks/1.0/webhook` → a JSON array; `GET .../{id}` → one or 404;
  `DELETE .../{id}` → 204 or 404.

Only a Jira administrator may call them (admin webhooks): the sandbox's non-administrator
agent (credentials.py) gets 403, with the platform error body like every error here.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sandbox.jira import jql
from sandbox.jira.auth import jira_api
from sandbox.jira.errors import PLATFORM, JiraError
from sandbox.jira.models import Issue, api_account, as_id
from sandbox.jira.serializers import Serializer
from sandbox.shapes.jira import epoch_ms
from sandbox.webhooks import sender
from sandbox.webhooks.models import JiraWebhook

JQL_FILTER = "issue-related-events-section"


@require_http_methods(["GET", "POST"])
@jira_api(PLATFORM, admin_only=True)
def webhooks(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return JsonResponse(
            [_webhook(request, hook) for hook in JiraWebhook.objects.all()], safe=False
        )
    body = _body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise JiraError(400, "The webhook needs a name.", field_errors={"name": "Required."})
    problem = sender.url_problem(body.get("url"))
    if problem:
        raise JiraError(400, problem, field_errors={"url": problem})
    events = body.get("events")
    if (
        not isinstance(events, list)
        or not events
        or not all(isinstance(event, str) and event for event in events)
    ):
        message = "'events' must be a non-empty list of event names."
        raise JiraError(400, message, field_errors={"events": message})
    filters = body.get("filters") or {}
    if not isinstance(filters, dict) or not isinstance(filters.get(JQL_FILTER, ""), str):
        raise JiraError(400, f"'filters' must be an object with a '{JQL_FILTER}' JQL string.")
    query = filters.get(JQL_FILTER, "").strip()
    if query:
        # Jira's own 400 for bad JQL or unknown values (raised as JiraError).
        jql.parse(query).apply(Issue.objects.none())
    exclude_body = body.get("excludeBody", False)
    secret = body.get("secret") or ""
    if not isinstance(exclude_body, bool):
        raise JiraError(400, "'excludeBody' must be true or false.")
    if not isinstance(secret, str):
        raise JiraError(400, "'secret' must be a string.")
    account = api_account()
    hook = JiraWebhook.objects.create(
        name=name.strip(),
        url=body["url"].strip(),
        events=list(dict.fromkeys(events)),
        jql=query,
        exclude_body=exclude_body,
        secret=secret,
        site=settings.SANDBOX_JIRA_SITE_URL or Serializer(request).base,
        updated_by=account.account_id if account else "",
        updated_at=timezone.now(),
    )
    answer = _webhook(request, hook)
    response = JsonResponse(answer, status=201)
    response["Location"] = answer["self"]
    return response


@require_http_methods(["GET", "DELETE"])
@jira_api(PLATFORM, admin_only=True)
def webhook(request: HttpRequest, webhook_id: str) -> HttpResponse:
    number = as_id(webhook_id)
    found = None if number is None else JiraWebhook.objects.filter(pk=number).first()
    if found is None:
        raise JiraError(404, f"Webhook with id {webhook_id} does not exist.")
    if request.method == "DELETE":
        found.delete()
        return HttpResponse(status=204)
    return JsonResponse(_webhook(request, found))


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"")
    except ValueError:
        raise JiraError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise JiraError(400, "The request body must be a JSON object.")
    return body


def _webhook(request: HttpRequest, hook: JiraWebhook) -> dict[str, Any]:
    account = api_account()
    return {
        "self": request.build_absolute_uri(
            reverse("sandbox_webhooks:jira_webhook", args=[hook.pk])
        ),
        "name": hook.name,
        "url": hook.url,
        "excludeBody": hook.exclude_body,
        "filters": {JQL_FILTER: hook.jql},
        "events": hook.events,
        "enabled": hook.enabled,
        "lastUpdatedUser": hook.updated_by,
        "lastUpdatedDisplayName": account.display_name if account else settings.SANDBOX_JIRA_EMAIL,
        "lastUpdated": epoch_ms(hook.updated_at),
    }
