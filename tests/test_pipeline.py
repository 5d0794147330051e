"""worklog_report.pipeline: one item produced ahead in a background thread, no more.

Every wait here is on an event the code under test sets; the only timeouts are safety nets
that a correct pipeline never reaches (a broken one fails instead of hanging).
"""

from __future__ import annotations

import threading
import time

import pytest

from worklog_report.pipeline import PipelineClosed, prefetching

SAFETY = 10.0  # seconds: only a broken pipeline waits this long


def wait(event: threading.Event) -> None:
    assert event.wait(SAFETY), "the producer never got there"


def no_prefetch_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name == "prefetch" and t.is_alive()]


def test_items_arrive_in_order_and_the_thread_ends():
    with prefetching(iter(range(100))) as items:
        assert list(items) == list(range(100))
    assert not items.producer_alive
    assert no_prefetch_threads()


def test_an_empty_source_ends_at_once():
    with prefetching(iter([])) as items:
        assert list(items) == []


def test_the_items_come_from_another_thread():
    def source():
        yield threading.current_thread()

    with prefetching(source()) as items:
        (producer,) = list(items)
    assert producer is not threading.current_thread()


def test_the_producer_is_never_more_than_one_item_ahead():
    taken = []  # items the consumer holds (appended before asking for the next)
    started = {k: threading.Event() for k in range(5)}
    violations = []

    def source():
        for k in range(5):
            started[k].set()
            # Starting item k, the consumer must already have item k-1.
            if k and len(taken) < k:
                violations.append((k, len(taken)))
            yield k

    with prefetching(source()) as items:
        taken.append(next(items))
        # While the consumer holds item 0, item 1 is produced (the overlap)…
        wait(started[1])
        # …but not item 2: the producer waits for the consumer to take item 1.
        assert not started[2].wait(0.3)
        taken.append(next(items))
        wait(started[2])
        assert not started[3].wait(0.1)
        taken.extend(items)
    assert taken == [0, 1, 2, 3, 4]
    assert violations == []


def test_an_error_in_the_source_reaches_the_consumer_where_it_happened():
    def source():
        yield 1
        yield 2
        raise ValueError("page 3 could not be read")

    got = []
    with prefetching(source()) as items:
        with pytest.raises(ValueError, match="page 3") as raised:
            for item in items:
                got.append(item)
        assert got == [1, 2]  # the items before the error first
        assert list(items) == []  # then the iterator is finished
    # The traceback still shows where the source raised.
    assert any(entry.name == "source" for entry in raised.traceback)
    assert no_prefetch_threads()


def test_a_base_exception_in_the_source_is_raised_too():
    def source():
        yield 1
        raise KeyboardInterrupt

    with prefetching(source()) as items:
        assert next(items) == 1
        with pytest.raises(KeyboardInterrupt):
            next(items)


def test_stopping_early_closes_the_source_in_its_thread_and_ends_the_thread():
    closed_in = []
    asked = []

    def source():
        try:
            for k in range(1000):
                asked.append(k)
                yield k
        finally:
            closed_in.append(threading.current_thread())

    items = prefetching(source())
    with items:
        for item in items:
            if item == 3:
                break
    assert not items.producer_alive
    assert len(closed_in) == 1 and closed_in[0] is not threading.current_thread()
    assert max(asked) <= 4  # at most the one item ahead was produced
    assert no_prefetch_threads()


def test_the_consumer_raising_stops_the_producer():
    asked = []

    def source():
        for k in range(1000):
            asked.append(k)
            yield k

    items = prefetching(source())
    with pytest.raises(RuntimeError), items:
        for item in items:
            if item == 2:
                raise RuntimeError("the write failed")
    assert not items.producer_alive
    assert max(asked) <= 3


def test_closing_wakes_a_producer_waiting_for_its_turn():
    produced_one_ahead = threading.Event()

    def source():
        yield 0
        produced_one_ahead.set()
        yield 1  # produced while the consumer holds 0; then the producer waits for its turn
        yield 2

    items = prefetching(source())
    assert next(items) == 0
    wait(produced_one_ahead)
    items.close()
    assert not items.producer_alive
    assert list(items) == []


def test_closing_before_the_first_item_closes_the_source():
    closed = []

    def source():
        try:
            yield 1
        finally:
            closed.append(True)

    generator = source()
    items = prefetching(generator)
    items.close()
    assert list(items) == []
    # Never started, so nothing to clean up (no finally ran); the generator is closed.
    assert generator.gi_frame is None and closed == []


def test_close_does_not_wait_for_ever_on_a_busy_producer():
    busy = threading.Event()
    release = threading.Event()

    def source():
        yield 0
        busy.set()
        release.wait(SAFETY)  # a network call that takes its time
        yield 1

    items = prefetching(source(), join_timeout=0.05)
    assert next(items) == 0
    wait(busy)
    items.close()  # returns after join_timeout although the producer is still busy
    assert items.producer_alive
    release.set()
    items._thread.join(SAFETY)
    assert not items.producer_alive  # it stopped as soon as its call returned


def test_run_in_consumer_runs_on_the_consumers_thread():
    consumer = threading.current_thread()
    ran_on = []
    pipeline = None

    def source():
        yield 1
        yield pipeline.run_in_consumer(lambda: ran_on.append(threading.current_thread()) or 42)
        yield 3

    pipeline = prefetching(source())
    with pipeline:
        assert list(pipeline) == [1, 42, 3]
    assert ran_on == [consumer]


def test_run_in_consumer_hands_back_the_exception():
    pipeline = None

    def renew():
        raise PermissionError("renewal refused")

    def source():
        yield 1
        pipeline.run_in_consumer(renew)
        yield 2

    pipeline = prefetching(source())
    with pipeline:
        assert next(pipeline) == 1
        with pytest.raises(PermissionError, match="renewal refused"):
            next(pipeline)


def test_run_in_consumer_from_another_thread_runs_at_once():
    with prefetching(iter([1])) as pipeline:
        assert pipeline.run_in_consumer(lambda: "now") == "now"
        assert list(pipeline) == [1]


def test_run_in_consumer_fails_when_the_consumer_stops():
    waiting = threading.Event()
    outcome = []
    pipeline = None

    def source():
        yield 1
        waiting.set()
        try:
            pipeline.run_in_consumer(lambda: "never")
        except PipelineClosed as exc:
            outcome.append(exc)
            raise
        yield 2

    pipeline = prefetching(source())
    assert next(pipeline) == 1
    wait(waiting)
    pipeline.close()
    assert not pipeline.producer_alive
    assert len(outcome) == 1


def test_wait_idle_returns_once_the_next_item_is_made_and_the_source_waits():
    asked = []

    def source():
        for number in range(1, 4):
            asked.append(number)
            if number == 2:
                time.sleep(0.05)  # the producer is still busy when wait_idle starts
            yield number

    with prefetching(source()) as items:
        assert next(items) == 1
        items.wait_idle()
        assert asked == [1, 2]  # item 2 made, item 3 not asked for
        time.sleep(0.05)
        assert asked == [1, 2]  # still: the producer waits for its turn
        items.wait_idle()  # idempotent
        assert list(items) == [2, 3]


def test_wait_idle_keeps_the_sources_error_for_the_next_item():
    def source():
        yield 1
        raise RuntimeError("broke off")

    with prefetching(source()) as items:
        assert next(items) == 1
        items.wait_idle()
        with pytest.raises(RuntimeError, match="broke off"):
            next(items)


def test_wait_idle_before_the_first_item_does_nothing():
    with prefetching(iter([1])) as items:
        items.wait_idle()
        assert list(items) == [1]
