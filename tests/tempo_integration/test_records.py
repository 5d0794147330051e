"""TempoWorklog.from_api: Tempo's Worklog object read once, malformed ones counted."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.runs import sync_tempo
from tempo_integration.models import Worklog
from tempo_integration.records import MalformedWorklog, TempoWorklog, WorklogPage

from .fake_tempo import worklog


def test_a_well_formed_worklog_is_read_with_units_and_zones():
    item = worklog(7, 10452, billable=1800, spent=3600, updated="2026-11-01T10:00:00Z")
    item["startTime"] = "09:30:00"
    item["description"] = "Work 7"
    read = TempoWorklog.from_api(item)
    assert read.tempo_worklog_id == 7
    assert read.issue_id == "10452"  # Tempo's int, as Jira writes it
    assert read.author_account_id == item["author"]["accountId"]
    assert (read.time_spent_seconds, read.billable_seconds) == (3600, 1800)
    assert read.start_date == dt.date(2026, 11, 1)
    assert read.start_time == dt.time(9, 30)
    assert read.description == "Work 7"
    assert read.updated_at == dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)


def test_optional_fields_have_their_defaults():
    item = worklog(8, 10452)
    for name in ("billableSeconds", "startTime", "description", "author"):
        item.pop(name, None)
    item["updatedAt"] = "2026-11-01T10:00:00"  # no offset: read as UTC
    read = TempoWorklog.from_api(item)
    assert (read.billable_seconds, read.start_time, read.description) == (0, None, "")
    assert read.author_account_id == ""
    assert read.updated_at.tzinfo is dt.UTC


def test_a_record_is_frozen():
    read = TempoWorklog.from_api(worklog(9, 10452))
    with pytest.raises(AttributeError):
        read.description = "changed"  # type: ignore[misc]


def _without(name):
    item = worklog(1, 10452)
    del item[name]
    return item


def _with(**fields):
    return {**worklog(1, 10452), **fields}


@pytest.mark.parametrize(
    "item",
    [
        _without("tempoWorklogId"),
        _without("issue"),
        _without("timeSpentSeconds"),
        _without("startDate"),
        _without("updatedAt"),
        _with(issue={"id": "ABC-1"}),
        _with(issue=None),
        _with(timeSpentSeconds="an hour"),
        _with(timeSpentSeconds=-1),
        _with(billableSeconds=-60),
        _with(startDate="01/11/2026"),
        _with(startTime="half past nine"),
        _with(updatedAt="yesterday"),
        _with(author="not an object"),
        "not a worklog",
        None,
    ],
)
def test_a_malformed_worklog_raises_a_typed_error(item):
    with pytest.raises(MalformedWorklog):
        TempoWorklog.from_api(item)


def test_a_page_counts_its_malformed_items_and_keeps_the_rest():
    page = WorklogPage.from_results(
        [worklog(1, 10452), _with(timeSpentSeconds=-1), worklog(2, 10453), None]
    )
    assert [w.tempo_worklog_id for w in page.worklogs] == [1, 2]
    assert page.malformed == 2


# -- through the sync: malformed worklogs are counted, never written, never a failure ------


def test_the_sync_counts_malformed_worklogs_and_writes_the_rest(tempo):
    tempo.worklogs[10000] += [_with(tempoWorklogId=6, timeSpentSeconds=-1), {"tempoWorklogId": 7}]
    run = sync_tempo()
    assert run.status == "succeeded", run.error
    assert run.counts["skipped_malformed"] == 2
    assert run.counts["skipped_unknown_issue"] == 1
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]


def test_a_malformed_direct_read_is_counted_and_neither_removes_nor_refreshes(tempo):
    sync_tempo(full=True)
    listed = tempo.worklogs[10000]
    tempo.worklogs[10000] = [w for w in listed if w["tempoWorklogId"] != 2]
    tempo.worklogs[99] = [{**next(w for w in listed if w["tempoWorklogId"] == 2), "startDate": "?"}]
    run = sync_tempo(full=True)
    assert run.counts["skipped_malformed"] == 1 and tempo.direct_reads == [2]
    assert Worklog.objects.filter(tempo_id=2).exists()
