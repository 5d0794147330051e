"""What the stored credentials can read today, scope by scope (docs/product.md §4.5): one
cheap call per scope, remembered for ten minutes, so an administrator knows before backing
up which data sets the archive will hold. Scope names and routes: docs/outside-apis.md §1
"Tokens"."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.utils import timezone

from tempo_integration import crypto
from tempo_integration.access import open_client
from tempo_integration.client import (
    TempoAuthError,
    TempoError,
    TempoRequestError,
    TempoScopeError,
)
from tempo_integration.models import TempoIntegration
from worklog_report.sentences import full_stop

from .datasets import DATA_SETS, SCOPE_NAMES, SCOPE_PROBES

CACHE_SECONDS = 600
UNKNOWN_CACHE_SECONDS = 60
# A page must not wait long on Tempo: one attempt per probe, short timeouts.
PROBE_OPTIONS = {"read_timeout": 5.0, "connect_timeout": 3.0, "retry_budget": 0.0}


@dataclass(frozen=True)
class ScopeAccess:
    scope: str
    name: str
    state: str  # "readable", "refused", "unavailable", "unknown"
    sentence: str
    data_sets: tuple[str, ...]


def _cache_key(integration: TempoIntegration) -> str:
    return f"backup:scopes:{integration.pk}:{integration.credentials_version}"


def readable_scopes(integration: TempoIntegration, *, refresh: bool = False) -> list[ScopeAccess]:
    """One ScopeAccess per scope a complete backup needs, from the cache when fresh.

    Never raises: Tempo out of reach is state "unknown"; a 401 is "unknown" too (the
    Manage Tempo integration tab owns turning the integration Invalid).
    """
    key = _cache_key(integration)
    if not refresh and (cached := cache.get(key)) is not None:
        return [ScopeAccess(**item) for item in cached]
    found = _probe(integration)
    # An answer Tempo could not give is asked again sooner.
    seconds = UNKNOWN_CACHE_SECONDS if any(i.state == "unknown" for i in found) else CACHE_SECONDS
    cache.set(key, [asdict(item) for item in found], seconds)
    cache.set(f"{key}:at", timezone.now(), seconds)
    return found


def checked_at(integration: TempoIntegration):
    return cache.get(f"{_cache_key(integration)}:at")


def _probe(integration: TempoIntegration) -> list[ScopeAccess]:
    today = timezone.localdate().isoformat()
    results: list[ScopeAccess] = []
    try:
        client = open_client(integration, **PROBE_OPTIONS)
    except (crypto.SecretUnreadable, TempoError):
        client = None
    for scope, (route, params) in SCOPE_PROBES.items():
        name = SCOPE_NAMES[scope]
        sets = tuple(d.name for d in DATA_SETS if d.scope == scope)
        if client is None:
            results.append(
                ScopeAccess(
                    scope, name, "unknown", "Not checked: Tempo could not be reached.", sets
                )
            )
            continue
        filled = {k: (today if v == "{today}" else v) for k, v in params.items()}
        try:
            client.request_json("GET", route, params=filled)
        except TempoScopeError:
            state, sentence = "refused", f"The token has no {name} scope."
        except TempoRequestError as exc:
            state, sentence = (
                "unavailable",
                (
                    "Tempo answered 404: not available on this Tempo plan."
                    if exc.status == 404
                    else f"Tempo refused the check ({exc.status})."
                ),
            )
        except TempoAuthError:
            state, sentence = "unknown", "Tempo rejected the stored credentials (401)."
        except TempoError as exc:
            # Out of reach: the remaining scopes are not asked (the page must not wait).
            state, sentence = "unknown", f"Not checked: {full_stop(str(exc))}"
            client.close()
            client = None
        else:
            state, sentence = "readable", "Readable."
        results.append(ScopeAccess(scope, name, state, sentence, sets))
    if client is not None:
        client.close()
    return results
