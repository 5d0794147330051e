"""A bounded two-stage pipeline: the next item is produced while the caller uses this one.

The Tempo sync reads a project's worklogs page after page and writes each page to the
database. Done one after the other, the database waits for the network and the network for
the database; ``prefetching`` overlaps them (docs/product.md §8: a full sync within 1/0.9 of
merely downloading and parsing the pages)::

    with prefetching(client.iter_worklog_pages(path, params)) as pages:
        for page in pages:
            write(page)  # meanwhile a background thread downloads and parses the next one

The source iterator runs in one background thread; the caller's thread consumes. At most
one item is *ahead*: the thread starts producing item k+1 only once the caller has taken
item k, so at any moment there is one item being produced and one being used, and memory
stays at two items whatever the length of the source.

- Order: items arrive in the source's order.
- Errors: an exception raised by the source reaches the caller at the point where it
  happened (after the items produced before it), with its traceback; the source is then
  finished.
- Stopping early: leaving the ``with`` block (or ``close()``, or the caller raising) tells
  the thread to stop; it asks the source for nothing more, closes it (its ``finally``
  blocks run in the thread that ran it) and exits. ``close()`` waits for that at most
  ``join_timeout`` seconds: a thread busy in a network call ends when the call does (the
  thread is a daemon, never blocking the interpreter's exit).
- Quiet moments: ``wait_idle()`` waits until the producer has produced its next item (or
  finished) and is waiting for its turn, without taking the item: until the caller takes
  it, the thread does nothing, so the caller may use what the source uses (the Tempo
  sync's direct reads share the pages' client).
- The background thread must not use the database (Django's connections are per thread):
  whatever the source needs done on the caller's thread — an OAuth token renewal writes
  its row — goes through ``run_in_consumer``, which the caller's thread runs while it
  waits for the next item.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# How long close() waits for the thread to finish what it is doing (seconds).
JOIN_TIMEOUT = 5.0

_ITEM, _ERROR, _DONE, _CALL = "item", "error", "done", "call"


class PipelineClosed(Exception):
    """The consumer stopped while the producer was waiting for it (``run_in_consumer``)."""


class _Call:
    """A function the producer asks the consumer's thread to run, and its outcome."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the producer
            self.error = exc
        finally:
            self.done.set()

    def fail(self) -> None:
        if not self.done.is_set():
            self.error = PipelineClosed("The consumer stopped.")
            self.done.set()


class Prefetcher(Generic[T]):
    """An iterator over ``source`` that produces one item ahead in a background thread.

    Use it as a context manager (or call ``close()``) so the thread is stopped when the
    caller stops early; it is also closed when exhausted, when the source raises, and when
    garbage collected.
    """

    def __init__(
        self,
        source: Iterable[T],
        *,
        name: str = "prefetch",
        join_timeout: float = JOIN_TIMEOUT,
    ) -> None:
        self._source = source
        self._name = name
        self._join_timeout = join_timeout
        # Unbounded, but the producer puts at most one item before the consumer takes it
        # (the slot), plus the calls it waits on: never more than one item in it.
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._slot = threading.Semaphore(1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished = False
        self._pending_calls: set[_Call] = set()
        self._calls_lock = threading.Lock()
        # What ``wait_idle`` took from the queue before the caller asked for it.
        self._held: tuple[str, Any] | None = None

    # -- the consumer's side -------------------------------------------------------------

    def __iter__(self) -> Prefetcher[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        if self._thread is None:
            self._start()
        while True:
            if self._held is not None:
                (kind, value), self._held = self._held, None
            else:
                kind, value = self._queue.get()
            if kind == _CALL:
                value.run()
                continue
            if kind == _ITEM:
                self._slot.release()  # the producer may start on the next one
                return value
            self._finished = True
            self._join()
            if kind == _ERROR:
                try:
                    raise value
                finally:
                    value = None  # no cycle through the traceback
            raise StopIteration

    def wait_idle(self) -> None:
        """Wait until the producer is idle: its next item produced (kept for ``__next__``),
        the source finished or failed, or nothing started yet; runs the producer's
        ``run_in_consumer`` calls meanwhile. Until the caller next takes an item the
        producer asks the source for nothing (one item ahead at most)."""
        if self._finished or self._thread is None or self._held is not None:
            return
        while True:
            kind, value = self._queue.get()
            if kind == _CALL:
                value.run()
                continue
            self._held = (kind, value)
            return

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not self._finished and self._thread is not None:
            self._stop.set()
            self._slot.release()
            self._fail_pending_calls()

    def close(self) -> None:
        """Stop the producer: it asks the source for nothing more, closes it and exits.
        Waits for it at most ``join_timeout`` seconds; idempotent."""
        if self._finished:
            return
        self._finished = True
        if self._thread is None:
            _close_source(self._source)
            return
        self._stop.set()
        self._slot.release()  # wakes a producer waiting for its turn
        self._fail_pending_calls()
        self._join()
        self._held = None
        # Nothing more is read; what the thread put is dropped (calls fail).
        while True:
            try:
                kind, value = self._queue.get_nowait()
            except queue.Empty:
                break
            if kind == _CALL:
                value.fail()

    @property
    def producer_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the producer's side -------------------------------------------------------------

    def run_in_consumer(self, fn: Callable[[], R]) -> R:
        """Run ``fn`` on the consumer's thread and return what it returns (or raise what it
        raises). Called from the producer's thread (the source), it waits until the
        consumer asks for the next item; called from any other thread it runs ``fn`` at
        once. Raises PipelineClosed when the consumer stops meanwhile."""
        if threading.current_thread() is not self._thread:
            return fn()
        call = _Call(fn)
        with self._calls_lock:
            if self._stop.is_set():
                raise PipelineClosed("The consumer stopped.")
            self._pending_calls.add(call)
        try:
            self._queue.put((_CALL, call))
            call.done.wait()
        finally:
            with self._calls_lock:
                self._pending_calls.discard(call)
        if call.error is not None:
            raise call.error
        return call.result

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._produce, name=self._name, daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        iterator: Iterator[T] | None = None
        try:
            iterator = iter(self._source)
            while True:
                self._slot.acquire()  # one item ahead at most: wait for the consumer
                if self._stop.is_set():
                    return
                try:
                    item = next(iterator)
                except StopIteration:
                    self._queue.put((_DONE, None))
                    return
                if self._stop.is_set():
                    return
                self._queue.put((_ITEM, item))
                del item  # the consumer's from now on
        except BaseException as exc:  # noqa: BLE001 - the consumer raises it
            if not self._stop.is_set():
                self._queue.put((_ERROR, exc))
        finally:
            _close_source(iterator if iterator is not None else self._source)

    # -- both ----------------------------------------------------------------------------

    def _fail_pending_calls(self) -> None:
        with self._calls_lock:
            calls = list(self._pending_calls)
        for call in calls:
            call.fail()

    def _join(self) -> None:
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        thread.join(self._join_timeout)
        if thread.is_alive():
            logger.warning(
                "The %s thread is still busy %.0f s after it was asked to stop; it ends "
                "when its current call does.",
                self._name,
                self._join_timeout,
            )


def _close_source(source: object) -> None:
    close = getattr(source, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # a source that fails to close must not hide what stopped it
            logger.exception("Closing a prefetched source failed.")


def prefetching(
    source: Iterable[T], *, name: str = "prefetch", join_timeout: float = JOIN_TIMEOUT
) -> Prefetcher[T]:
    """``source`` produced one item ahead in a background thread (see the module)."""
    return Prefetcher(source, name=name, join_timeout=join_timeout)
