"""rotate_encryption_keys re-encrypts the webhooks' secrets too (tempo_integration.signals.
rotating_secrets): the shared secrets and the revoked tokens kept for unsubscribing."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from tempo_integration import crypto
from tempo_integration.models import TempoIntegration
from tests.tempo_integration.factories import stored_integration
from webhooks.models import PendingUnsubscribe, Subscription

from .conftest import JIRA_SECRET, TEMPO_SECRET, post_tempo, subscription, tempo_body

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()


@pytest.fixture
def under_a(settings, admin_user):
    settings.ENCRYPTION_KEYS = [KEY_A]
    stored_integration(admin_user)
    tempo = subscription(Subscription.Service.TEMPO, "worklog.updated", TEMPO_SECRET)
    jira = subscription(Subscription.Service.JIRA, "jira", JIRA_SECRET, remote_id="7")
    pending = PendingUnsubscribe.objects.create(
        remote_ids=["abc"], token_ciphertext=crypto.encrypt("revoked-token").ciphertext
    )
    return tempo, jira, pending


def test_the_webhook_secrets_are_rotated_and_counted(settings, under_a, capsys, client):
    tempo, jira, pending = under_a
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_encryption_keys")
    # The Tempo token (1) and three webhook secrets, all moved.
    assert "Re-encrypted 4 secret(s)" in capsys.readouterr().out
    settings.ENCRYPTION_KEYS = [KEY_B]  # the old key removed: everything still reads
    for row, secret in [(tempo, TEMPO_SECRET), (jira, JIRA_SECRET)]:
        row.refresh_from_db()
        assert row.key_id == crypto.key_id(KEY_B)
        assert row.secret() == secret
    pending.refresh_from_db()
    assert crypto.decrypt(pending.token_ciphertext) == "revoked-token"
    assert TempoIntegration.current().token()
    # A delivery signed with the (unchanged) shared secret is still accepted.
    assert post_tempo(client, tempo, tempo_body(1001)).status_code == 204


def test_an_unreadable_webhook_secret_changes_nothing(settings, under_a):
    tempo, _, _ = under_a
    integration_before = TempoIntegration.current().token_ciphertext
    settings.ENCRYPTION_KEYS = [KEY_C]
    lost = crypto.encrypt("under-a-key-nobody-has").ciphertext
    Subscription.objects.filter(pk=tempo.pk).update(secret_ciphertext=lost)
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError) as raised:
        call_command("rotate_encryption_keys")
    message = str(raised.value)
    assert "cannot be decrypted" in message
    assert "the shared secret of the Tempo webhook for worklog.updated" in message
    assert "Nothing was changed" in message
    assert TempoIntegration.current().token_ciphertext == integration_before  # rolled back
    assert Subscription.objects.get(service="jira").key_id == crypto.key_id(KEY_A)


def test_an_unreadable_kept_token_changes_nothing(settings, under_a):
    _, jira, pending = under_a
    settings.ENCRYPTION_KEYS = [KEY_C]
    lost = crypto.encrypt("revoked").ciphertext
    PendingUnsubscribe.objects.filter(pk=pending.pk).update(token_ciphertext=lost)
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError, match="revoked Tempo token"):
        call_command("rotate_encryption_keys")
    jira.refresh_from_db()
    assert jira.key_id == crypto.key_id(KEY_A)


def test_rotating_twice_moves_nothing_the_second_time(settings, under_a, capsys):
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_encryption_keys")
    capsys.readouterr()
    call_command("rotate_encryption_keys")
    assert "Re-encrypted 4 secret(s) with key" in (out := capsys.readouterr().out)
    assert "(0 moved from an older key)" in out


def test_a_check_that_read_a_row_before_the_rotation_does_not_undo_it(settings, under_a):
    """Review: ``Subscription.fail`` saved the whole row, so a registration or check that
    read it before the rotation wrote the old ciphertext back after it."""
    _, jira, _ = under_a
    read_before = Subscription.objects.get(pk=jira.pk)
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_encryption_keys")
    read_before.fail("Jira could not register the webhook: 503. The next check tries again.")
    settings.ENCRYPTION_KEYS = [KEY_B]
    row = Subscription.objects.get(pk=jira.pk)
    assert row.status == "failed"
    assert row.key_id == crypto.key_id(KEY_B)
    assert row.secret() == JIRA_SECRET
