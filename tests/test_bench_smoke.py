"""A tiny run of the benchmark's measurements, so `make bench` never rots.

Timings are not asserted (speed is measured by `make bench`, never in tests); the exact
invariants are: a full sync makes ceil(N / page size) requests per project, a no-change
sync one request per project, and the report runs the same number of queries at two sizes;
a Tempo backup writes a verified archive of exactly the records its download-only limit
reads, with the same requests plus one per JSM project (its 404 probe); the report (with a
contract panel) equals its CSV export; the peer runs under the sandbox's realistic profile.
"""

from __future__ import annotations

import pytest

from backup.verify import verify_archive
from bench import measure, tempo_backup
from jsm.models import JiraProject
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
        measure.add_contract(prepared)
        queries = measure.report_queries(prepared)
        assert measure.ours_equals_peer(prepared)
        p95, median, shown = measure.report_p95(prepared, requests=3)
        assert p95 >= median > 0 and shown == "contract panel shown"
        assert measure.report_vs_csv(prepared)["equal"]
        # The peer under the realistic profile: every Tempo call 150 ms, at most 5/s.
        sandbox.client.set_profile()
        try:
            sandbox.client.reset_request_count()
            assert measure.timed(lambda: measure.peer_report(prepared)) >= 0.15
            assert sandbox.client.request_count("tempo") >= 1
        finally:
            sandbox.client.clear_profile()
        return prepared, run, full_requests, incremental, queries


def test_benchmark_invariants_hold_at_two_sizes(tmp_path, point_at, transactional_db):
    small = run_size(tmp_path, point_at, 30, 250)
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    large = run_size(tmp_path, point_at, 60, 700)
    for prepared, run, full_requests, incremental, _ in (small, large):
        assert full_requests == run.requests_made == measure.expected_requests(prepared, PAGE)
        # One page per project, and one read of Tempo's log of deleted worklogs.
        assert incremental == len(prepared.projects) + 1
    assert small[4] == large[4]  # the report's query count does not depend on the data size
    assert sum(large[0].worklogs_per_project.values()) > 2 * sum(
        small[0].worklogs_per_project.values()
    )


def test_backup_measurements_hold_their_invariants(tmp_path, point_at, transactional_db, settings):
    settings.TEMPO_BACKUP_MONTHS = 3  # fewer per-team-and-month approval reads than 24
    with SandboxProcess(
        tmp_path / "sandbox", seed_args=["--requests", "30", "--worklogs", "250"]
    ) as sandbox:
        point_at(sandbox)
        measure.prepare(sandbox, PAGE)
        tempo_backup.store_full_access(sandbox)
        sandbox.client.reset_request_count()
        downloaded = tempo_backup.download_backup_pages()
        download_requests = sandbox.client.request_count("tempo")
        sandbox.client.reset_request_count()
        backup = tempo_backup.run_backup_once(tmp_path / "backups")
        backup_requests = sandbox.client.request_count("tempo")
        peak, again = tempo_backup.backup_memory_peak(tmp_path / "backups")

    assert None not in downloaded.values()  # full access: nothing skipped
    assert downloaded["worklogs"] >= 250
    verification = verify_archive(backup.path)
    assert verification.ok, verification.problems
    assert dict(verification.checked) == downloaded
    assert {entry["name"]: entry["records"] for entry in backup.data_sets} == downloaded
    assert backup.records == again.records == sum(downloaded.values())
    assert backup.size_bytes > 0
    projects = JiraProject.objects.filter(missing_since__isnull=True).count()
    assert projects > 0
    assert backup_requests == download_requests + projects
    assert peak > 0
