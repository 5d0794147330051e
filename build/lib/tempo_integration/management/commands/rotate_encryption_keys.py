"""Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS (docs/product.md §3, §7)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tempo_integration import crypto
from tempo_integration.models import TempoIntegration
from worklog_report.sentences import full_stop


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS. "
        "Run it after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options) -> None:
        new_key_id = crypto.key_id(crypto.configured_keys()[0])
        rotated = unchanged = 0
        with transaction.atomic():
            for integration in TempoIntegration.objects.select_for_update():
                try:
                    sealed = crypto.rotate(integration.token_ciphertext)
                except crypto.SecretUnreadable as exc:
                    raise CommandError(
                        f"{full_stop(str(exc))} Nothing was changed. Put the key that encrypted it "
                        f"(id {integration.key_id}) back into ENCRYPTION_KEYS and run this again."
                    ) from None
                if integration.key_id == sealed.key_id:
                    unchanged += 1
                else:
                    rotated += 1
                integration.token_ciphertext = sealed.ciphertext
                integration.key_id = sealed.key_id
                integration.save(update_fields=["token_ciphertext", "key_id"])
        self.stdout.write(
            f"Re-encrypted {rotated + unchanged} secret(s) with key {new_key_id} "
            f"({rotated} moved from an older key)."
        )
