"""An API route's unexpected failure answers JSON in its service's error body, never
Django's HTML debug page (sandbox/json_errors.py), even with DEBUG on.

In-process with Django's test client: views that raise stand under each API's prefix, and
the request runs through `JsonErrorMiddleware` as in the sandbox's settings. The same views
without the middleware answer the HTML debug page, which shows the test would catch it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

import sandbox

MIDDLEWARE = "sandbox.json_errors.JsonErrorMiddleware"


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("an unexpected bug in a sandbox view")


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such object")


PREFIXES = [
    "tempo/4/worklogs",
    "jira/rest/api/3/myself",
    "jira/rest/servicedeskapi/x",
    "_sandbox/x",
]
urlpatterns = (
    [path(prefix, broken) for prefix in PREFIXES]
    + [path(f"{prefix}/missing", missing) for prefix in PREFIXES]
    + [path("tempo/settings/api-integration/", broken)]
)

BODY_KEYS = {
    "tempo/4/worklogs": {"errors"},
    "jira/rest/api/3/myself": {"errorMessages", "errors"},
    "jira/rest/servicedeskapi/x": {"errorMessage", "i18nErrorMessage"},
    "_sandbox/x": {"error"},
}


def get(url: str, middleware: list[str]) -> HttpResponse:
    with override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=middleware, DEBUG=True):
        return Client(raise_request_exception=False).get(url)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_unexpected_exception_is_a_json_500_in_the_apis_body(prefix):
    response = get(f"/{prefix}", [MIDDLEWARE])

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == BODY_KEYS[prefix]
    assert "RuntimeError" not in response.content.decode()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_http404_from_a_view_is_a_json_404_in_the_apis_body(prefix):
    response = get(f"/{prefix}/missing", [MIDDLEWARE])

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == BODY_KEYS[prefix]


def test_without_the_middleware_django_shows_its_debug_page():
    response = get("/tempo/4/worklogs", [])

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "RuntimeError" in response.content.decode()


def test_pages_keep_djangos_handling():
    response = get("/tempo/settings/api-integration/", [MIDDLEWARE])

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_the_sandbox_settings_install_the_middleware():
    """Read without importing: sandbox.settings configures a whole other Django project."""
    source = (Path(sandbox.__file__).parent / "settings.py").read_text()
    assignment = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MIDDLEWARE"
    )
    assert MIDDLEWARE in ast.literal_eval(assignment.value)


@pytest.mark.integration
def test_unknown_control_route_is_a_json_404(sandbox_clean, http):
    """Against the real process (DEBUG on by default): no technical 404 page either."""
    response = http.get(f"{sandbox_clean.url}/_sandbox/no-such-route", timeout=10)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "No such sandbox control route."}
