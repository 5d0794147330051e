"""Checking tokens with Tempo: on Add, and again when the tab opens (PRODUCT.md §4.1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from . import sentences
from .client import TempoAuthError, TempoClient, TempoError, TempoScopeError
from .crypto import SecretUnreadable
from .models import IntegrationEvent, TempoIntegration

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddResult:
    ok: bool
    message: str


def add_token(token: str, user) -> AddResult:
    """Validate a locally well-formed token with one call to Tempo and store it if accepted.

    Nothing is stored unless Tempo answers 200 with a worklog page; every outcome lands in
    the History without the token.
    """
    # A person waits for this answer: keep retries short (a sync may wait much longer).
    with TempoClient(token, retry_budget=min(settings.TEMPO_RETRY_BUDGET, 10.0)) as client:
        try:
            client.check_access()
        except TempoAuthError:
            return _failed(user, sentences.INVALID_TOKEN, "Tempo rejected the token (401).")
        except TempoScopeError:
            return _failed(
                user, sentences.NO_WORKLOG_SCOPE, "The token has no Worklogs view scope (403)."
            )
        except TempoError as exc:
            logger.warning("Tempo token check failed: %s", exc)
            return _failed(user, sentences.UNREACHABLE, str(exc))
    TempoIntegration.store(token, user)
    return AddResult(ok=True, message=sentences.ADDED)


def _failed(user, message: str, detail: str) -> AddResult:
    IntegrationEvent.record(IntegrationEvent.Kind.ADD_FAILED, user, detail)
    return AddResult(ok=False, message=message)


def verify_if_stale(integration: TempoIntegration) -> None:
    """Re-check an Active token whose last check is older than ten minutes.

    Runs while an admin opens the tab, so it makes a single quick attempt: if Tempo cannot
    be reached the status stays as it is; only Tempo's own refusal makes it Invalid.
    """
    if not integration.needs_check():
        return
    try:
        with integration.client(retry_budget=0, read_timeout=5.0) as client:
            client.check_access()
    except SecretUnreadable:
        integration.mark_invalid("The stored token cannot be decrypted with ENCRYPTION_KEYS.")
    except TempoAuthError:
        integration.mark_invalid("Tempo rejected the stored token (401).")
    except TempoScopeError:
        integration.mark_invalid("Tempo no longer lets the stored token view worklogs (403).")
    except TempoError as exc:
        logger.info("Tempo token re-check skipped: %s", exc)
    else:
        integration.mark_verified()
