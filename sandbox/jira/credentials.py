"""The Jira accounts the sandbox accepts: e-mail and API token for Basic auth.

The administrator (`SANDBOX_JIRA_EMAIL`) is the account the app uses. A second account, a
plain agent without Jira administration (`SANDBOX_JIRA_AGENT_EMAIL`), reads like it but is
refused what only administrators may do (registering admin webhooks: 403), so tests can
show that refusal.

Plain Python without Django, so `SandboxProcess` (and through it the app's tests and
`make run`) know the credentials of the sandbox they start. The defaults are what
`make run` gives the app; `SANDBOX_JIRA_EMAIL` and `SANDBOX_JIRA_API_TOKEN` override both
sides at once because the child process inherits the environment.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

EMAIL_VARIABLE = "SANDBOX_JIRA_EMAIL"
API_TOKEN_VARIABLE = "SANDBOX_JIRA_API_TOKEN"
DEFAULT_EMAIL = "admin@sandbox.example"
DEFAULT_API_TOKEN = "sandbox-jira-token"
AGENT_EMAIL_VARIABLE = "SANDBOX_JIRA_AGENT_EMAIL"
AGENT_API_TOKEN_VARIABLE = "SANDBOX_JIRA_AGENT_API_TOKEN"
DEFAULT_AGENT_EMAIL = "agent@sandbox.example"
DEFAULT_AGENT_API_TOKEN = "sandbox-jira-agent-token"


def configured(environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """(e-mail, API token) a sandbox started with `environ` accepts."""
    return (
        environ.get(EMAIL_VARIABLE) or DEFAULT_EMAIL,
        environ.get(API_TOKEN_VARIABLE) or DEFAULT_API_TOKEN,
    )


def configured_agent(environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """(e-mail, API token) of the non-administrator agent a sandbox started with `environ`
    accepts."""
    return (
        environ.get(AGENT_EMAIL_VARIABLE) or DEFAULT_AGENT_EMAIL,
        environ.get(AGENT_API_TOKEN_VARIABLE) or DEFAULT_AGENT_API_TOKEN,
    )


def token_hash(api_token: str) -> str:
    """What the sandbox keeps of the API token: its SHA-256, never the value."""
    return hashlib.sha256(api_token.encode()).hexdigest()
