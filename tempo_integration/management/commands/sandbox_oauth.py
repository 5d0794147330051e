"""Register and steer Tempo OAuth 2.0 applications in the running sandbox, for scripts and tests.

See docs/sandbox.md, "OAuth 2.0 Applications". Like `sandbox_token`, it asks the sandbox's
loopback-only control endpoint (SANDBOX_URL) over HTTP through the app's one transport; the app
never imports the sandbox.

    sandbox_oauth create-app --name N --redirect-url URL [--redirect-url URL ...]
                             [--client-type confidential|public]
    sandbox_oauth new-secret --client-id ID
    sandbox_oauth delete-app --client-id ID
    sandbox_oauth authorize --client-id ID --redirect-url URL   (prints the code)
    sandbox_oauth expire --client-id ID        (access tokens expire now; refresh still works)
    sandbox_oauth revoke --client-id ID        (every token of the application)
    sandbox_oauth lifetimes [--access-seconds N] [--code-seconds N]
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tempo_integration.management.commands.sandbox_token import TIMEOUT, ControlClient
from worklog_report.http_client import ServiceUnavailable

CLIENT_TYPES = ("confidential", "public")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Register, steer or delete a Tempo OAuth 2.0 application in the running sandbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sandbox-url", default=settings.SANDBOX_URL, help="Default: SANDBOX_URL."
        )
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = commands.add_parser(
            "create-app", help="Register an application; prints client_id=… and client_secret=…."
        )
        create.add_argument("--name", required=True)
        create.add_argument(
            "--redirect-url",
            action="append",
            required=True,
            dest="redirect_urls",
            metavar="URL",
            help="An absolute http(s) URL; repeat for more than one.",
        )
        create.add_argument("--client-type", choices=CLIENT_TYPES, default="confidential")

        for name, text in (
            ("new-secret", "Give the application a new client secret and print it."),
            ("delete-app", "Delete the application; its tokens stop working."),
            ("expire", "Every access token of the application expires now."),
            ("revoke", "Revoke every access and refresh token of the application."),
        ):
            commands.add_parser(name, help=text).add_argument("--client-id", required=True)

        authorize = commands.add_parser(
            "authorize", help="Consent as the sandbox's API account; prints the code."
        )
        authorize.add_argument("--client-id", required=True)
        authorize.add_argument("--redirect-url", required=True)

        lifetimes = commands.add_parser(
            "lifetimes", help="Show, or set, the access token and code lifetimes (seconds)."
        )
        lifetimes.add_argument("--access-seconds", type=_positive, metavar="N")
        lifetimes.add_argument("--code-seconds", type=_positive, metavar="N")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["sandbox_url"]
        with ControlClient(url, {}, timeout=TIMEOUT, retry_budget=0.0) as client:
            try:
                lines = self._run(client, options)
            except ServiceUnavailable:
                raise CommandError(
                    f"The sandbox is not running at {url}. Start it with `make run`."
                ) from None
        for line in lines:
            self.stdout.write(line)

    def _run(self, client: ControlClient, options: dict[str, Any]) -> list[str]:
        action = options["action"]
        if action == "create-app":
            answer = client.request_json(
                "POST",
                "/_sandbox/oauth/applications",
                json={
                    "name": options["name"],
                    "redirect_uris": options["redirect_urls"],
                    "client_type": options["client_type"],
                },
            )
            return [f"client_id={answer['client_id']}", f"client_secret={answer['client_secret']}"]
        if action == "lifetimes":
            changes = {
                name: options[name]
                for name in ("access_seconds", "code_seconds")
                if options[name] is not None
            }
            if changes:
                answer = client.request_json("POST", "/_sandbox/oauth/lifetimes", json=changes)
            else:
                answer = client.request_json("GET", "/_sandbox/oauth/lifetimes")
            return [
                f"access_seconds={answer['access_seconds']}",
                f"code_seconds={answer['code_seconds']}",
            ]
        body = {"client_id": options["client_id"]}
        if action == "authorize":
            body["redirect_uri"] = options["redirect_url"]
            return [client.request_json("POST", "/_sandbox/oauth/authorize", json=body)["code"]]
        if action == "new-secret":
            answer = client.request_json(
                "POST", "/_sandbox/oauth/applications/new-secret", json=body
            )
            return [f"client_secret={answer['client_secret']}"]
        path = {
            "delete-app": "/_sandbox/oauth/applications/delete",
            "expire": "/_sandbox/oauth/expire",
            "revoke": "/_sandbox/oauth/revoke",
        }[action]
        answer = client.request_json("POST", path, json=body)
        # `expired=2`, `revoked=2`: how many token pairs it touched.
        return [f"{key}={value}" for key, value in answer.items() if key in ("expired", "revoked")]
