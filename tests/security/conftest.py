"""The portal's small world (tests/portal/conftest.py) plus an administrator, a contract of
each scope and a sync run: enough to reach every page type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jsm.models import Organization
from portal.contracts import Contract
from sync.models import SyncRun
from tests.clock import TODAY
from tests.portal.conftest import as_user, world  # noqa: F401 - fixtures used by these tests


@pytest.fixture(autouse=True)
def _today(frozen_today):
    """The contracts and the portal's world are dated from tests.clock.TODAY."""


@pytest.fixture
def full_world(world, admin_user):  # noqa: F811 - the imported fixture
    acme = Organization.objects.get(name="Acme")
    world.contracts = {
        "acme": Contract.objects.create(
            project=world.project,
            organization=acme,
            type=Contract.Type.MONTHLY,
            start_date=TODAY.replace(day=1),
            end_date=TODAY.replace(day=1) + dt.timedelta(days=365),
            hours=Decimal("10"),
            description="Acme support",
        ),
    }
    now = timezone.now()
    SyncRun.objects.create(
        kind=SyncRun.Kind.JIRA,
        status=SyncRun.Status.SUCCEEDED,
        finished_at=now,
        counts={"projects": 1, "requests": 4},
    )
    world.admin = admin_user
    return world
