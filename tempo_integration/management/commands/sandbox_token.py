"""Mint or delete a token in the running sandbox's Tempo (PRODUCT.md §3), for scripts and tests.

It reaches the sandbox through its loopback-only control endpoint (SANDBOX_URL), so the
token lands in the sandbox's own database exactly as one made on its settings page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.client import SandboxClient, SandboxError
from sandbox.scopes import LEVELS, SCOPES


def _scope(value: str) -> tuple[str, str]:
    name, _, level = value.partition(":")
    if name not in SCOPES or level not in LEVELS:
        raise ValueError(value)
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
            help=f"Custom access, repeatable. SCOPE: {', '.join(SCOPES)}; LEVEL: view or manage.",
        )
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument("--expires-in-days", type=int, metavar="D", help="1 to 5000.")
        expiry.add_argument("--expired", action="store_true", help="Already expired.")
        parser.add_argument("--delete", metavar="TOKEN", help="Delete this token instead.")
        parser.add_argument(
            "--sandbox-url", default=settings.SANDBOX_URL, help="Default: SANDBOX_URL."
        )

    def handle(self, *args, **options) -> None:
        client = SandboxClient(options["sandbox_url"])
        try:
            if options["delete"]:
                client.delete_token(options["delete"])
                return
            days = options["expires_in_days"]
            if days is not None and not 1 <= days <= 5000:
                raise CommandError("--expires-in-days must be between 1 and 5000.")
            token = client.mint_token(
                name=options["name"],
                full=not options["scope"],
                scopes=dict(options["scope"] or []),
                expires_in_days=days,
                expired=options["expired"],
            )
        except SandboxError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(token)
