"""Migration 0006: comments stored before it may be restricted ones, so they go until re-read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("jsm", "0005_request_missing_project_sync_problem")]
AFTER = [("jsm", "0006_jiraworklog_internal")]


@pytest.mark.django_db(transaction=True)
def test_stored_comments_are_blanked_and_the_next_jira_sync_reads_everything():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    project = old.get_model("jsm", "JiraProject").objects.create(
        jira_id="10000", key="ITSD", name="IT Service Desk", service_desk_id="1"
    )
    now = timezone.now()
    request = old.get_model("jsm", "Request").objects.create(
        jira_id="20001",
        key="ITSD-1",
        project=project,
        summary="Printer",
        status="Open",
        created=now,
        updated=now,
    )
    old.get_model("jsm", "JiraWorklog").objects.create(
        jira_id="1",
        request=request,
        author_account_id="agent-1",
        time_spent_seconds=1800,
        start_date=now.date(),
        description="INTERNAL: customer on credit hold",
        jira_updated_at=now,
    )
    old.get_model("jsm", "JiraWorklogCursor").objects.create(since_ms=5, last_full_sync_at=now)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    worklog = new.get_model("jsm", "JiraWorklog").objects.get()
    assert (worklog.description, worklog.internal, worklog.time_spent_seconds) == ("", False, 1800)
    assert new.get_model("jsm", "JiraWorklogCursor").objects.get().last_full_sync_at is None

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the newest schema
