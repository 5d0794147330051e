"""Security headers on every page type, and no inline script or style for the CSP to allow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def _contract_csv(world) -> str:
    return f"/configuration/projects/ITSD/contracts/{world.contracts['acme'].pk}/usage.csv"


PAGES = [
    # (who, url, status)
    ("anonymous", "/accounts/login/", 200),
    ("anonymous", "/accounts/password/set/", 200),
    ("anonymous", "/accounts/password/set/sent/", 200),
    ("anonymous", "/accounts/password/set/MQ/bad-token/", 200),
    ("admin", "/configuration/tempo/", 200),
    ("admin", "/configuration/tempo/revoke/confirm/", 200),  # a token is stored: the page
    ("admin", "/configuration/projects/", 200),
    ("admin", "/configuration/sync/", 200),
    ("admin", "/configuration/backup/", 200),
    ("admin", "/configuration/projects/ITSD/", 200),
    ("admin", "/configuration/projects/ITSD/contracts/", 200),
    ("admin", "/configuration/projects/ITSD/contracts/new/", 200),
    ("admin", _contract_csv, 200),
    ("admin", "/admin/", 200),
    ("alice", "/portal/", 200),
    ("alice", "/portal/ITSD/worklog-report/", 200),
    ("alice", "/portal/ITSD/worklog-report/?format=csv", 200),
    ("alice", "/portal/ITSD/worklog-report/ITSD-1/", 200),
    ("alice", "/configuration/tempo/", 403),
    ("alice", "/configuration/backup/", 403),
    ("alice", "/portal/NOPE/worklog-report/", 404),
    ("alice", "/accounts/logout/", 405),
]


@pytest.mark.parametrize("who,url,status", PAGES, ids=[f"{w}:{s}" for w, _, s in PAGES])
def test_every_page_type_sends_the_security_headers(full_world, client, who, url, status):
    if who != "anonymous":
        client.force_login(full_world.admin if who == "admin" else full_world.users[who])
    response = client.get(url(full_world) if callable(url) else url)
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize(
    "failure,status",
    [
        (RuntimeError("boom"), 500),
        (OperationalError("server closed the connection unexpectedly"), 503),  # database gone
    ],
)
def test_server_errors_send_them_too(full_world, monkeypatch, failure, status):
    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr("portal.views.reports.build_report", broken)
    client = Client(raise_request_exception=False)
    client.force_login(full_world.users["alice"])
    response = client.get("/portal/ITSD/worklog-report/")
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize(
    "request_kwargs,status",
    [
        ({"HTTP_HOST": "evil.example"}, 400),
        ({"QUERY_STRING": "q=" + "x" * 5000}, 414),
    ],
)
def test_refusals_send_them_too(db, client, request_kwargs, status):
    response = client.get("/accounts/login/", **request_kwargs)
    assert response.status_code == status
    assert_security_headers(response)


def test_https_only_redirects_sets_hsts_and_secure_cookies(db, settings, alice):
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()
    redirect = client.get("/accounts/login/?next=/portal/")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://testserver/accounts/login/?next=/portal/"
    page = client.get("/accounts/login/", secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page.cookies["csrftoken"]["secure"] and page.cookies["csrftoken"]["httponly"]
    client.post(
        "/accounts/login/",
        {"username": alice.username, "password": "correct horse battery staple"},
        secure=True,
    )
    assert client.cookies["sessionid"]["secure"] and client.cookies["sessionid"]["httponly"]


def _template_files() -> list[Path]:
    """The page templates. E-mail bodies (templates/*/email/) and PDF documents
    (templates/*/pdf/, rendered by WeasyPrint in the worker) are no page: the CSP does not
    apply to them, and mail clients drop linked style sheets, so they style inline."""
    files = sorted((ROOT / "templates").rglob("*.html")) + sorted(
        (ROOT / "templates").rglob("*.svg")
    )
    return [path for path in files if path.parent.name not in ("email", "pdf")]


INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on… event handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_nothing_inline_for_the_csp_to_refuse(path):
    text = path.read_text()
    for pattern, what in INLINE:
        match = pattern.search(text)
        assert match is None, f"{path.name} has {what}: {text[match.start() : match.end() + 40]!r}"


def test_our_javascript_needs_no_eval():
    script = (ROOT / "static" / "js" / "app.js").read_text()
    assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*['\"]", script)
