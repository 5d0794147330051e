"""The Tempo sync reads every project's pages in one background thread
(tempo_integration.sync ``_every_project_pages``): the next project's first page is
downloaded while the previous project's last page is written, still one page ahead at
most, and the sync's own direct reads never share the client with that thread."""

from __future__ import annotations

import gc
import threading
import time

from portal.models import ReportSettings
from sync.models import SyncLock, SyncRun
from sync.runs import sync_tempo
from tempo_integration import sync as tempo_sync
from tempo_integration.client import TempoClient
from tempo_integration.models import Worklog, WorklogMonth
from tempo_integration.records import WorklogPage
from worklog_report import month_summary

from .fake_tempo import worklog

SUP = 10001


def enable_sup():
    ReportSettings.objects.filter(project__key="SUP").update(enabled=True)


def test_the_next_projects_first_page_is_read_while_the_last_page_is_written(tempo, monkeypatch):
    enable_sup()
    sup_read = threading.Event()
    real_iter = TempoClient.iter_pages

    def iter_pages(self, path, params=None):
        for page in real_iter(self, path, params):
            if path.endswith(f"/{SUP}"):
                sup_read.set()
            yield page

    overlapped = []
    real_write = tempo_sync._write

    def write(rows, listed):
        if [row["tempo_id"] for row in rows] == [3]:  # ITSD's last page (no. 4: unknown issue)
            overlapped.append(sup_read.wait(5))
        return real_write(rows, listed)

    monkeypatch.setattr(TempoClient, "iter_pages", iter_pages)
    monkeypatch.setattr(tempo_sync, "_write", write)

    run = sync_tempo(full=True)

    assert run.status == "succeeded", run.error
    assert overlapped == [True]
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3, 5]
    if month_summary.available():
        assert sum(WorklogMonth.objects.values_list("worklogs", flat=True)) == 4


def test_direct_reads_wait_until_the_pages_thread_is_idle(tempo, monkeypatch):
    enable_sup()
    sync_tempo(full=True)
    del tempo.worklogs[10000][1]  # no. 2: not listed any more; a direct read confirms it
    tempo.worklogs[SUP] = [worklog(5, 20003), worklog(6, 20003)]
    in_flight, most = [0], [0]
    lock = threading.Lock()
    real_request = TempoClient.request_json

    def request_json(self, method, path_or_url, **kwargs):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        try:
            time.sleep(0.05)  # long enough for the other thread to start one too
            return real_request(self, method, path_or_url, **kwargs)
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(TempoClient, "request_json", request_json)

    run = sync_tempo(full=True)

    assert run.status == "succeeded", run.error
    assert tempo.direct_reads == [2] and run.counts["worklogs_removed"] == 1
    assert most[0] == 1  # never two Tempo calls at once
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 3, 5, 6]


def test_a_project_tempo_cannot_read_leaves_the_next_one_synced(tempo):
    enable_sup()
    tempo.not_found_projects.add(10000)

    run = sync_tempo(full=True)

    assert run.counts["projects_failed"] == 1 and run.counts["projects"] == 1
    assert list(Worklog.objects.values_list("tempo_id", flat=True)) == [5]


def test_the_pages_thread_only_downloads_and_parses(tempo, monkeypatch):
    """The background thread does what the sync's limit in ``make bench`` measures
    (download and parse); reading the worklogs into records is the writing thread's work,
    done while the next page downloads (docs/benchmarks.md, fifth stop)."""
    enable_sup()
    threads = {"pages": set(), "records": set()}
    real_iter, real_from_page = TempoClient.iter_pages, WorklogPage.from_page

    def iter_pages(self, path, params=None):
        for page in real_iter(self, path, params):
            threads["pages"].add(threading.current_thread().name)
            yield page

    def from_page(page):
        threads["records"].add(threading.current_thread().name)
        return real_from_page(page)

    monkeypatch.setattr(TempoClient, "iter_pages", iter_pages)
    monkeypatch.setattr(WorklogPage, "from_page", staticmethod(from_page))

    run = sync_tempo(full=True)

    assert run.status == "succeeded", run.error
    assert threads == {"pages": {"tempo-pages"}, "records": {threading.current_thread().name}}
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3, 5]


def test_the_sync_reads_with_the_long_lived_objects_frozen(tempo, monkeypatch):
    """worklog_report.heap: the garbage collector's full passes skip what was alive before
    the run (a fifth of a sync's CPU at 49,000 worklogs); they are back once it ends."""
    enable_sup()
    frozen_during = []
    real_sync = tempo_sync._sync

    def sync(*args, **kwargs):
        frozen_during.append(gc.get_freeze_count())
        return real_sync(*args, **kwargs)

    monkeypatch.setattr(tempo_sync, "_sync", sync)

    run = sync_tempo(full=True)

    assert run.status == "succeeded", run.error
    assert len(frozen_during) == 1 and frozen_during[0] > 0
    assert gc.get_freeze_count() == 0


def test_a_sync_that_loses_its_lock_mid_run_says_so(tempo, monkeypatch, caplog):
    """Its lease ran out and another run took the lock: the run ends at its next page with
    a sentence (not "failed unexpectedly" and a traceback), keeping what it wrote."""
    enable_sup()
    real_write = tempo_sync._write
    writes = []

    def write(rows, listed):
        writes.append(len(rows))
        if len(writes) == 1:  # another run takes the lock while this page is written
            SyncLock.objects.update(owner="another-run")
        return real_write(rows, listed)

    monkeypatch.setattr(tempo_sync, "_write", write)

    run = sync_tempo(full=True)

    assert run.status == SyncRun.Status.FAILED
    assert run.error == (
        "The Tempo sync lost its lock to another run: it stopped there, and what it had "
        "written is kept."
    )
    assert Worklog.objects.count() == writes[0]  # the first page's worklogs are kept
    assert not [r for r in caplog.records if r.exc_info]
