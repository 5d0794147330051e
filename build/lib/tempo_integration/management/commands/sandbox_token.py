"""Mint or delete a token in the running sandbox's Tempo, for scripts and tests.

See docs/product.md §3.

It asks the sandbox's loopback-only control endpoint (SANDBOX_URL) over HTTP, so the token
lands in the sandbox's own database exactly as one made on its settings page. The app never
imports the sandbox: this is one more HTTP client of it, through the app's one transport.
"""

from __future__ import annotations

import re

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from worklog_report.http_client import JsonHttpClient, ServiceUnavailable

SCOPE = re.compile(r"^[a-z-]+:(view|manage)$")
TIMEOUT = (3.0, 10.0)  # connect, read: the sandbox runs on this machine


class SandboxRefused(CommandError):
    pass


class ControlClient(JsonHttpClient):
    """The sandbox's control endpoint: its refusals carry a sentence in ``error``."""

    service = "the sandbox"
    max_attempts = 1

    def raise_for_refusal(self, response: requests.Response) -> None:
        try:
            detail = response.json().get("error")
        except ValueError:
            detail = None
        raise SandboxRefused(f"The sandbox refused: {detail or f'HTTP {response.status_code}'}")


def _scope(value: str) -> tuple[str, str]:
    if not SCOPE.match(value):
        raise ValueError(value)
    name, _, level = value.partition(":")
    return name, level


class Command(BaseCommand):
    help = "Mint a token in the sandbox's Tempo and print only the token, or delete one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="The token's name (default: a generated one).")
        access = parser.add_mutually_exclusive_group()
        access.add_argument("--full", action="store_true", help="Full access (the default).")
        access.add_argument(
            "--scope",
            action="append",
            type=_scope,
            metavar="SCOPE:LEVEL",
            help="Custom access, repeatable, e.g. worklogs:view or accounts:manage (the "
            "sandbox names the scopes it knows when one is wrong).",
        )
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument("--expires-in-days", type=int, metavar="D", help="1 to 5000.")
        expiry.add_argument("--expired", action="store_true", help="Already expired.")
        parser.add_argument("--delete", metavar="TOKEN", help="Delete this token instead.")
        parser.add_argument(
            "--sandbox-url", default=settings.SANDBOX_URL, help="Default: SANDBOX_URL."
        )

    def handle(self, *args, **options) -> None:
        days = options["expires_in_days"]
        if days is not None and not 1 <= days <= 5000:
            raise CommandError("--expires-in-days must be between 1 and 5000.")
        url = options["sandbox_url"]
        with ControlClient(url, {}, timeout=TIMEOUT, retry_budget=0.0) as client:
            try:
                if options["delete"]:
                    client.request_json(
                        "POST", "/_sandbox/tokens/delete", json={"token": options["delete"]}
                    )
                    return
                answer = client.request_json(
                    "POST",
                    "/_sandbox/tokens",
                    json={
                        "name": options["name"],
                        "full": not options["scope"],
                        "scopes": dict(options["scope"] or []),
                        "expires_in_days": days,
                        "expired": options["expired"],
                    },
                )
            except ServiceUnavailable:
                raise CommandError(
                    f"The sandbox is not running at {url}. Start it with `make run`."
                ) from None
        self.stdout.write(answer["token"])
