"""Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS (docs/product.md §3, §7).

The Tempo credentials here; every other app's secrets (the webhooks' shared secrets) through
``tempo_integration.signals.rotating_secrets``, sent inside the same transaction: one secret
that cannot be read rolls everything back.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tempo_integration import crypto
from tempo_integration.models import TempoIntegration
from tempo_integration.signals import rotating_secrets
from worklog_report.sentences import full_stop


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS. "
        "Run it after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options) -> None:
        new_key_id = crypto.key_id(crypto.configured_keys()[0])
        rotated = unchanged = 0

        def rotate(ciphertext: str, what: str) -> crypto.Sealed:
            """Re-encrypt one secret of another app (``rotating_secrets``), counted."""
            nonlocal rotated, unchanged
            before = crypto.key_id_of(ciphertext)
            try:
                sealed = crypto.rotate(ciphertext)
            except crypto.SecretUnreadable as exc:
                raise CommandError(
                    f"{full_stop(str(exc))} It is {what}. Nothing was changed. Put the key "
                    "that encrypted it back into ENCRYPTION_KEYS and run this again."
                ) from None
            if before == sealed.key_id:
                unchanged += 1
            else:
                rotated += 1
            return sealed

        with transaction.atomic():
            for integration in TempoIntegration.objects.select_for_update():
                # The API token or OAuth access token, and an OAuth connection's refresh
                # token and client secret (empty for an API token).
                for field in TempoIntegration.SECRET_FIELDS:
                    ciphertext = getattr(integration, field)
                    if not ciphertext:
                        continue
                    before = crypto.key_id_of(ciphertext)
                    try:
                        sealed = crypto.rotate(ciphertext)
                    except crypto.SecretUnreadable as exc:
                        raise CommandError(
                            f"{full_stop(str(exc))} Nothing was changed. Put the key that "
                            f"encrypted it (id {integration.key_id}) back into ENCRYPTION_KEYS "
                            "and run this again."
                        ) from None
                    if before == sealed.key_id:
                        unchanged += 1
                    else:
                        rotated += 1
                    setattr(integration, field, sealed.ciphertext)
                # Only over the credentials read: a renewal that wrote new tokens meanwhile
                # (one more version) must not be overwritten with the old ones.
                written = TempoIntegration.objects.filter(
                    pk=integration.pk, credentials_version=integration.credentials_version
                ).update(
                    key_id=new_key_id,
                    **{
                        field: getattr(integration, field)
                        for field in TempoIntegration.SECRET_FIELDS
                    },
                )
                if not written:
                    raise CommandError(
                        "The Tempo credentials changed while they were re-encrypted (an OAuth "
                        "renewal). Nothing was changed; run this again."
                    )
            # Every other app's secrets; a CommandError raised here rolls everything back.
            rotating_secrets.send(sender=Command, rotate=rotate)
        self.stdout.write(
            f"Re-encrypted {rotated + unchanged} secret(s) with key {new_key_id} "
            f"({rotated} moved from an older key)."
        )
