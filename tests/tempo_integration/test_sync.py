"""The Tempo worklog sync, against Tempo mocked with `responses`."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.conf import settings as django_settings
from django.utils import timezone

from jsm.models import JiraProject, Request, SyncRun
from portal.models import ReportSettings
from tempo_integration import sentences
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog
from tempo_integration.sync import sync_tempo

from .factories import stored_integration


def worklog(
    tempo_id,
    issue_id,
    *,
    billable=3600,
    spent=3600,
    updated="2026-11-01T10:00:00Z",
    day="2026-11-01",
):
    return {
        "self": f"https://api.tempo.io/4/worklogs/{tempo_id}",
        "tempoWorklogId": tempo_id,
        "issue": {"self": f"https://x.atlassian.net/rest/api/2/issue/{issue_id}", "id": issue_id},
        "timeSpentSeconds": spent,
        "billableSeconds": billable,
        "startDate": day,
        "startTime": "09:30:00",
        "description": f"Work {tempo_id}",
        "createdAt": "2026-11-01T10:00:00Z",
        "updatedAt": updated,
        "author": {
            "self": "https://x.atlassian.net/rest/api/2/user?accountId=agent-1",
            "accountId": "agent-1",
        },
        "attributes": {"self": "", "values": []},
    }


class FakeTempo:
    """Serves /4/worklogs/project/{id} from a dict, honouring updatedFrom and paging."""

    def __init__(self, page_size=2):
        self.worklogs: dict[int, list[dict]] = {}
        self.page_size = page_size
        self.seen_params: list[dict] = []

    def install(self, rsps):
        import re

        rsps.add_callback(
            responses.GET,
            re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/project/(\d+).*"),
            self.callback,
        )

    def callback(self, request):
        url = urlsplit(request.url)
        project_id = int(url.path.rsplit("/", 1)[1])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.seen_params.append(query)
        items = self.worklogs.get(project_id, [])
        if "updatedFrom" in query:
            items = [w for w in items if w["updatedAt"] >= query["updatedFrom"]]
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 50)), self.page_size)
        page = items[offset : offset + limit]
        metadata = {"count": len(page), "offset": offset, "limit": limit}
        if offset + limit < len(items):
            nxt = dict(query, offset=str(offset + limit))
            metadata["next"] = f"{url.scheme}://{url.netloc}{url.path}?" + "&".join(
                f"{k}={v}" for k, v in nxt.items()
            )
        return 200, {}, json.dumps({"self": request.url, "metadata": metadata, "results": page})


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


def test_first_sync_reads_everything_of_enabled_projects(tempo):
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]
    assert run.counts["skipped_unknown_issue"] == 1  # issue 99999 is not a synced request
    assert run.counts["pages"] == 2 and run.requests_made == 2  # 4 worklogs, pages of 2
    assert all(p["limit"] == "5000" for p in tempo.seen_params[:1])
    assert "updatedFrom" not in tempo.seen_params[0]
    w = Worklog.objects.get(tempo_id=1)
    assert (
        w.request.key == "ITSD-20001" and w.billable_seconds == 3600 and w.description == "Work 1"
    )


def test_incremental_sync_with_nothing_new_is_one_request_per_project(tempo):
    tempo.page_size = 5000  # the overlap re-reads the last few minutes: one real page
    sync_tempo()
    tempo.seen_params.clear()
    run = sync_tempo()
    assert run.requests_made == 1
    since = tempo.seen_params[0]["updatedFrom"]
    assert since == "2026-10-03T09:55:00Z"  # newest updatedAt minus the 5-minute overlap
    assert Worklog.objects.count() == 3


def test_edits_and_moves_are_picked_up_incrementally(tempo):
    sync_tempo()
    tempo.worklogs[10000][0] = worklog(1, 20002, billable=1800, updated="2026-11-02T08:00:00Z")
    run = sync_tempo()
    w = Worklog.objects.get(tempo_id=1)
    assert w.request.jira_id == "20002" and w.billable_seconds == 1800
    assert run.counts["worklogs"] == 2  # the changed one, and no. 3 inside the overlap


def test_deletions_are_removed_by_a_full_sync_only(tempo):
    sync_tempo()
    del tempo.worklogs[10000][1]  # worklog 2 deleted in Tempo
    sync_tempo()
    assert Worklog.objects.filter(tempo_id=2).exists()  # lists never show deletions
    run = sync_tempo(full=True)
    assert not Worklog.objects.filter(tempo_id=2).exists()
    assert run.counts["worklogs_removed"] == 1


def test_a_full_sync_happens_once_a_day_by_itself(tempo):
    sync_tempo()
    del tempo.worklogs[10000][1]
    ProjectSyncState.objects.update(last_full_sync_at=timezone.now() - dt.timedelta(days=2))
    sync_tempo()
    assert not Worklog.objects.filter(tempo_id=2).exists()


def test_rerun_is_idempotent(tempo):
    def stored():
        # Everything but the full-read generation, which counts the reads on purpose.
        return [
            {k: v for k, v in row.items() if k != "sync_generation"}
            for row in Worklog.objects.order_by("tempo_id").values()
        ]

    sync_tempo(full=True)
    before = stored()
    sync_tempo(full=True)
    assert stored() == before


def test_interrupted_half_way_then_rerun_completes_without_duplicates(tempo, settings):
    original = tempo.callback
    calls = {"n": 0}

    def dies_on_second_page(request):
        calls["n"] += 1
        if calls["n"] == 2:
            return 500, {}, "boom"
        return original(request)

    tempo.rsps.remove(responses.GET, tempo.rsps.registered()[0].url)
    import re

    pattern = re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/project/.*")
    tempo.rsps.add_callback(responses.GET, pattern, dies_on_second_page)
    settings.TEMPO_RETRY_BUDGET = 0
    run = sync_tempo()
    assert run.status == SyncRun.Status.FAILED
    assert "last successful sync are kept" in run.error
    assert Worklog.objects.count() == 2  # the first page was kept
    assert ProjectSyncState.objects.get().last_full_sync_at is None
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]


def test_401_marks_the_integration_invalid_and_stops_tempo_calls(projects, admin_user):
    stored_integration(admin_user)
    with responses.RequestsMock() as rsps:
        rsps.get(f"{django_settings.TEMPO_BASE_URL}/4/worklogs/project/10000", status=401)
        run = sync_tempo()
        assert run.status == SyncRun.Status.FAILED and run.error == sentences.INVALID_TOKEN
        assert TempoIntegration.current().status == TempoIntegration.Status.INVALID
        assert sync_tempo() is None  # no more calls until a new token is added
        assert len(rsps.calls) == 1


def test_no_token_means_no_sync(projects):
    assert sync_tempo() is None


def test_revoke_erases_synced_worklogs(tempo, admin_user):
    sync_tempo()
    TempoIntegration.current().revoke(admin_user)
    assert not Worklog.objects.exists() and not ProjectSyncState.objects.exists()
