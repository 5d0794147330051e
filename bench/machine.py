"""How fast this machine runs Python right now: a reference printed beside every benchmark
and load test figure.

The 2-CPU machines these figures come from are virtual, and their speed is not constant:
on 1 Dec 2026 the same code and data gave a 50,000-worklog download of 5.1-5.4 s in one
session and 2.05 s in the next, and a cached report page 26 ms of CPU against 8.4 ms
(docs/benchmarks.md). A figure next to a target means little without the speed of the
machine that produced it, so ``make bench`` and ``make loadtest`` write this one too: two
runs are comparable when their ``python_speed`` is.
"""

from __future__ import annotations

import gc
import statistics
import time

RUNS = 5


def _workload() -> int:
    """A fixed mix of what a Django page does in Python: building strings, filling and
    reading a dict, calling functions."""
    table: dict[str, int] = {}
    for i in range(100_000):
        table[f"worklog-{i}"] = i * 3
    return sum(len(key) + value for key, value in table.items())


def python_speed() -> dict:
    """The median CPU time of ``RUNS`` runs of ``_workload`` (milliseconds, this process's
    CPU time: what other processes do on the machine counts only through shared cores), as
    a results entry ``{"value", "unit"}``; lower is faster. The garbage collector is off
    meanwhile: in a process holding millions of objects (a benchmark's end) its full
    collections made the same workload 1.5x slower."""
    times = []
    collecting = gc.isenabled()
    gc.disable()  # the machine's speed, not the collector's walk over this process's heap
    try:
        for _ in range(RUNS):
            started = time.process_time()
            _workload()
            times.append((time.process_time() - started) * 1000)
    finally:
        if collecting:
            gc.enable()
    return {
        "value": round(statistics.median(times), 1),
        "unit": "ms of CPU for a fixed pure-Python workload (bench/machine.py; lower is "
        "faster): runs are comparable when this is",
    }
