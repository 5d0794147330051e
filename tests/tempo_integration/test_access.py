"""Who may use the Tempo tab and its actions, and how (docs/product.md §1, issue #3's bad input)."""

from __future__ import annotations

import pytest
import responses
from django.test import Client
from django.urls import reverse

from tempo_integration.models import TempoIntegration

TAB = reverse("tempo_integration:tab")
ADD = reverse("tempo_integration:add")
REVOKE = reverse("tempo_integration:revoke")
REVOKE_CONFIRM = reverse("tempo_integration:revoke_confirm")
EXPIRY = reverse("tempo_integration:expiry")


@pytest.mark.parametrize("url", [TAB, REVOKE_CONFIRM, "/configuration/"])
def test_anonymous_visitor_is_sent_to_sign_in(client, db, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", [TAB, REVOKE_CONFIRM])
def test_customer_gets_403(alice_client, url):
    assert alice_client.get(url).status_code == 403


@pytest.mark.parametrize("url", [ADD, REVOKE, EXPIRY])
@responses.activate
def test_customer_post_gets_403_and_changes_nothing(alice_client, url):
    response = alice_client.post(url, {"token": "Zq3tL9xVb7RkP2mW5yH8cN4dF6gJ1sA0"})
    assert response.status_code == 403
    assert len(responses.calls) == 0
    assert not TempoIntegration.objects.exists()


@pytest.mark.parametrize("url", [ADD, REVOKE])
def test_anonymous_post_is_sent_to_sign_in(client, db, url):
    response = client.post(url, {"token": "Zq3tL9xVb7RkP2mW5yH8cN4dF6gJ1sA0"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not TempoIntegration.objects.exists()


@pytest.mark.parametrize("url", [ADD, REVOKE, EXPIRY])
def test_get_is_405(admin_client, url):
    assert admin_client.get(url).status_code == 405


@pytest.mark.parametrize("url", [ADD, REVOKE])
@responses.activate
def test_post_without_csrf_token_is_403(admin_user, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(url, {"token": "Zq3tL9xVb7RkP2mW5yH8cN4dF6gJ1sA0"})
    assert response.status_code == 403
    assert len(responses.calls) == 0
    assert not TempoIntegration.objects.exists()


def test_configuration_redirects_to_the_first_tab(admin_client):
    response = admin_client.get("/configuration/")
    assert response.status_code == 302 and response["Location"] == TAB
