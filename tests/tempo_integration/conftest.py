"""Projects with requests, a stored token and a FakeTempo serving their worklogs."""

from __future__ import annotations

import pytest
import responses
from django.utils import timezone

from jsm.models import JiraProject, Request
from portal.models import ReportSettings

from .factories import stored_integration
from .fake_tempo import FakeTempo, worklog


@pytest.fixture
def projects(db):
    itsd = JiraProject.objects.create(jira_id="10000", key="ITSD", name="IT", service_desk_id="1")
    sup = JiraProject.objects.create(jira_id="10001", key="SUP", name="Sup", service_desk_id="2")
    for project, ids in ((itsd, ["20001", "20002"]), (sup, ["20003"])):
        for jira_id in ids:
            Request.objects.create(
                jira_id=jira_id,
                key=f"{project.key}-{jira_id}",
                project=project,
                summary="s",
                status="Open",
                created=timezone.now(),
                updated=timezone.now(),
                tempo_worklogs_read=True,  # synced, and read by Tempo, long ago
            )
    ReportSettings.objects.create(project=itsd, enabled=True)
    ReportSettings.objects.create(project=sup, enabled=False)
    return itsd, sup


@pytest.fixture
def tempo(projects, admin_user):
    stored_integration(admin_user)
    fake = FakeTempo()
    fake.worklogs[10000] = [
        worklog(n, issue, updated=f"2026-10-0{n}T10:00:00Z")
        for n, issue in ((1, 20001), (2, 20001), (3, 20002), (4, 99999))
    ]
    fake.worklogs[10001] = [worklog(5, 20003)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.rsps = rsps
        yield fake
