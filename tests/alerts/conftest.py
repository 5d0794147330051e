"""The portal's small world (tests/portal/conftest.py) with Acme's monthly contract of 10 h
a month from 1 Jun to 31 Dec 2032, and the clock on Wed 16 Jun 2032, far from the world's
own worklogs. Staff: ann (ann@provider.example) is chosen for the alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from alerts.models import AlertSettings
from jsm.models import Organization
from portal.models import Contract
from tests.factories import people
from tests.portal.conftest import _worklog, world  # noqa: F401 - the world fixture

H = 3600
NOW = dt.datetime(2032, 6, 16, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _wed_16_jun_2032(time_machine):
    time_machine.move_to(NOW, tick=True)


@pytest.fixture
def ann(db):
    return people.user("ann", "Ann@Provider.example", is_staff=True, first_name="Ann")


@pytest.fixture
def acme_contract(world, ann):  # noqa: F811
    contract = Contract.objects.create(
        project=world.project,
        type="monthly",
        start_date=dt.date(2032, 6, 1),
        end_date=dt.date(2032, 12, 31),
        hours=Decimal(10),
        organization=Organization.objects.get(name="Acme"),
    )
    alert_settings = AlertSettings.for_contract(contract)
    alert_settings.staff.set([ann])
    return contract


class Log:
    """Worklogs on ITSD-1 (Acme's request), numbered from 1000."""

    def __init__(self, world):  # noqa: F811
        self.world, self.n = world, 1000

    def __call__(self, day: dt.date, hours: float) -> None:
        self.n += 1
        _worklog(self.n, self.world.requests["ITSD-1"], day, int(hours * H))


@pytest.fixture
def log(world):  # noqa: F811
    return Log(world)
