"""The set-password pages: each error beside the field that caused it, and a way back to
sign-in from every page (issue 13)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import people

BACK = '<a href="/accounts/login/">Back to sign in</a>'


@pytest.fixture
def dave(db):
    return people.user("dave@acme.example", "dave@acme.example", password=None)


def form_url(client, user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(f"/accounts/password/set/{uid}/{token}/", follow=True)
    return response.redirect_chain[-1][0]


def errors_of(page: str, field: str) -> list[str]:
    """The error texts shown beside one field (in its <id>_error block)."""
    block = re.search(rf'<div id="id_{field}_error">(.*?)</div>', page, re.S)
    return re.findall(r'<p class="field-error">(.*?)</p>', block.group(1)) if block else []


def test_a_weak_password_is_refused_beside_the_password(client, dave):
    response = client.post(form_url(client, dave), {"new_password1": "abc", "new_password2": "abc"})
    page = response.content.decode()
    assert errors_of(page, "new_password1") == [
        "This password is too short. It must contain at least 8 characters.",
        "This password is too common.",
    ]
    assert errors_of(page, "new_password2") == []
    assert (
        'aria-invalid="true" aria-describedby="id_new_password1_helptext id_new_password1_error"'
        in page
    )


def test_a_mismatch_is_refused_beside_the_confirmation(client, dave):
    response = client.post(
        form_url(client, dave),
        {"new_password1": "a sturdy new passphrase", "new_password2": "a sturdy other one"},
    )
    page = response.content.decode().replace("&#x27;", "'")
    assert errors_of(page, "new_password1") == []
    assert errors_of(page, "new_password2") == ["The two password fields didn’t match."]
    dave.refresh_from_db()
    assert not dave.has_usable_password()


def test_a_bad_address_is_refused_beside_the_address(client, db):
    page = client.post("/accounts/password/set/", {"email": "not-an-address"}).content.decode()
    assert errors_of(page, "email") == ["Enter a valid email address."]


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/password/set/",
        "/accounts/password/set/sent/",
        "/accounts/password/set/MQ/not-a-token/",
        "/accounts/password/set/done/",
    ],
)
def test_every_set_password_page_leads_back_to_sign_in(client, db, url):
    page = client.get(url).content.decode()
    assert BACK in page or '<a class="button primary block" href="/accounts/login/">' in page


def test_the_choose_a_password_page_leads_back_to_sign_in(client, dave):
    page = client.get(form_url(client, dave)).content.decode()
    assert "Choose a password" in page and BACK in page
