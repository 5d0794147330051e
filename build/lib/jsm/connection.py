"""Whether Jira accepts the configured credentials, and as whom: the Sync tab's Jira line
(docs/product.md §4.4). Asks ``GET /rest/api/3/myself`` (docs/outside-apis.md §3)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from .client import JiraAuthError, JiraClient, JiraError

# The Jira connection line: one quick call at most every JIRA_CHECK_CACHE_SECONDS, so the tab
# stays fast when Jira is slow and never adds load of its own.
JIRA_CHECK_TIMEOUT = (2.0, 3.0)  # connect, read
JIRA_CHECK_CACHE_SECONDS = 300
JIRA_CONNECTED = "Jira: connected as {name}."
JIRA_CONNECTED_WITH_EMAIL = "Jira: connected as {name} ({email})."
JIRA_NOT_CONFIGURED = (
    "Jira: not configured. Set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN, then restart the app."
)
JIRA_REJECTED = (
    "Jira: the e-mail address and API token were rejected (401). "
    "Check JIRA_EMAIL and JIRA_API_TOKEN."
)
JIRA_CHECK_FAILED = "Jira: the connection could not be checked just now. {reason}"


def jira_connection() -> dict[str, str]:
    """Whether Jira accepts the configured credentials, and as whom:
    ``{"state": "connected" | "rejected" | "failed" | "unconfigured", "text": sentence}``.

    Asks ``/myself`` once, with short timeouts and no retries, and keeps the answer in the
    cache for five minutes under a key made of the site and e-mail address (no secret).
    Never calls Jira when JIRA_BASE_URL is unset.
    """
    if not settings.JIRA_BASE_URL:
        return {"state": "unconfigured", "text": JIRA_NOT_CONFIGURED}
    site = f"{settings.JIRA_BASE_URL}\n{settings.JIRA_EMAIL}".encode()
    key = "jsm:jira-connection:" + hashlib.sha256(site).hexdigest()
    answer = cache.get(key)
    if answer is None:
        answer = _check_jira_connection()
        cache.set(key, answer, JIRA_CHECK_CACHE_SECONDS)
    return answer


def _check_jira_connection() -> dict[str, str]:
    client = JiraClient(
        timeout=JIRA_CHECK_TIMEOUT, retry_budget=0.0, deadline=sum(JIRA_CHECK_TIMEOUT)
    )
    client.max_attempts = 1  # a page view must not wait out retries
    try:
        with client:
            me = client.myself()
    except JiraAuthError:
        return {"state": "rejected", "text": JIRA_REJECTED}
    except JiraError as exc:
        return {"state": "failed", "text": JIRA_CHECK_FAILED.format(reason=exc)}
    name = str(me.get("displayName") or me["accountId"])
    email = me.get("emailAddress")  # null when the account's privacy settings hide it
    if email:
        return {
            "state": "connected",
            "text": JIRA_CONNECTED_WITH_EMAIL.format(name=name, email=email),
        }
    return {"state": "connected", "text": JIRA_CONNECTED.format(name=name)}
