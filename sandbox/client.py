"""Python client of the sandbox's control endpoint (/_sandbox/).

Used by the tests, the app's `sandbox_token` command and `make run`. It needs only
`requests`, so it can be imported without Django settings (by the app, whose settings are
not the sandbox's).
"""

from __future__ import annotations

from typing import Any

import requests

# (connect, read) seconds: the sandbox is on this machine and answers at once, or not at all.
TIMEOUT = (2.0, 10.0)


class SandboxError(Exception):
    """The sandbox is unreachable or refused a control call; the message says which."""


class SandboxClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        # Never route loopback calls through a proxy configured in the environment.
        self._session.trust_env = False

    def health(self) -> bool:
        """True when the sandbox answers; False when it is not (yet) running."""
        try:
            response = self._session.get(f"{self.base_url}/_sandbox/health", timeout=TIMEOUT)
        except requests.RequestException:
            return False
        return response.status_code == 200

    def mint_token(
        self,
        name: str | None = None,
        full: bool = False,
        scopes: dict[str, str] | None = None,
        expires_in_days: int | None = None,
        expired: bool = False,
    ) -> str:
        """Create a Tempo API token and return its value.

        `scopes` maps scope names to "view" or "manage" (e.g. {"worklogs": "view"}); with
        neither `full` nor `scopes` the token has full access.
        """
        answer = self._call(
            "POST",
            "/_sandbox/tokens",
            {
                "name": name,
                "full": full,
                "scopes": scopes or {},
                "expires_in_days": expires_in_days,
                "expired": expired,
            },
        )
        return answer["token"]

    def delete_token(self, token: str) -> None:
        """Delete the token with this value, as Tempo's Delete does."""
        self._call("POST", "/_sandbox/tokens/delete", {"token": token})

    def regenerate_token(self, token: str) -> str:
        """Give the token a new value (returned); the old value stops working."""
        return self._call("POST", "/_sandbox/tokens/regenerate", {"token": token})["token"]

    def add_fault(
        self,
        service: str,
        kind: str,
        count: int = 1,
        retry_after: int | None = None,
        delay: float | None = None,
    ) -> None:
        """Make the next `count` API calls to `service` ("tempo" or "jira") misbehave.

        `kind` is one of "429", "500", "503", "slow" (answers after `delay` seconds),
        "html", "truncated" or "drop". A 429 carries `Retry-After` only when `retry_after`
        is given.
        """
        self._call(
            "POST",
            "/_sandbox/faults",
            {
                "service": service,
                "kind": kind,
                "count": count,
                "retry_after": retry_after,
                "delay": delay,
            },
        )

    def clear_faults(self) -> None:
        self._call("DELETE", "/_sandbox/faults")

    def request_count(self, service: str) -> int:
        """API calls `service` received since the last `reset_request_count()`."""
        return self._call("GET", f"/_sandbox/requests?service={service}")["count"]

    def reset_request_count(self) -> None:
        self._call("POST", "/_sandbox/requests/reset")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(method, url, json=body, timeout=TIMEOUT)
        except requests.ConnectionError:
            raise SandboxError(
                f"The sandbox is not running at {self.base_url}. Start it with `make run`."
            ) from None
        except requests.RequestException as error:
            raise SandboxError(
                f"The sandbox at {self.base_url} did not answer properly: {error}"
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if not response.ok:
            detail = answer.get("error") or f"HTTP {response.status_code}"
            raise SandboxError(f"The sandbox refused {method} {path}: {detail}")
        return answer
