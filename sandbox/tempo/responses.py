"""Tempo's error answers: JSON for 400/404, a small HTML page for 401/403.

See docs/outside-apis.md §1.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

from sandbox.shapes.tempo import tempo_error


class BadRequest(Exception):
    """A malformed parameter: Tempo answers 400 with this message."""


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse(tempo_error(message), status=status)


def html_error(status: int, title: str, text: str) -> HttpResponse:
    body = (
        "<!DOCTYPE html>\n<html><head><title>"
        f"{status} {escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>\n"
    )
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
