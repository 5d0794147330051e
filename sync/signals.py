"""Signals of the sync (docs/architecture.md): other apps hook into the sync loop without
the sync knowing them."""

from django.dispatch import Signal

# Sent by `manage.py sync --loop` after each round (sender: the command's class), so work
# that is due on a clock (the daily Tempo backup) can be queued from the one process that
# runs on a clock. Receivers must be quick: queue work, never do it.
loop_tick = Signal()

# Sent by ``sync.runs.run_all`` after each round of Jira then Tempo, from whatever started it
# (the command, the loop, the worker), with ``outcomes=`` (a list of ``Outcome``). Receivers
# must be quick and must not fail the sync: queue work (the alert check), never do it.
sync_finished = Signal()

# Sent after worklogs or requests changed outside a sync run (a targeted sync of the changes
# a webhook announced), with ``source=`` ("tempo" or "jira") and ``project_ids=`` (the
# JiraProject pks touched). Receivers must be quick: invalidate or queue, never compute.
# A run's own changes are announced by ``sync_finished``.
data_changed = Signal()
