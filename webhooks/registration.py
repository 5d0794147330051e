"""Registering, checking and removing the webhooks (run by the worker, never in a request).

Tempo: one subscription per event (``worklog.created``, ``.updated``, ``.deleted``) with the
stored integration's client. The local row, with the public id its address ends in, is
written and committed first: Tempo verifies the address while it answers the POST
("Subscription verification"), and the endpoint answers only addresses it knows. The
``sharedSecret`` is in that answer only; it is stored encrypted at once.

Jira: one admin webhook (issue and worklog events of the stored JSM projects) with a secret
we generate (``secrets.token_urlsafe(32)``), stored encrypted before the POST. It needs a
Jira administrator's account (403 otherwise, said in a sentence).

``check_all`` (every ``CHECK_EVERY``, from the sync loop's tick) reads each one back: a
Tempo subscription inactivated after failed deliveries ("Retry policy") is refreshed and an
incremental sync queued (its events were lost meanwhile); one Tempo never verified (the
address was unreachable when it was created) is created anew, for a new verification; one
Tempo or Jira no longer has is registered again.

Sources: Tempo REST API v4 OpenAPI, "Webhooks"; Atlassian, "Webhooks" (Jira Cloud platform,
"Secure admin webhooks").
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jsm.client import JiraAuthError, JiraClient, JiraError, JiraPermissionError
from jsm.models import JiraProject
from sync.tasks import request_sync
from tempo_integration import changes as tempo_changes
from tempo_integration import crypto
from tempo_integration.client import (
    TempoAuthError,
    TempoClient,
    TempoError,
    TempoRequestError,
    TempoScopeError,
    TempoUnavailable,
)
from tempo_integration.models import TempoIntegration

from . import remote
from .models import PendingUnsubscribe, Subscription

logger = logging.getLogger("worklog_report.webhooks")

TEMPO_EVENTS = ("worklog.created", "worklog.updated", "worklog.deleted")
JIRA_EVENT = "jira"
NAME = "Worklog Report"

NEEDS_HTTPS = "Webhooks need an HTTPS address: set WEBHOOK_BASE_URL."
SWITCHED_OFF = "Webhooks are switched off (WEBHOOKS=false)."
JIRA_NEEDS_ADMIN = (
    "Jira webhooks need a Jira administrator's account; changes arrive with the periodic sync."
)
JIRA_NOT_CONFIGURED = "Jira is not configured (JIRA_BASE_URL)."
JIRA_NO_PROJECTS = "Waiting for the first Jira sync to list the JSM projects."
JIRA_REJECTED = "Jira rejected the e-mail address and API token, so no webhook was registered."
TEMPO_REJECTED = "Tempo rejected the stored credentials, so no webhook was registered."
TEMPO_NO_PERMISSION = (
    "Tempo does not let the stored credentials manage webhooks (403); changes arrive with "
    "the periodic sync."
)
REACTIVATING = (
    "Tempo switched this webhook off after failed deliveries; it was asked to switch it on "
    "again, and a sync was queued for the changes missed meanwhile."
)
TEMPO_NOT_VERIFIED = (
    "Tempo could not reach this app's address to verify it; check that WEBHOOK_BASE_URL is "
    "reachable from the internet."
)


def base_url_problem() -> str | None:
    """Why webhooks cannot be registered with the configured settings, or None.

    Tempo accepts only HTTPS addresses (the sandbox, like a developer's machine, also plain
    HTTP on a loopback address); an address Tempo or Jira cannot reach would only fail.
    """
    if not settings.WEBHOOKS:
        return SWITCHED_OFF
    parts = urlsplit(settings.WEBHOOK_BASE_URL)
    if not parts.hostname:
        return NEEDS_HTTPS
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return None
    return NEEDS_HTTPS


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address(subscription: Subscription) -> str:
    """The public address Tempo or Jira posts to for ``subscription``."""
    name = (
        "webhooks:tempo" if subscription.service == Subscription.Service.TEMPO else "webhooks:jira"
    )
    path = reverse(name, args=[subscription.public_id])
    return f"{settings.WEBHOOK_BASE_URL}{path}"


# -- Tempo ------------------------------------------------------------------------------


def register_tempo() -> list[Subscription]:
    """Register each Tempo event not yet registered; returns the three rows.

    Every outcome is in the row: live, inactive (Tempo could not verify the address), or
    failed with a sentence (the address, Tempo's refusal, Tempo unreachable). Nothing when
    no working integration is stored.
    """
    integration = tempo_changes.working_integration()
    if integration is None or not settings.WEBHOOKS:
        return []
    rows = [_row(Subscription.Service.TEMPO, event) for event in TEMPO_EVENTS]
    todo = [r for r in rows if not r.remote_id]
    if not todo:
        return rows
    problem = base_url_problem()
    if problem:
        for row in todo:
            row.fail(problem)
        return rows
    try:
        client = tempo_changes.open_client(integration)
    except (TempoError, crypto.SecretUnreadable) as exc:
        for row in todo:
            row.fail(_tempo_sentence(exc))
        return rows
    with client:
        for row in todo:
            _create_tempo(client, row)
    return rows


def _row(service: str, event: str) -> Subscription:
    row, _ = Subscription.objects.get_or_create(service=service, event=event)
    return row


def _create_tempo(client: TempoClient, row: Subscription, *, retry_conflict: bool = True) -> None:
    """POST one subscription for ``row`` (saved with its address first)."""
    row.url = address(row)
    row.status, row.problem = Subscription.Status.PENDING, ""
    row.save()  # committed: Tempo's verification GET must find the address
    try:
        created = remote.create_tempo_subscription(
            client,
            url=row.url,
            event=row.event,
            name=f"{NAME} {row.event}",
            description="Brings Tempo worklog changes into Worklog Report within a minute.",
        )
    except TempoRequestError as exc:
        if exc.status == 409 and retry_conflict and _delete_same_address(client, row):
            # Ours from an earlier attempt whose answer (and secret) was lost: replaced.
            _create_tempo(client, row, retry_conflict=False)
            return
        row.fail(_tempo_sentence(exc))
        return
    except TempoError as exc:
        row.fail(_tempo_sentence(exc))
        return
    row.remote_id = created.id
    row.seal(created.shared_secret)
    row.registered_at = row.checked_at = timezone.now()
    if created.active:
        row.status, row.problem = Subscription.Status.LIVE, ""
    else:
        row.status, row.problem = Subscription.Status.INACTIVE, TEMPO_NOT_VERIFIED
    row.save()
    logger.info("tempo webhook registered", extra={"event": row.event, "active": created.active})


def _delete_same_address(client: TempoClient, row: Subscription) -> bool:
    """Delete Tempo's subscription for this row's address and event (409: it exists, but its
    secret is not ours to know any more). True when one was deleted."""
    try:
        for item in remote.tempo_subscriptions(client):
            if item.get("url") == row.url and item.get("event") == row.event and item.get("id"):
                return remote.delete_tempo_subscription(client, str(item["id"]))
    except (TempoError, ValueError):
        return False
    return False


def _tempo_sentence(exc: Exception) -> str:
    if isinstance(exc, TempoAuthError | crypto.SecretUnreadable):
        return TEMPO_REJECTED
    if isinstance(exc, TempoScopeError):
        return TEMPO_NO_PERMISSION
    if isinstance(exc, TempoRequestError):
        if exc.status == 409:
            return (
                "Tempo already has a subscription for this address and event, and it could "
                "not be replaced; the next check tries again."
            )
        if exc.status == 400:
            return (
                f"Tempo refused the subscription: {_detail(exc)} Tempo accepts only HTTPS "
                "addresses and at most 25 subscriptions."
            )
        return f"Tempo refused the subscription: {_detail(exc)}"
    return "Tempo could not be reached to register the webhook; the next check tries again."


def _detail(exc: Exception) -> str:
    text = str(exc).strip()
    return text if text.endswith(".") else f"{text}."


def check_tempo() -> bool:
    """Read each registered Tempo subscription back: refresh an inactive one, register again
    one Tempo no longer has, register those never registered. True when one was found
    inactive (an incremental sync is then queued: its events were lost)."""
    integration = tempo_changes.working_integration()
    if integration is None:
        return False
    rows = list(Subscription.objects.filter(service=Subscription.Service.TEMPO))
    if base_url_problem() or len(rows) < len(TEMPO_EVENTS) or any(not r.remote_id for r in rows):
        register_tempo()
        rows = list(Subscription.objects.filter(service=Subscription.Service.TEMPO))
    was_inactive = False
    try:
        client = tempo_changes.open_client(integration)
    except (TempoError, crypto.SecretUnreadable):
        return False
    with client:
        for row in rows:
            if not row.remote_id:
                continue
            try:
                if row.url != address(row) and not base_url_problem():
                    # WEBHOOK_BASE_URL changed: Tempo posts to the old address.
                    remote.delete_tempo_subscription(client, row.remote_id)
                    found = None
                else:
                    found = remote.tempo_subscription(client, row.remote_id)
                if found is None:
                    row.remote_id, row.secret_ciphertext = "", ""
                    _create_tempo(client, row)
                    continue
                if found.get("active") is False and row.problem == TEMPO_NOT_VERIFIED:
                    # Never verified, so never sent anything: a refresh does not repeat the
                    # verification (docs/outside-apis.md), a new subscription does. No sync:
                    # polling read everything meanwhile.
                    remote.delete_tempo_subscription(client, row.remote_id)
                    row.remote_id, row.secret_ciphertext = "", ""
                    _create_tempo(client, row)
                    continue
                if found.get("active") is False:
                    was_inactive = True
                    remote.refresh_tempo_subscription(client, row.remote_id)
                    # Live again once the next check or a delivery shows it.
                    row.status, row.problem = Subscription.Status.INACTIVE, REACTIVATING
                else:
                    row.status, row.problem = Subscription.Status.LIVE, ""
            except TempoError as exc:
                logger.warning("tempo webhook check failed: %s", exc, extra={"event": row.event})
                continue
            row.checked_at = timezone.now()
            row.save(update_fields=["status", "problem", "checked_at"])
    if was_inactive:
        request_sync()  # deliveries were lost while it was inactive
    return was_inactive


def forget_tempo(integration: TempoIntegration) -> None:
    """The integration is being revoked: remove the local Tempo rows now (their addresses
    answer 404 from then on) and keep what the worker needs to delete them at Tempo."""
    rows = Subscription.objects.filter(service=Subscription.Service.TEMPO)
    remote_ids = [r for r in rows.values_list("remote_id", flat=True) if r]
    rows.delete()
    if remote_ids and integration.token_ciphertext:
        PendingUnsubscribe.objects.create(
            remote_ids=remote_ids, token_ciphertext=integration.token_ciphertext
        )


def unsubscribe_revoked() -> int:
    """Delete at Tempo the subscriptions of revoked integrations (best effort: the revoked
    credentials may no longer work). The kept credentials are erased whatever happens.
    Returns how many Tempo confirmed deleted."""
    deleted = 0
    for pending in PendingUnsubscribe.objects.all():
        try:
            with TempoClient(crypto.decrypt(pending.token_ciphertext)) as client:
                for remote_id in pending.remote_ids:
                    try:
                        deleted += remote.delete_tempo_subscription(client, str(remote_id))
                    except (TempoRequestError, TempoUnavailable, ValueError) as exc:
                        logger.info("tempo webhook not deleted after revoke: %s", exc)
        except (TempoError, crypto.SecretUnreadable) as exc:  # the credentials no longer work
            logger.info("tempo webhooks not deleted after revoke: %s", exc)
        finally:
            pending.delete()
    return deleted


# -- Jira -------------------------------------------------------------------------------


def jira_filter() -> str:
    """The JQL of the issues the webhook reports: those of the stored JSM projects."""
    ids = sorted(
        JiraProject.objects.filter(missing_since__isnull=True).values_list("jira_id", flat=True),
        key=int,
    )
    return f"project in ({', '.join(str(int(i)) for i in ids)})" if ids else ""


def register_jira(client: JiraClient | None = None) -> Subscription | None:
    """Register the Jira admin webhook unless it is registered for the current projects and
    address; None when Jira is not configured or webhooks are off. A registration whose
    projects or address changed is replaced (deleted, then registered anew)."""
    if not settings.JIRA_BASE_URL or not settings.WEBHOOKS:
        return None
    row = _row(Subscription.Service.JIRA, JIRA_EVENT)
    jql = jira_filter()
    if row.remote_id and row.jql_filter == jql and row.url == address(row):
        return row
    problem = base_url_problem()
    if problem:
        row.fail(problem)
        return row
    if not jql:
        row.status, row.problem = Subscription.Status.PENDING, JIRA_NO_PROJECTS
        row.save(update_fields=["status", "problem"])  # never an old ciphertext back
        return row
    own = client is None
    client = client or JiraClient()
    try:
        if row.remote_id:
            remote.delete_jira_webhook(client, row.remote_id)  # the projects changed
            row.remote_id = ""
        secret = secrets.token_urlsafe(32)
        row.url = address(row)
        row.seal(secret)
        row.status, row.problem, row.jql_filter = Subscription.Status.PENDING, "", jql
        row.save()  # the secret is ours before Jira can sign anything with it
        row.remote_id = remote.create_jira_webhook(
            client, name=NAME, url=row.url, jql=jql, secret=secret
        )
    except JiraPermissionError:
        row.fail(JIRA_NEEDS_ADMIN)
        return row
    except JiraAuthError:
        row.fail(JIRA_REJECTED)
        return row
    except JiraError as exc:
        row.fail(f"Jira could not register the webhook: {_detail(exc)} The next check tries again.")
        return row
    finally:
        if own:
            client.close()
    row.status, row.problem = Subscription.Status.LIVE, ""
    row.registered_at = row.checked_at = timezone.now()
    row.save()
    logger.info("jira webhook registered")
    return row


def check_jira() -> None:
    """Read the Jira webhook back; register it again when Jira no longer has it (404), or
    for the first time."""
    if not settings.JIRA_BASE_URL:
        return
    row = Subscription.objects.filter(service=Subscription.Service.JIRA).first()
    with JiraClient() as client:
        if row is not None and row.remote_id:
            try:
                found = remote.jira_webhook(client, row.remote_id)
            except JiraError as exc:
                logger.warning("jira webhook check failed: %s", exc)
                return
            if found is None:
                row.remote_id = ""
                row.save(update_fields=["remote_id"])
            else:
                row.checked_at = timezone.now()
                row.save(update_fields=["checked_at"])
        register_jira(client)


def check_all() -> None:
    """Tempo, then Jira (each one's trouble is its own); nothing with WEBHOOKS off."""
    if not settings.WEBHOOKS:
        return
    try:
        check_tempo()
    except Exception:
        logger.exception("tempo webhook check failed")
    try:
        check_jira()
    except Exception:
        logger.exception("jira webhook check failed")
