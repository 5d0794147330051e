"""Python client of the sandbox's control endpoint (/_sandbox/).

Used by the tests, the app's `sandbox_token` command and `make run`. It needs only
`requests`, so it can be imported without Django settings (by the app, whose settings are
not the sandbox's).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

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
        "html", "truncated", "drop" or "drip" (a 200 of at least 100,000 bytes, declared in
        `Content-Length`, sent a byte every `delay` seconds, 0.5 when not given). A 429
        carries `Retry-After` only when `retry_after` is given.
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

    def set_profile(
        self,
        realistic: bool = True,
        *,
        latency: float | None = None,
        rate: float | None = None,
        burst: int | None = None,
    ) -> dict[str, Any]:
        """Switch the realistic profile on (sandbox/faults.py): every API call answered after
        `latency` seconds (default 0.15), Tempo's API limited to `rate` calls a second per
        client (default 5, bursts of `burst`, default 5) with 429 and `Retry-After` beyond
        it. `realistic=False` starts from no latency and no limit instead. Returns the
        profile in force; `clear_profile()` switches it off."""
        body: dict[str, Any] = {"realistic": realistic}
        body.update(_given(latency=latency, rate=rate, burst=burst))
        return self._call("POST", "/_sandbox/profile", body)

    def profile(self) -> dict[str, Any]:
        """`{"latency", "rate", "burst", "on"}`: the profile in force."""
        return self._call("GET", "/_sandbox/profile")

    def clear_profile(self) -> None:
        self._call("DELETE", "/_sandbox/profile")

    def switch_on(self, behaviour: str, target: str | int, count: int | None = 1) -> None:
        """Make the sandbox show a documented real behaviour (sandbox.models.Behaviour) for
        one issue or project, for `count` calls (None: until `switch_off`)."""
        body = {"behaviour": behaviour, "target": str(target), "count": count}
        self._call("POST", "/_sandbox/behaviours", body)

    def switch_off(self, behaviour: str | None = None) -> None:
        """Switch one behaviour (or all of them) off."""
        self._call(
            "DELETE", "/_sandbox/behaviours" + (f"?behaviour={behaviour}" if behaviour else "")
        )

    def request_count(self, service: str) -> int:
        """API calls `service` received since the last `reset_request_count()`."""
        return self._call("GET", f"/_sandbox/requests?service={service}")["count"]

    def reset_request_count(self) -> None:
        self._call("POST", "/_sandbox/requests/reset")

    # -- data drift (sandbox/drift.py) ----------------------------------------------------
    # Jira ids come back as strings ("10423"), Tempo worklog ids as numbers, as each
    # service's API writes them. A user is named by accountId or e-mail address, an issue
    # or project by id or key. Unknown objects in the path answer 404, bad bodies 400:
    # both raise SandboxError.

    def create_request(
        self,
        project: str,
        summary: str,
        reporter: str,
        *,
        status: str | None = None,
        participants: list[str] | None = None,
        organizations: list[str | int] | None = None,
    ) -> dict[str, Any]:
        """Raise a request now; return `{"id", "key", "project_id", "updated"}`.

        `status` is a status id or name (default "Waiting for support"); `participants`
        are users and `organizations` organization ids (the Organizations field).
        """
        body: dict[str, Any] = {"project": project, "summary": summary, "reporter": reporter}
        body.update(_given(status=status, participants=participants, organizations=organizations))
        return self._call("POST", "/_sandbox/jira/requests", body)

    def update_request(
        self,
        request: str,
        *,
        summary: str | None = None,
        status: str | None = None,
        reporter: str | None = None,
        participants: list[str] | None = None,
        organizations: list[str | int] | None = None,
    ) -> dict[str, Any]:
        """Change a request (lists replace the whole field; `[]` empties it).

        Its `updated` becomes now. Returns `{"id", "key", "project_id", "updated"}`.
        """
        changes = _given(
            summary=summary,
            status=status,
            reporter=reporter,
            participants=participants,
            organizations=organizations,
        )
        return self._call("PATCH", f"/_sandbox/jira/requests/{request}", changes)

    def move_request(self, request: str, project: str) -> dict[str, Any]:
        """Move a request to another project (same id, a new key; its Jira and Tempo
        worklogs follow it). Returns `{"id", "key", "project_id", "updated"}`."""
        return self._call("POST", f"/_sandbox/jira/requests/{request}/move", {"project": project})

    def delete_request(self, request: str) -> dict[str, Any]:
        """Delete a request with its Jira and Tempo worklogs.

        Returns `{"id", "key", "issue_ids", "jira_worklog_ids", "tempo_worklog_ids"}`;
        the Jira worklogs then show in `/rest/api/3/worklog/deleted`.
        """
        return self._call("DELETE", f"/_sandbox/jira/requests/{request}")

    def add_organization_member(self, organization_id: str | int, account: str) -> None:
        """Add a customer to a JSM organization (and so to its service desks' customers)."""
        self._call(
            "POST",
            f"/_sandbox/jira/organizations/{organization_id}/members",
            {"account": account},
        )

    def remove_organization_member(self, organization_id: str | int, account: str) -> None:
        self._call("DELETE", f"/_sandbox/jira/organizations/{organization_id}/members/{account}")

    def delete_project(self, project: str) -> dict[str, Any]:
        """Delete a project with its issues and their worklogs (answered as delete_request)."""
        return self._call("DELETE", f"/_sandbox/jira/projects/{project}")

    def create_tempo_worklog(
        self,
        issue: str,
        time_spent_seconds: int,
        *,
        billable_seconds: int | None = None,
        start_date: str | None = None,
        start_time: str | None = None,
        description: str | None = None,
        author: str | None = None,
        updated: str | None = None,
    ) -> dict[str, Any]:
        """Log time in Tempo on a Jira issue; return `{"id", "issue_id", "project_id",
        "updated_at"}` (ids as numbers, as Tempo writes them).

        Defaults: billable = time spent, `start_date` today ("YYYY-MM-DD"), `start_time`
        "09:00:00", author the sandbox's Jira account, created and last edited now
        (`updated`, ISO 8601 with an offset, for one last edited long ago).
        """
        body: dict[str, Any] = {"issue": issue, "time_spent_seconds": time_spent_seconds}
        body.update(
            _given(
                billable_seconds=billable_seconds,
                start_date=start_date,
                start_time=start_time,
                description=description,
                author=author,
                updated=updated,
            )
        )
        return self._call("POST", "/_sandbox/tempo/worklogs", body)

    def update_tempo_worklog(self, worklog_id: int, **changes: Any) -> dict[str, Any]:
        """Edit a Tempo worklog: any of `time_spent_seconds`, `billable_seconds`,
        `start_date`, `start_time`, `description`, `author`, `issue`.

        Its `updatedAt` becomes now (and always moves forward). Returns as
        `create_tempo_worklog`.
        """
        return self._call("PATCH", f"/_sandbox/tempo/worklogs/{worklog_id}", changes)

    def move_tempo_worklog(self, worklog_id: int, issue: str) -> dict[str, Any]:
        """Move a Tempo worklog to another issue (its project follows)."""
        return self.update_tempo_worklog(worklog_id, issue=issue)

    def delete_tempo_worklog(self, worklog_id: int) -> None:
        """Delete a Tempo worklog; Tempo's lists simply stop showing it."""
        self._call("DELETE", f"/_sandbox/tempo/worklogs/{worklog_id}")

    def create_jira_worklog(
        self,
        issue: str,
        time_spent_seconds: int,
        *,
        started: str | None = None,
        comment: str | dict[str, Any] | None = None,
        author: str | None = None,
        updated: str | None = None,
        visibility: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Log time in Jira only; return `{"id", "issue_id", "updated"}`.

        `started` and `updated` are ISO 8601 with an offset ("2026-11-02T09:30:00Z").
        `/worklog/updated` hides the last minute (SANDBOX_JIRA_WORKLOG_CHANGES_DELAY), so
        pass an `updated` more than a minute ago, or start the sandbox with that delay at 0,
        to see the worklog there at once. The issue's `updated` moves too.

        `comment` is plain text or an Atlassian Document Format document (a dict with
        `"type": "doc"`), which Jira's API then returns as it is. `visibility` restricts the
        worklog, as Jira does: `{"type": "role", "value": "Service Desk Team"}` or
        `{"type": "group", "value": "jira-servicemanagement-users", "identifier": "..."}`.
        """
        body: dict[str, Any] = {"issue": issue, "time_spent_seconds": time_spent_seconds}
        body.update(
            _given(
                started=started,
                comment=comment,
                author=author,
                updated=updated,
                visibility=visibility,
            )
        )
        return self._call("POST", "/_sandbox/jira/worklogs", body)

    def update_jira_worklog(self, worklog_id: str | int, **changes: Any) -> dict[str, Any]:
        """Edit a Jira worklog: any of `time_spent_seconds`, `started` (ISO 8601 with an
        offset), `comment` (text or ADF), `author` (who edits it: its `updateAuthor`),
        `updated` (default now). The issue's `updated` moves too. Returns as
        `create_jira_worklog`."""
        return self._call("PATCH", f"/_sandbox/jira/worklogs/{worklog_id}", changes)

    def delete_jira_worklog(self, worklog_id: str | int) -> None:
        """Delete a Jira worklog; it is then listed by `/rest/api/3/worklog/deleted`."""
        self._call("DELETE", f"/_sandbox/jira/worklogs/{worklog_id}")

    def set_jira_time_zone(self, account: str, time_zone: str | None) -> None:
        """Set a Jira user's profile time zone (an IANA name such as "America/New_York");
        None hides it, as the user's privacy settings can (Jira then writes null).

        Every user starts in "Etc/UTC". The zone shows as `timeZone` on the user's objects (a
        worklog's `author`); the sandbox's own API account's zone is the one in which
        worklogs' `started`, `created` and `updated` are written, as Jira does.
        """
        self._call("PATCH", f"/_sandbox/jira/users/{account}", {"time_zone": time_zone})

    def revoke_portal_access(self, account: str) -> dict[str, Any]:
        """Revoke a customer's portal access in JSM: every object of the user (service desk
        customers, organization members, reporter, participants) then says `active` false.
        Returns `{"account_id", "email", "active"}`."""
        return self._call("POST", f"/_sandbox/jira/users/{account}/access", {"active": False})

    def restore_portal_access(self, account: str) -> dict[str, Any]:
        """Give a revoked customer their portal access back (`active` true); answered as
        `revoke_portal_access`."""
        return self._call("POST", f"/_sandbox/jira/users/{account}/access", {"active": True})

    def change_jira_email(self, account: str, email: str | None) -> dict[str, Any]:
        """Give a Jira user a new e-mail address (same accountId), or hide it with None, as
        the user's privacy settings can (Jira then writes `emailAddress` null). An address
        another user has is refused. Answered as `revoke_portal_access`."""
        return self._call("POST", f"/_sandbox/jira/users/{account}/email", {"email": email})

    # Tempo's backup data (API-CONTRACTS.md §1 "Other list routes").

    def set_timesheet_approval(
        self, account_id: str, period_from: str, status: str, comment: str = ""
    ) -> dict[str, Any]:
        """Set a user's timesheet status for the monthly period holding `period_from`
        ("YYYY-MM-DD"): "OPEN", "IN_REVIEW" or "APPROVED" (Tempo has no REOPENED: a
        reopened timesheet is OPEN, with a comment). Returns `{"account_id", "period":
        {"from", "to"}, "status", "comment", "actor", "reviewer", "updated_at"}`."""
        body = {
            "account_id": account_id,
            "period_from": period_from,
            "status": status,
            "comment": comment,
        }
        return self._call("POST", "/_sandbox/tempo/approvals", body)

    def tempo_counts(self) -> dict[str, int]:
        """How many objects of each of the backup's data sets the sandbox holds: `{"worklogs",
        "work-attributes", "accounts", "customers", "account-categories", "account-links",
        "teams", "team-memberships", "roles", "holiday-schemes", "workload-schemes",
        "programs"}` (worklogs: every Tempo worklog)."""
        return self._call("GET", "/_sandbox/tempo/counts")

    # Tempo OAuth 2.0 (docs/sandbox.md, "OAuth 2.0 Applications").

    def create_oauth_application(
        self, name: str, redirect_uris: list[str], client_type: str = "confidential"
    ) -> dict[str, Any]:
        """Register an application: `{id, name, client_id, client_secret, ...}`."""
        return self._call(
            "POST",
            "/_sandbox/oauth/applications",
            {"name": name, "redirect_uris": redirect_uris, "client_type": client_type},
        )

    def delete_oauth_application(self, client_id: str) -> None:
        self._call("POST", "/_sandbox/oauth/applications/delete", {"client_id": client_id})

    def new_oauth_secret(self, client_id: str) -> str:
        answer = self._call(
            "POST", "/_sandbox/oauth/applications/new-secret", {"client_id": client_id}
        )
        return answer["client_secret"]

    def oauth_authorize(self, client_id: str, redirect_uri: str) -> str:
        """An authorization code, as if the API account had pressed Allow."""
        answer = self._call(
            "POST",
            "/_sandbox/oauth/authorize",
            {"client_id": client_id, "redirect_uri": redirect_uri},
        )
        return answer["code"]

    def expire_oauth_tokens(self, client_id: str) -> int:
        return self._call("POST", "/_sandbox/oauth/expire", {"client_id": client_id})["expired"]

    def revoke_oauth_tokens(self, client_id: str) -> int:
        return self._call("POST", "/_sandbox/oauth/revoke", {"client_id": client_id})["revoked"]

    def oauth_lifetimes(
        self, access_seconds: int | None = None, code_seconds: int | None = None
    ) -> dict[str, int]:
        """Set the given lifetimes (seconds) and return those in force; none given: read."""
        if access_seconds is None and code_seconds is None:
            return self._call("GET", "/_sandbox/oauth/lifetimes")
        return self._call(
            "POST",
            "/_sandbox/oauth/lifetimes",
            _given(access_seconds=access_seconds, code_seconds=code_seconds),
        )

    def reset_oauth_lifetimes(self) -> dict[str, int]:
        """Back to the `SANDBOX_TEMPO_OAUTH_*_SECONDS` settings (60 days, 10 minutes)."""
        return self._call("DELETE", "/_sandbox/oauth/lifetimes")

    def oauth_token_counts(self, client_id: str) -> dict[str, Any]:
        """`{client_id, live, expired, revoked}`: the application's token pairs by state."""
        return self._call("GET", f"/_sandbox/oauth/tokens?{urlencode({'client_id': client_id})}")

    # Webhooks (sandbox/webhooks/): what Tempo's subscriptions and Jira's admin webhooks
    # were sent. Every data change above is delivered to the webhooks registered for it.

    def webhook_state(self, deliveries: int = 50) -> dict[str, Any]:
        """`{"tempo_subscriptions": [{"id", "url", "event", "name", "active", "failures",
        "verification", "created_at"}], "jira_webhooks": [{"id", "name", "url", "events",
        "jql", "exclude_body", "has_secret", "enabled"}], "settings": {...}, "deliveries":
        [{"id", "service", "subscription", "event_id", "event_type", "url", "attempts",
        "outcome", "status", "reason", "created_at", "next_attempt_at", "finished_at",
        "history"}], "pending", "idle"}`: the last `deliveries` deliveries, oldest first;
        `outcome` is "pending", "sent", "failed", "dropped" or "cancelled"."""
        return self._call("GET", f"/_sandbox/webhooks?{urlencode({'deliveries': deliveries})}")

    def set_webhooks(self, **settings: Any) -> dict[str, Any]:
        """Set any of `drop_rate` (0 to 1), `seed` (int or None), `retry_delay_seconds`
        ([min, max]), `max_retries` (int, or {"tempo", "jira"}), `timeout_seconds`,
        `paused` (hold every delivery); return the settings in force."""
        return self._call("POST", "/_sandbox/webhooks/settings", settings)

    def reset_webhooks(self) -> None:
        """Forget every Tempo subscription, Jira webhook, delivery and setting."""
        self._call("POST", "/_sandbox/webhooks/reset")

    def wait_for_webhooks(self, timeout: float = 10.0, deliveries: int = 50) -> dict[str, Any]:
        """Wait until no delivery is pending (retries included) and return the state as
        `webhook_state`; raise SandboxError when some still are after `timeout` seconds."""
        query = urlencode({"wait_idle": timeout, "deliveries": deliveries})
        state = self._call(
            "GET", f"/_sandbox/webhooks?{query}", timeout=(TIMEOUT[0], timeout + TIMEOUT[1])
        )
        if not state["idle"]:
            raise SandboxError(
                f"{state['pending']} webhook deliveries still pending after {timeout:g} s."
            )
        return state

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(method, url, json=body, timeout=timeout)
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


def _given(**values: Any) -> dict[str, Any]:
    """The arguments that were given (not None), for a partial JSON body."""
    return {name: value for name, value in values.items() if value is not None}
