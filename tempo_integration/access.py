"""Reaching Tempo with the stored credentials (docs/product.md §4.1, §6).

``open_client`` gives the sync and the tab a TempoClient whatever the method: an API token
as stored, or an OAuth 2.0 access token renewed first when due and once more on a 401
(``oauth_renewal``). ``check_access`` is Check now and the check on opening the tab.
"""

from __future__ import annotations

from . import crypto
from .client import TempoAuthError, TempoClient, TempoError, TempoScopeError
from .models import TempoIntegration
from .oauth_renewal import Access


def open_client(integration: TempoIntegration, **options) -> TempoClient:
    """A TempoClient for the stored credentials; ``options`` are TempoClient's.

    Raises crypto.SecretUnreadable, and for OAuth TempoAuthError (renewal refused: the
    integration is now Invalid) or TempoUnavailable (renewal due past the expiry and Tempo
    unreachable).
    """
    if not integration.is_oauth:
        return TempoClient(integration.token(), **options)
    access = Access.current(integration)
    return TempoClient(access.token, renew=access.renew_after_rejection, **options)


def check_access(integration: TempoIntegration, **client_options) -> tuple[str, str]:
    """Ask Tempo, with one call, whether the stored credentials still read worklogs.

    Returns ``(outcome, detail)``: outcome is ``accepted``, ``rejected`` (401, also after
    an OAuth renewal), ``no_scope`` (403), ``unreadable`` (cannot be decrypted) or
    ``unreachable``; detail says it for the History. A refusal turns the integration
    Invalid through ``mark_invalid`` (as the sync does); Tempo being unreachable changes
    nothing.
    """
    noun = "OAuth 2.0 access" if integration.is_oauth else "token"
    try:
        with open_client(integration, **client_options) as client:
            client.check_access()
    except crypto.SecretUnreadable:
        outcome, detail = "unreadable", f"The stored {noun} cannot be decrypted."
    except TempoAuthError:
        outcome, detail = "rejected", f"Tempo rejected the stored {noun} (401)."
    except TempoScopeError:
        outcome, detail = "no_scope", f"Tempo no longer lets the {noun} view worklogs (403)."
    except TempoError as exc:
        return "unreachable", str(exc)
    else:
        integration.refresh_from_db()
        integration.mark_verified()
        return "accepted", f"Tempo accepted the stored {noun}."
    integration.mark_invalid(detail)
    return outcome, detail
