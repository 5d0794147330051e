"""bench/run.py's full-sync/download pairs: at the 500k size as many as fit in the budget."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bench import measure
from bench import run as bench_run


class Clock:
    """time.monotonic and time.perf_counter, moved on by the fake sync and download."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pairs(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(bench_run.time, "monotonic", clock)
    monkeypatch.setattr(bench_run.time, "perf_counter", clock)
    calls = []

    def run(sync_s: float, download_s: float, most: int, budget):
        def sync_tempo(**kwargs):
            calls.append("sync")
            clock.now += sync_s
            return SimpleNamespace(status="succeeded", error="")

        def timed(work):
            calls.append("download")
            clock.now += download_s
            return download_s

        monkeypatch.setattr(measure, "forget_worklogs", lambda: None)
        monkeypatch.setattr(measure, "sync_tempo", sync_tempo)
        monkeypatch.setattr(measure, "timed", timed)
        client = SimpleNamespace(reset_request_count=lambda: None, request_count=lambda k: 100)
        prepared = SimpleNamespace(worklogs_per_project={})
        return bench_run.sync_and_download_pairs(
            SimpleNamespace(client=client), prepared, 5000, most, budget
        )

    run.calls = calls
    return run


def test_a_fast_machine_measures_every_pair_within_the_budget(pairs):
    syncs, downloads, requests, _ = pairs(25.0, 20.0, 3, 240)  # 45 s a pair: 135 s
    assert syncs == [25.0, 25.0, 25.0] and downloads == [20.0, 20.0, 20.0]
    assert requests == 100
    assert pairs.calls == ["sync", "download"] * 3


def test_a_slow_machine_stops_when_the_next_pair_would_not_fit(pairs):
    syncs, downloads, _, _ = pairs(50.0, 40.0, 3, 240)  # 90 s a pair: a third would end at 270
    assert len(syncs) == len(downloads) == 2
    syncs, _, _, _ = pairs(130.0, 120.0, 3, 240)  # 250 s: one pair only
    assert len(syncs) == 1


def test_without_a_budget_every_pair_is_measured(pairs):
    syncs, _, _, _ = pairs(500.0, 500.0, 3, None)
    assert len(syncs) == 3
