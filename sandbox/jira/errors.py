"""Jira's two error bodies (docs/outside-apis.md §3) and the exception views raise to send one.

The platform API (`/rest/api/3/`) answers `{"errorMessages": [...], "errors": {...}}`, JSM's
(`/rest/servicedeskapi/`) `{"errorMessage": ..., "i18nErrorMessage": {...}}`. A view raises
`JiraError` without caring which; `jira_api` (auth.py) renders it in its route's style.
"""

from __future__ import annotations

from django.http import JsonResponse

from sandbox.shapes.jira import jsm_error, platform_error

PLATFORM = "platform"
SERVICE_DESK = "servicedesk"


class JiraError(Exception):
    """Answer with `status` and `message` in the route's error body.

    `i18n_key` is used by JSM bodies only, `field_errors` by platform bodies only.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        i18n_key: str = "sd.request.error",
        field_errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.i18n_key = i18n_key
        self.field_errors = field_errors or {}


def platform_body(error: JiraError) -> dict[str, object]:
    return platform_error(error.message, error.field_errors)


def service_desk_body(error: JiraError) -> dict[str, object]:
    return jsm_error(error.message, error.i18n_key)


def error_response(error: JiraError, style: str) -> JsonResponse:
    body = service_desk_body(error) if style == SERVICE_DESK else platform_body(error)
    return JsonResponse(body, status=error.status)
