"""A tiny run of the benchmark's measurements, so `make bench` never rots.

Timings are not asserted (speed is measured by `make bench`, never in tests); the exact
invariants are: a full sync makes ceil(N / page size) requests per project, a no-change
sync one request per project, and the report runs the same number of queries at two sizes.
"""

from __future__ import annotations

import pytest

from bench import measure
from sandbox.process import SandboxProcess

pytestmark = pytest.mark.integration

PAGE = 100


@pytest.fixture
def point_at(settings):
    def point(sandbox):
        settings.TEMPO_BASE_URL = sandbox.tempo_url
        settings.JIRA_BASE_URL = f"{sandbox.url}/jira"
        settings.JIRA_EMAIL = "admin@sandbox.example"
        settings.JIRA_API_TOKEN = "sandbox-jira-token"

    return point


def run_size(tmp_path, point_at, requests, worklogs):
    with SandboxProcess(
        tmp_path / f"s{worklogs}",
        seed_args=["--requests", str(requests), "--worklogs", str(worklogs)],
    ) as sandbox:
        point_at(sandbox)
        prepared = measure.prepare(sandbox, PAGE)
        sandbox.client.reset_request_count()
        run = measure.full_sync(PAGE)
        full_requests = sandbox.client.request_count("tempo")
        sandbox.client.reset_request_count()
        measure.sync_tempo(page_size=PAGE)
        incremental = sandbox.client.request_count("tempo")
        queries = measure.report_queries(prepared)
        assert measure.ours_equals_peer(prepared)
        return prepared, run, full_requests, incremental, queries


def test_benchmark_invariants_hold_at_two_sizes(tmp_path, point_at, transactional_db):
    small = run_size(tmp_path, point_at, 30, 250)
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    large = run_size(tmp_path, point_at, 60, 700)
    for prepared, run, full_requests, incremental, _ in (small, large):
        assert full_requests == run.requests_made == measure.expected_requests(prepared, PAGE)
        assert incremental == len(prepared.projects)
    assert small[4] == large[4]  # the report's query count does not depend on the data size
    assert sum(large[0].worklogs_per_project.values()) > 2 * sum(
        small[0].worklogs_per_project.values()
    )
