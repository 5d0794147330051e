"""What the Tempo integration tells the rest of the app, without knowing who listens."""

from django.dispatch import Signal

# A new token was validated and stored (Add): the sync app queues a sync, so the
# worklogs come in without anyone clicking Sync now. Sent with ``integration=``.
token_added = Signal()

# ``rotate_encryption_keys`` is re-encrypting every stored secret under the first key of
# ENCRYPTION_KEYS: an app that keeps secrets of its own (the webhooks' shared secrets)
# re-encrypts them here, inside the command's transaction. Sent with ``rotate=``, a callable
# ``rotate(ciphertext, what) -> crypto.Sealed`` that counts the secret for the command's
# output and raises CommandError (so everything is rolled back) when it cannot be read;
# ``what`` names the secret in that sentence ("the Tempo webhook worklog.updated's shared
# secret"). Receivers write the new ciphertext and key id; they must not catch the error.
rotating_secrets = Signal()
