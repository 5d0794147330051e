"""The database briefly unavailable in the middle of a Jira sync (issue 8 §6)."""

from __future__ import annotations

import pytest

from jsm.models import Request
from sync.locks import is_locked
from sync.models import SyncRun
from sync.runs import sync_jira
from tests.outage import database_outage
from worklog_report.database_outage import DATABASE_UNAVAILABLE

from .fake_jira import BASE

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_outage_mid_project_rolls_that_project_back_and_the_next_run_completes(
    fake_jira, monkeypatch
):
    sync_jira()
    fake_jira.issues["10001"][0]["fields"]["summary"] = "changed"
    fake_jira.issues["10000"][0]["fields"]["summary"] = "changed too"
    with database_outage() as outage:
        # SUP ("Customer Support") is written first; the database goes away while ITSD's
        # requests are read, and is back at the first wait before recording the run.
        original_search = fake_jira._search

        def search(request):
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            outage.down = outage.down or "10000" in body
            return original_search(request)

        fake_jira.rsps.remove("POST", f"{BASE}/rest/api/3/search/jql")
        fake_jira.rsps.add_callback("POST", f"{BASE}/rest/api/3/search/jql", search)
        monkeypatch.setattr(
            "worklog_report.database_outage._sleep",
            lambda seconds: setattr(outage, "down", False),
        )
        run = sync_jira()

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and run.error == DATABASE_UNAVAILABLE
    assert Request.objects.get(key="SUP-1").summary == "changed"  # committed before
    assert Request.objects.get(key="ITSD-1").summary == "Request ITSD-1"  # rolled back
    assert not is_locked("jira")

    fake_jira.rsps.remove("POST", f"{BASE}/rest/api/3/search/jql")
    fake_jira.rsps.add_callback("POST", f"{BASE}/rest/api/3/search/jql", original_search)
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    assert Request.objects.get(key="ITSD-1").summary == "changed too"
    assert Request.objects.count() == 5
