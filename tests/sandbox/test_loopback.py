"""Only clients on this machine may use the control endpoint."""

from __future__ import annotations

import pytest

from sandbox.loopback import is_loopback


@pytest.mark.parametrize("address", ["127.0.0.1", "127.10.0.3", "::1", "::ffff:127.0.0.1"])
def test_loopback_addresses_are_accepted(address):
    assert is_loopback(address)


@pytest.mark.parametrize(
    "address", ["10.0.0.5", "192.168.1.20", "::ffff:10.0.0.5", "2001:db8::1", "", "localhost"]
)
def test_other_addresses_are_refused(address):
    assert not is_loopback(address)
