"""Request middleware of our own: the request log, limits on what a request may carry, and
a page for 405 answers (Django's are empty)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.shortcuts import render
from django.utils.functional import empty

logger = logging.getLogger("worklog_report.requests")


def _user_id(request) -> int | None:
    """The signed-in user's id when the request already looked the user up.

    Looking it up here would cost a session and a user query on answers that never needed
    them (static files, /healthz, a 413), and could fail when the database is down.
    """
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """One line per request: method, path (never the query string, which may carry dates
    and filters a customer typed), status, duration and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        status = response.status_code
        level = logging.INFO
        if status >= 500:
            level = logging.ERROR
        elif status >= 400:
            level = logging.WARNING
        elif request.path_info in ("/healthz", "/healthz/"):
            level = logging.DEBUG  # a load balancer asks every few seconds
        logger.log(
            level,
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": _user_id(request),
            },
        )
        return response


class RequestLimitsMiddleware:
    """Refuse oversized requests before anything reads them: a body announced larger than
    DATA_UPLOAD_MAX_MEMORY_SIZE (413) and a query string longer than MAX_QUERY_STRING_LENGTH
    (414). (Django's WSGI request never reads past Content-Length, so a body without one
    reads as empty; too many fields in a body or query string are Django's 400.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return render(request, "413.html", status=413)
        if len(request.META.get("QUERY_STRING", "")) > settings.MAX_QUERY_STRING_LENGTH:
            return render(request, "414.html", status=414)
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """`@require_POST` and friends answer 405 with an empty body; show a page instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.streaming
            and not response.content
            and request.method != "HEAD"
        ):
            page = render(request, "405.html", status=405)
            if "Allow" in response:
                page["Allow"] = response["Allow"]
            return page
        return response
