"""The cyclic garbage collector kept off a process's long-lived objects while a sync runs.

A sync parses pages of thousands of JSON objects (a page of 5,000 Tempo worklogs is some
100,000 dicts and lists) and keeps each alive for a moment, long enough to survive the young
generations. CPython then runs a full collection whenever the objects that reached the
oldest generation since the last one exceed a quarter of those that were there (the ``gc``
module's documentation, "generations"; ``Modules/gcmodule.c``), and a full collection
visits every tracked object of the process: Django's, the app's and the pages'. Measured
(``make bench``'s 49,000-worklog sync on SQLite, docs/benchmarks.md, fifth stop of issue 19):
6 full collections a full sync, 0.44 s of CPU — a fifth of the sync process's CPU — and
0.01–0.04 s once the objects alive when the sync started are frozen (``gc.freeze``, Python
3.7+): they are then skipped by every collection until the sync ends and they are put back
(``gc.unfreeze``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The blocks running now, in every thread, and whether the first of them froze the objects
# (then the last to leave puts them back).
_lock = threading.Lock()
_holders = 0
_froze = False


@contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    """Within the block, the objects the collector tracked when it started are in its
    permanent generation (``gc.freeze``): collections visit only the objects made since. On
    leaving, they go back to the oldest generation (``gc.unfreeze``), where a later full
    collection frees those that became garbage meanwhile: nothing is leaked.

    Blocks may overlap, in one thread or several: the first to enter freezes, the last to
    leave unfreezes. A process that already held frozen objects when the first entered (a
    server that freezes after start-up to share memory with its forks) is left as it is:
    unfreezing would undo its freeze. (A ``gc.freeze`` made by other code inside a block is
    undone with the block's: the collector keeps one permanent generation.) Never raises.
    """
    global _holders, _froze
    with _lock:
        if _holders == 0:
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _froze:
                gc.unfreeze()
                _froze = False
