"""Encryption at rest and key rotation (docs/product.md §7; issue #3's rotate_encryption_keys)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from tempo_integration import crypto
from tempo_integration.models import TempoIntegration

from .factories import TOKEN, stored_integration

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def test_round_trip_and_key_id(settings):
    settings.ENCRYPTION_KEYS = [KEY_A]
    sealed = crypto.encrypt("secret-value")
    assert "secret-value" not in sealed.ciphertext
    assert sealed.key_id == crypto.key_id(KEY_A) and len(sealed.key_id) == 12
    assert crypto.decrypt(sealed.ciphertext) == "secret-value"


def test_token_survives_rotation_and_removal_of_the_old_key(settings, admin_user, capsys):
    settings.ENCRYPTION_KEYS = [KEY_A]
    stored_integration(admin_user)
    before = TempoIntegration.current()
    assert before.key_id == crypto.key_id(KEY_A)

    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert TempoIntegration.current().token() == TOKEN  # still readable before rotating
    call_command("rotate_encryption_keys")
    assert "1 moved from an older key" in capsys.readouterr().out
    after = TempoIntegration.current()
    assert after.key_id == crypto.key_id(KEY_B)
    assert after.token_ciphertext != before.token_ciphertext

    settings.ENCRYPTION_KEYS = [KEY_B]
    assert TempoIntegration.current().token() == TOKEN


def test_rotation_without_the_old_key_fails_clearly_and_changes_nothing(settings, admin_user):
    settings.ENCRYPTION_KEYS = [KEY_A]
    stored_integration(admin_user)
    before = TempoIntegration.current().token_ciphertext
    settings.ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")
    assert TempoIntegration.current().token_ciphertext == before


def test_a_key_that_is_not_a_fernet_key_is_named_by_id_not_value(settings):
    settings.ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured) as caught:
        crypto.encrypt("x")
    assert "not-a-key" not in str(caught.value)
    assert crypto.key_id("not-a-key") in str(caught.value)


def test_development_key_only_while_debug_is_on(settings):
    settings.ENCRYPTION_KEYS = []
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
    settings.DEBUG = True
    assert crypto.decrypt(crypto.encrypt("x").ciphertext) == "x"
