"""The portal's small world (tests/portal/conftest.py) with the clock on the 1st of the next
month: its worklogs of ``MONTH`` (tests.clock.THIS_MONTH) are last month's, the month the
statements cover. ITSD sends monthly statements.

Acme's requests: ITSD-1 (alice's, shared with Acme: 1.75 h), ITSD-2 (bob's, not shared:
2 h), ITSD-4 (dave's, shared with Acme: 1 h) — 4.75 h. Globex's: ITSD-3 (3 h)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.periods import add_months
from tests.clock import THIS_MONTH
from tests.portal.conftest import _worklog, world  # noqa: F401 - the world fixture

MONTH = THIS_MONTH
FIRST_OF_NEXT = add_months(MONTH, 1)
H = 3600


@pytest.fixture(autouse=True)
def _first_of_next_month(time_machine):
    time_machine.move_to(
        dt.datetime.combine(FIRST_OF_NEXT, dt.time(6, 30), dt.UTC), tick=True
    )


@pytest.fixture
def itsd(world):  # noqa: F811
    world.settings.monthly_statements = True
    world.settings.save()
    return world
