"""What the Tempo integration tells the rest of the app, without knowing who listens."""

from django.dispatch import Signal

# A new token was validated and stored (Add): the sync app queues a sync, so the
# worklogs come in without anyone clicking Sync now. Sent with ``integration=``.
token_added = Signal()
