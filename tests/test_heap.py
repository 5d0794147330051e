"""worklog_report.heap: the objects alive when a sync starts are kept out of the garbage
collector's passes until it ends, and nothing is leaked."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from worklog_report.heap import long_lived_objects_frozen


class Node:
    def __init__(self) -> None:
        self.other = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def nothing_frozen():
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def collected(obj) -> bool:
    """Whether the collector's generations hold ``obj`` (the permanent one is not listed)."""
    return any(o is obj for o in gc.get_objects())


def test_objects_alive_at_the_start_are_frozen_until_the_end():
    before = Node()
    with long_lived_objects_frozen():
        assert gc.get_freeze_count() > 0
        assert not collected(before)
        made_inside = Node()
        assert collected(made_inside)
    assert gc.get_freeze_count() == 0
    assert collected(before)


def test_garbage_made_of_frozen_objects_is_freed_after_the_block():
    cycle = Node()
    gone = weakref.ref(cycle)
    with long_lived_objects_frozen():
        del cycle
        gc.collect()
        assert gone() is not None  # frozen: no collection visits it
    gc.collect()
    assert gone() is None  # back in the oldest generation: freed, not leaked


def test_garbage_made_inside_the_block_is_collected_inside_it():
    with long_lived_objects_frozen():
        cycle = Node()
        gone = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert gone() is None


def test_an_error_in_the_block_still_puts_the_objects_back():
    with pytest.raises(RuntimeError), long_lived_objects_frozen():
        raise RuntimeError("the sync failed")
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_its_objects_itself_is_left_frozen():
    gc.freeze()  # say, a server sharing memory with its forks
    made_after_its_freeze = Node()
    with long_lived_objects_frozen():
        assert collected(made_after_its_freeze)  # the block froze nothing more
    assert gc.get_freeze_count() > 0  # nor unfroze the server's objects


def test_overlapping_blocks_in_two_threads_stay_frozen_until_the_last_leaves():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def second():
        first_in.wait(5)
        with long_lived_objects_frozen():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.get_freeze_count()

    thread = threading.Thread(target=second)
    thread.start()
    with long_lived_objects_frozen():
        first_in.set()
        second_in.wait(5)
    first_out.set()
    thread.join(5)
    assert seen["after the first left"] > 0
    assert gc.get_freeze_count() == 0


def test_nested_blocks_unfreeze_once_the_outer_one_ends():
    with long_lived_objects_frozen():
        with long_lived_objects_frozen():
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
