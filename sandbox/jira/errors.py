"""Jira's two error bodies (API-CONTRACTS.md §3) and the exception views raise to send one.

The platform API (`/rest/api/3/`) answers `{"errorMessages": [...], "errors": {...}}`, JSM's
(`/rest/servicedeskapi/`) `{"errorMessage": ..., "i18nErrorMessage": {...}}`. A view raises
`JiraError` without caring which; `jira_api` (auth.py) renders it in its route's style.
"""

from __future__ import annotations

from django.http import JsonResponse

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
    return {
        "errorMessages": [error.message] if error.message else [],
        "errors": error.field_errors,
    }


def service_desk_body(error: JiraError) -> dict[str, object]:
    return {
        "errorMessage": error.message,
        "i18nErrorMessage": {"i18nKey": error.i18n_key, "parameters": []},
    }


def error_response(error: JiraError, style: str) -> JsonResponse:
    body = service_desk_body(error) if style == SERVICE_DESK else platform_body(error)
    return JsonResponse(body, status=error.status)
