"""The Django admin shows the webhook records read-only, never a secret."""

from __future__ import annotations

import pytest

from .conftest import TEMPO_SECRET, subscription

pytestmark = pytest.mark.django_db


def test_the_admin_shows_a_subscription_without_its_secret(admin_client):
    row = subscription("tempo", "worklog.updated", TEMPO_SECRET)
    listing = admin_client.get("/admin/webhooks/subscription/")
    page = admin_client.get(f"/admin/webhooks/subscription/{row.pk}/change/")
    assert listing.status_code == page.status_code == 200
    for response in (listing, page):
        html = response.content.decode()
        assert TEMPO_SECRET not in html
        assert row.secret_ciphertext not in html
    assert b"worklog.updated" in page.content


def test_the_admin_cannot_add_or_delete(admin_client):
    assert admin_client.get("/admin/webhooks/subscription/add/").status_code == 403
