"""What the emulated Tempo announces to the apps above it (sandbox.webhooks), which it does
not import.

- `worklogs_deleting`: sent by `DELETE /4/worklogs/{id}` (api.py) with `worklogs`, the
  queryset of the worklogs about to go, synchronously, inside the deletion's transaction and
  before the rows go (so a receiver can still read them). A receiver must never fail the
  deletion: it guards its own work (sandbox.webhooks queues its `worklog.deleted` deliveries
  in a savepoint and logs what goes wrong).
"""

from __future__ import annotations

from django.dispatch import Signal

worklogs_deleting = Signal()
