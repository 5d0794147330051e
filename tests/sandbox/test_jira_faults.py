"""Faults queued for "jira" as the app's JiraClient sees them (docs/outside-apis.md §3, limits)."""

from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.integration

ROUTE = "/rest/servicedeskapi/servicedesk"


def test_429_carries_retry_after_and_rate_limit_headers(jira, sandbox):
    sandbox.client.add_fault("jira", "429", retry_after=7)

    response = jira.get(ROUTE)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Limit"]) > 0
    assert response.headers["X-RateLimit-NearLimit"] == "true"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", response.headers["X-RateLimit-Reset"])
    assert response.headers["RateLimit-Reason"] == "jira-quota-based"
    assert response.json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}


def test_429_without_retry_after(jira, sandbox):
    sandbox.client.add_fault("jira", "429")

    response = jira.get(ROUTE)

    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert "X-RateLimit-Reset" in response.headers


def test_503_may_say_when_to_retry(jira, sandbox):
    sandbox.client.add_fault("jira", "503", retry_after=3)
    sandbox.client.add_fault("jira", "500")

    unavailable, failed, fine = (jira.get(ROUTE) for _ in range(3))

    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "3")
    assert failed.status_code == 500 and failed.headers["Content-Type"].startswith("text/html")
    assert fine.status_code == 200


def test_html_truncated_and_drop(jira, sandbox):
    whole = jira.get(ROUTE).content
    for kind in ("html", "truncated", "drop"):
        sandbox.client.add_fault("jira", kind)

    html = jira.get(ROUTE)
    truncated = jira.get(ROUTE)
    with pytest.raises(requests.ConnectionError):
        jira.get(ROUTE)

    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert truncated.status_code == 200 and truncated.content == whole[: len(whole) // 2]
    assert jira.get(ROUTE).status_code == 200


def test_jira_faults_and_counts_leave_tempo_alone(jira, sandbox, http):
    sandbox.client.add_fault("jira", "500")

    tempo = http.get(f"{sandbox.tempo_url}/4/worklogs", timeout=10)
    jira.get("/rest/api/3/field")
    jira.get("/rest/api/3/field")

    assert tempo.status_code == 401  # no token, but no fault either
    assert sandbox.client.request_count("jira") == 2
    assert sandbox.client.request_count("tempo") == 1
