"""A small world for the portal: two organizations, three customers, requests and worklogs.

alice and bob are in Acme, carol in Globex. Requests of ITSD:
  ITSD-1 reported by alice, bob participates, shared with Acme
  ITSD-2 reported by bob, not shared
  ITSD-3 reported by carol, shared with Globex
  ITSD-4 reported by an Acme outsider (dave, no organization), shared with Acme
A working (Active) Tempo integration is stored and has read ITSD: its hours are available.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from jsm.models import Customer, JiraProject, JiraWorklog, Organization, Request, Worker
from portal.models import ReportSettings
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog
from tests.clock import THIS_MONTH, TODAY
from tests.factories import people

PASSWORD = "demo-password"
__all__ = ["PASSWORD", "THIS_MONTH", "TODAY"]  # imported by the portal's test modules


@pytest.fixture(autouse=True)
def _today(frozen_today):
    """The portal's months are counted from tests.clock.TODAY, whatever the real date."""


@dataclass
class World:
    project: JiraProject
    settings: ReportSettings
    requests: dict[str, Request]
    users: dict[str, object]


def _customer(name: str, email: str, organization: Organization | None = None) -> Customer:
    return people.customer(name, email, organization, password=PASSWORD)


def _worklog(n: int, request: Request, day: dt.date, billable: int, spent: int | None = None):
    Worklog.objects.create(
        tempo_id=n,
        request=request,
        author_account_id="agent-1",
        time_spent_seconds=spent if spent is not None else billable,
        billable_seconds=billable,
        start_date=day,
        description=f"Work item {n}",
        tempo_updated_at=timezone.now(),
    )


@pytest.fixture
def world(db) -> World:
    project = JiraProject.objects.create(
        jira_id="10000", key="ITSD", name="IT Service Desk", service_desk_id="1"
    )
    settings = ReportSettings.objects.create(project=project, enabled=True)
    acme = Organization.objects.create(jira_id="1", name="Acme")
    globex = Organization.objects.create(jira_id="2", name="Globex")
    alice = _customer("Alice", "alice@acme.example", acme)
    bob = _customer("Bob", "bob@acme.example", acme)
    carol = _customer("Carol", "carol@globex.example", globex)
    dave = Customer.objects.create(account_id="acc-dave", email="", display_name="Dave")
    acme.projects.add(project)
    globex.projects.add(project)
    Worker.objects.create(account_id="agent-1", display_name="Agent Smith")
    now = timezone.now()

    def request(n, reporter, summary, participants=(), orgs=()):
        r = Request.objects.create(
            jira_id=str(20000 + n),
            key=f"ITSD-{n}",
            project=project,
            summary=summary,
            status="In Progress",
            status_category="indeterminate",
            reporter=reporter,
            created=now - dt.timedelta(days=10 - n),
            updated=now,
        )
        r.participants.set(participants)
        r.organizations.set(orgs)
        return r

    requests = {
        "ITSD-1": request(1, alice, "Laptop will not boot", participants=[bob], orgs=[acme]),
        "ITSD-2": request(2, bob, "VPN access for Bob"),
        "ITSD-3": request(3, carol, "Globex printer", orgs=[globex]),
        "ITSD-4": request(4, dave, "Acme office move", orgs=[acme]),
    }
    # This month: 1.5 h + 0.25 h on ITSD-1, 2 h on ITSD-2, 3 h on ITSD-3, 1 h on ITSD-4.
    _worklog(1, requests["ITSD-1"], THIS_MONTH, 5400, spent=7200)
    _worklog(2, requests["ITSD-1"], THIS_MONTH, 900)
    _worklog(3, requests["ITSD-2"], THIS_MONTH, 7200)
    _worklog(4, requests["ITSD-3"], THIS_MONTH, 10800)
    _worklog(5, requests["ITSD-4"], THIS_MONTH, 3600)
    _worklog(6, requests["ITSD-1"], THIS_MONTH, 0, spent=1800)  # not billable
    # Last year: 4 h on ITSD-1 (outside "this month").
    _worklog(7, requests["ITSD-1"], THIS_MONTH.replace(year=THIS_MONTH.year - 1), 14400)
    JiraWorklog.objects.create(
        jira_id="900",
        request=requests["ITSD-1"],
        author_account_id="agent-1",
        time_spent_seconds=10000,
        start_date=THIS_MONTH,
        description="Jira time",
        jira_updated_at=now,
    )
    tempo_admin = get_user_model().objects.create_user("tempo-admin", is_staff=True)
    TempoIntegration.store("Portal-Test-Token-0042", tempo_admin)
    ProjectSyncState.objects.create(project=project, last_full_sync_at=now)
    users = {c.display_name.lower(): c.user for c in (alice, bob, carol)}
    return World(project, settings, requests, users)


@pytest.fixture
def as_user(client, world):
    def sign_in(name: str):
        client.force_login(world.users[name])
        return client

    return sign_in
