"""Tempo's OAuth 2.0 endpoints as `responses` callbacks (docs/outside-apis.md §2), and the
steps of Connect with OAuth 2.0 as an administrator's browser takes them."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.urls import reverse

CLIENT_ID = "wr-client-0f3a9c"
CLIENT_SECRET = "s3cr3t-Client-Secret-7Hq2Lm9Xv"
APPLICATION = "Worklog Report"
CONNECT_URL = reverse("tempo_integration:oauth_connect")
CALLBACK_URL = reverse("tempo_integration:oauth_callback")
TAB_URL = reverse("tempo_integration:tab")


def token_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/oauth/token/"


def revoke_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/oauth/revoke_token/"


def worklogs_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/4/worklogs"


def form(request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.body).items()}


def token_answer(
    access: str = "access-1-aaaaaaaa", refresh: str = "refresh-1-bbbbbbbb", expires_in=5184000
):
    return (
        200,
        {"Content-Type": "application/json"},
        json.dumps(
            {
                "access_token": access,
                "expires_in": expires_in,
                "token_type": "Bearer",
                "scope": "read write",
                "refresh_token": refresh,
            }
        ),
    )


def oauth_error(error: str, status: int = 400):
    return status, {"Content-Type": "application/json"}, json.dumps({"error": error})


def start(client, **fields) -> dict[str, str]:
    """Post the Connect form; returns the query of Tempo's consent page it redirects to."""
    data = {"application_name": APPLICATION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    response = client.post(CONNECT_URL, {**data, **fields})
    assert response.status_code == 302, response
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{settings.TEMPO_BASE_URL}/oauth/authorize/redirect"
    )
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def come_back(client, **query):
    """Tempo's redirect back to the app, followed to the tab."""
    return client.get(CALLBACK_URL, query, follow=True)
