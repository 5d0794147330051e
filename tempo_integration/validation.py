"""Checking a new token with Tempo on Add (docs/product.md §4.1). The stored token is checked
again by ``TempoIntegration.check_access`` (Check now, and when the tab opens)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from . import sentences
from .client import TempoAuthError, TempoClient, TempoError, TempoScopeError
from .models import IntegrationEvent, TempoIntegration
from .signals import token_added

logger = logging.getLogger(__name__)


def waiting_retry_budget() -> float:
    """Seconds of retries a person who clicked a button waits at most (Add, Check now); a
    sync may wait much longer (``TEMPO_RETRY_BUDGET``)."""
    return min(settings.TEMPO_RETRY_BUDGET, 10.0)


@dataclass(frozen=True)
class AddResult:
    ok: bool
    message: str


def add_token(token: str, user) -> AddResult:
    """Validate a locally well-formed token with one call to Tempo and store it if accepted.

    Nothing is stored unless Tempo answers 200 with a worklog page; every outcome lands in
    the History without the token. A stored token sends ``signals.token_added`` (the sync
    app queues a sync, so the worklogs come in by themselves).
    """
    with TempoClient(token, retry_budget=waiting_retry_budget()) as client:
        try:
            client.check_access()
        except TempoAuthError:
            return refused(user, sentences.INVALID_TOKEN, "Tempo rejected the token (401).")
        except TempoScopeError:
            return refused(
                user, sentences.NO_WORKLOG_SCOPE, "The token has no Worklogs view scope (403)."
            )
        except TempoError as exc:
            logger.warning("Tempo token check failed: %s", exc)
            return refused(user, sentences.UNREACHABLE, str(exc))
    integration = TempoIntegration.store(token, user)
    token_added.send(sender=TempoIntegration, integration=integration)
    return AddResult(ok=True, message=sentences.ADDED)


def refused(user, message: str, detail: str) -> AddResult:
    """A failed Add or OAuth connection: one History line (never a secret), one flag."""
    IntegrationEvent.record(IntegrationEvent.Kind.ADD_FAILED, user, detail)
    return AddResult(ok=False, message=message)
