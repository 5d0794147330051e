"""Revoke integration: the dialog's Yes, its no-JavaScript page, and the edge cases."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from tempo_integration import sentences
from tempo_integration.models import IntegrationEvent, TempoIntegration

from .factories import stored_integration

REVOKE = reverse("tempo_integration:revoke")
CONFIRM = reverse("tempo_integration:revoke_confirm")
TAB = reverse("tempo_integration:tab")


def test_yes_erases_the_token_and_says_so(admin_client, admin_user):
    stored_integration(admin_user)
    response = admin_client.post(REVOKE, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [sentences.REVOKED]
    assert not TempoIntegration.objects.exists()
    assert IntegrationEvent.objects.first().kind == IntegrationEvent.Kind.REVOKED
    # The Add form is back.
    assert b'action="/configuration/tempo/add/"' in response.content
    assert b"Revoke integration" not in response.content


def test_revoke_when_nothing_is_stored_says_so(admin_client):
    response = admin_client.post(REVOKE, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [sentences.NOTHING_TO_REVOKE]
    assert response.status_code == 200


def test_tab_has_the_dialog_with_the_exact_question(admin_client, admin_user):
    stored_integration(admin_user)
    page = admin_client.get(TAB).content.decode()
    assert '<dialog id="revoke-dialog"' in page
    assert sentences.REVOKE_QUESTION in page
    assert f'href="{CONFIRM}" data-open-dialog="revoke-dialog"' in page


def test_confirmation_page_works_without_javascript(admin_client, admin_user):
    stored_integration(admin_user)
    page = admin_client.get(CONFIRM).content.decode()
    assert sentences.REVOKE_QUESTION in page
    assert f'action="{REVOKE}"' in page and ">Yes<" in page and ">Cancel<" in page


def test_confirmation_page_without_integration_goes_back_to_the_tab(admin_client):
    response = admin_client.get(CONFIRM)
    assert response.status_code == 302 and response["Location"] == TAB
