"""/healthz for load balancers: database reachable, age of the last successful syncs."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from sync.models import SyncRun


def _run(kind: str, status: str, minutes_ago: int) -> SyncRun:
    finished = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(kind=kind, status=status, finished_at=finished)


def test_reports_database_and_sync_ages(client, db, settings):
    settings.SYNC_INTERVAL = 900
    _run("jira", "succeeded", minutes_ago=10)
    _run("jira", "failed", minutes_ago=1)  # only successes count
    _run("tempo", "succeeded", minutes_ago=120)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    jira, tempo = body["sync"]["jira"], body["sync"]["tempo"]
    assert 599 <= jira["age_seconds"] <= 605 and jira["stale"] is False
    assert dt.datetime.fromisoformat(jira["last_success"]) < timezone.now()
    assert 7199 <= tempo["age_seconds"] <= 7205 and tempo["stale"] is True  # > 3 × 15 min


def test_never_synced_is_null_and_stale(client, db):
    body = client.get("/healthz/").json()
    assert body["sync"]["jira"] == {"last_success": None, "age_seconds": None, "stale": True}


def test_503_when_the_database_does_not_answer(client, db):
    down = OperationalError("connection refused to db.internal")
    with mock.patch.object(connection, "cursor", side_effect=down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert b"db.internal" not in response.content  # no host names or error texts


@pytest.mark.parametrize("host", ["10.0.0.7:8000", "evil.example"])
def test_answers_load_balancers_probing_by_address_over_http(client, db, settings, host):
    """Probes come over plain HTTP to the instance's address: neither the HTTPS redirect nor
    ALLOWED_HOSTS may turn them into a 301 or a 400."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST=host).status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST=host).status_code == 400


def test_needs_no_sign_in_and_shows_nothing_secret(client, db, alice):
    _run("tempo", "succeeded", minutes_ago=1)
    text = client.get("/healthz").content.decode()
    for secret in ("secret", "password", "token", "alice", "sqlite", "postgres", "version"):
        assert secret not in text.lower()


def test_post_is_not_a_health_check(client, db):
    assert client.post("/healthz").status_code == 404
