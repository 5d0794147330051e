"""The Tempo sync reads a page ahead in a background thread (tempo_integration.sync
``_pages_ahead``): the database stays on the sync's thread, an OAuth renewal included."""

from __future__ import annotations

import threading

import pytest

from tempo_integration.sync import _pages_ahead


class RenewingClient:
    """A client whose second page is answered 401 once: it renews, then reads on."""

    def __init__(self) -> None:
        self.renewed_on: list[threading.Thread] = []
        self.read_on: list[threading.Thread] = []
        self.renew = self._renew

    def _renew(self) -> str:
        self.renewed_on.append(threading.current_thread())
        return "new-token"

    def pages(self):
        for number in range(1, 4):
            self.read_on.append(threading.current_thread())
            if number == 2:
                assert self.renew() == "new-token"  # as request_json does after a 401
            yield number


def test_pages_are_read_in_another_thread_and_renewal_runs_on_the_syncs():
    client = RenewingClient()
    original = client.renew
    with _pages_ahead(client, client.pages()) as pages:
        assert list(pages) == [1, 2, 3]
    me = threading.current_thread()
    assert client.read_on and all(thread is not me for thread in client.read_on)
    assert client.renewed_on == [me]
    assert client.renew == original  # restored after the read


def test_the_renew_hook_is_restored_when_the_read_fails():
    client = RenewingClient()
    original = client.renew

    def failing():
        yield 1
        raise RuntimeError("Tempo broke off")

    with pytest.raises(RuntimeError), _pages_ahead(client, failing()) as pages:
        list(pages)
    assert client.renew == original


def test_a_client_without_renewal_is_left_alone():
    class Plain:
        renew = None

    client = Plain()
    with _pages_ahead(client, iter([1, 2])) as pages:
        assert list(pages) == [1, 2]
    assert client.renew is None
