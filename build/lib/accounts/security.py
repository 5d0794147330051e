"""Sign-in abuse: who is asking (client address, normalised username) and a small counter
for rate limits. The lockout itself is django-axes'; the set-password limits are ours."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache

HOUR = 3600


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address
    the outermost trusted proxy saw (X-Forwarded-For, counted from the right, because a
    client can put anything on its left). None when there is no valid address (a request
    built in code, a Unix socket)."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    if len(chain) < proxies:
        return remote
    return _valid_ip(chain[-proxies]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def normalise_username(value: object) -> str:
    """Sign-in compares usernames and e-mail addresses case-insensitively; so do the
    lockout counters, or `Alice@…` and `alice@…` would each get their own five tries."""
    return str(value or "").strip().lower()


def axes_username(request, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the username as the lockout counts it."""
    if credentials and credentials.get("username") is not None:
        return normalise_username(credentials["username"])
    return normalise_username(request.POST.get("username") if request is not None else "")


def within_limit(scope: str, identity: str, limit: int, window: int = HOUR) -> bool:
    """Count one more request of `identity` in `scope`; False once over `limit` in the window.

    Fixed windows in the shared cache (the database with DEBUG off), so every web worker
    counts together. Identities are hashed: the cache never holds an e-mail address.
    """
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"limit:{scope}:{digest}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit
