"""The webhook routes of Tempo and Jira, called through the app's two clients.

``TempoClient`` and ``JiraClient`` stay the only doors to the services (STYLE §2): these
functions only name the routes and read the answers, through the clients' ``request_json``
(which reads a 204 No Content as None).

References: Tempo REST API v4 OpenAPI, "Webhooks" (``/4/webhooks/subscriptions``,
"Subscription verification", "Retry policy"); Atlassian, "Webhooks" (Jira Cloud platform:
"Registering a webhook using the REST API", "Secure admin webhooks").
"""

from __future__ import annotations

from dataclasses import dataclass

from jsm.client import JiraClient, JiraNotFound, JiraUnavailable
from tempo_integration.client import TempoClient, TempoRequestError, TempoUnavailable

SUBSCRIPTIONS = "/4/webhooks/subscriptions"
JIRA_WEBHOOKS = "/rest/webhooks/1.0/webhook"
# The events of the one Jira admin webhook (Atlassian "Webhooks": issue and worklog events).
JIRA_EVENTS = [
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "worklog_created",
    "worklog_updated",
    "worklog_deleted",
]


@dataclass(frozen=True)
class TempoSubscription:
    """Tempo's answer to a registration: ``id`` (a UUID), whether Tempo could verify the
    address (``active``), and ``shared_secret`` (128 characters; in this answer only)."""

    id: str
    active: bool
    shared_secret: str


def create_tempo_subscription(
    client: TempoClient, *, url: str, event: str, name: str, description: str
) -> TempoSubscription:
    """``POST /4/webhooks/subscriptions``. Tempo verifies ``url`` while answering
    ("Subscription verification": ``GET url?randomString=…`` echoed; a failed one gives
    ``active: false``).

    Raises TempoRequestError (400 bad address or 25 subscriptions already, 409 the same url
    and event exist), TempoAuthError (401), TempoScopeError (403), TempoUnavailable (also
    for an answer without ``id`` or ``sharedSecret``).
    """
    body = client.request_json(
        "POST",
        SUBSCRIPTIONS,
        json={"url": url, "event": event, "name": name, "description": description},
    )
    if (
        not isinstance(body, dict)
        or not body.get("id")
        or not isinstance(body.get("sharedSecret"), str)
        or not body["sharedSecret"]
    ):
        raise TempoUnavailable("Tempo answered with JSON that is not a webhook subscription.")
    return TempoSubscription(
        id=str(body["id"]),
        active=bool(body.get("active", True)),
        shared_secret=body["sharedSecret"],
    )


def tempo_subscription(client: TempoClient, remote_id: str) -> dict | None:
    """``GET /4/webhooks/subscriptions/{id}``: the subscription (``active`` …, never the
    secret), or None on 404. Raises like ``create_tempo_subscription``."""
    try:
        body = client.request_json("GET", f"{SUBSCRIPTIONS}/{_segment(remote_id)}")
    except TempoRequestError as exc:
        if exc.status == 404:
            return None
        raise
    if not isinstance(body, dict):
        raise TempoUnavailable("Tempo answered with JSON that is not a webhook subscription.")
    return body


def tempo_subscriptions(client: TempoClient) -> list[dict]:
    """``GET /4/webhooks/subscriptions``: every subscription of the Tempo instance (a page
    envelope's ``results``)."""
    body = client.request_json("GET", SUBSCRIPTIONS)
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise TempoUnavailable("Tempo answered with JSON that is not a subscription list.")
    return [item for item in results if isinstance(item, dict)]


def delete_tempo_subscription(client: TempoClient, remote_id: str) -> bool:
    """``DELETE /4/webhooks/subscriptions/{id}``: True when deleted, False when Tempo no
    longer had it (404)."""
    try:
        client.request_json("DELETE", f"{SUBSCRIPTIONS}/{_segment(remote_id)}")
    except TempoRequestError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def refresh_tempo_subscription(client: TempoClient, remote_id: str) -> bool:
    """``PATCH /4/webhooks/subscriptions/{id}/refresh``: reactivates a subscription Tempo
    inactivated after ten failed deliveries ("Retry policy"). False on 404."""
    try:
        client.request_json("PATCH", f"{SUBSCRIPTIONS}/{_segment(remote_id)}/refresh")
    except TempoRequestError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def create_jira_webhook(client: JiraClient, *, name: str, url: str, jql: str, secret: str) -> str:
    """``POST /rest/webhooks/1.0/webhook`` with the issue and worklog events, filtered to
    ``jql``, signed with ``secret`` ("Secure admin webhooks": ``X-Hub-Signature``). Returns
    the webhook's id (the tail of ``self``).

    Raises JiraPermissionError (403: the account is not a Jira administrator), JiraAuthError,
    JiraRequestError, JiraUnavailable (also for an answer without ``self``).
    """
    body = client.request_json(
        "POST",
        JIRA_WEBHOOKS,
        json={
            "name": name,
            "url": url,
            "events": JIRA_EVENTS,
            "filters": {"issue-related-events-section": jql},
            "excludeBody": False,
            "secret": secret,
        },
    )
    link = body.get("self") if isinstance(body, dict) else None
    remote_id = str(link).rstrip("/").rsplit("/", 1)[-1] if link else ""
    if not remote_id:
        raise JiraUnavailable("Jira answered with JSON that is not a webhook.")
    return remote_id


def jira_webhook(client: JiraClient, remote_id: str) -> dict | None:
    """``GET /rest/webhooks/1.0/webhook/{id}``: the webhook, or None on 404."""
    try:
        body = client.request_json("GET", f"{JIRA_WEBHOOKS}/{_segment(remote_id)}")
    except JiraNotFound:
        return None
    if not isinstance(body, dict):
        raise JiraUnavailable("Jira answered with JSON that is not a webhook.")
    return body


def delete_jira_webhook(client: JiraClient, remote_id: str) -> bool:
    """``DELETE /rest/webhooks/1.0/webhook/{id}``: True when deleted, False on 404."""
    try:
        client.request_json("DELETE", f"{JIRA_WEBHOOKS}/{_segment(remote_id)}")
    except JiraNotFound:
        return False
    return True


def _segment(remote_id: str) -> str:
    """An id as one path segment: ids come from the services, but a path is never built
    from a value that could add segments."""
    value = str(remote_id)
    if not value or not all(c.isalnum() or c in "-_" for c in value):
        raise ValueError("A webhook id holds only letters, digits, '-' and '_'.")
    return value
