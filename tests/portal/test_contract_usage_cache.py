"""The contract panel is read from the worklogs once per change of the data
(portal.usage_cache, docs/product.md §8), and the next change shows on the next page."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.contract_split import hours_unseen_by
from portal.contracts import contract_forecasts, contract_panel
from portal.models import ContractUsageSnapshot, DataVersion
from portal.usage_cache import panel_figures
from sync.models import SyncRun
from sync.signals import data_changed, sync_finished
from tempo_integration.models import Worklog

from .conftest import THIS_MONTH, TODAY
from .test_contract_panel import URL, contract, figure, panel

WORKLOGS = "tempo_integration_worklog"


def _bulk_worklogs(request, seconds: int, count: int = 1, first: int = 5000) -> None:
    """As the syncs write: in bulk, without a model signal."""
    Worklog.objects.bulk_create(
        Worklog(
            tempo_id=first + n,
            request=request,
            author_account_id="agent-1",
            time_spent_seconds=seconds,
            billable_seconds=seconds,
            start_date=THIS_MONTH,
            tempo_updated_at=timezone.now(),
        )
        for n in range(count)
    )


def _used(client) -> str:
    return figure(panel(client.get(URL).content.decode()), "used")


def _worklog_reads(queries) -> int:
    return sum(1 for q in queries.captured_queries if WORKLOGS in q["sql"])


def test_a_second_page_reads_no_worklog_for_the_panel(world, as_user):
    contract(world, organization="Acme")
    client = as_user("alice")
    with CaptureQueriesContext(connection) as first:
        assert _used(client) == "4.75 h"
    with CaptureQueriesContext(connection) as second:
        assert _used(client) == "4.75 h"
    # None: the report comes from the report cache, the panel from its snapshot; the first
    # page read the report's aggregate, then usage, pace and unseen hours.
    assert _worklog_reads(second) == 0
    assert _worklog_reads(first) == 4
    assert len(second) < len(first)
    assert ContractUsageSnapshot.objects.count() == 1


# The two ways a bulk write of the data is announced (sync.signals): a sync round, a webhook's
# targeted sync. Shared with test_report_cache.
ANNOUNCEMENTS = pytest.mark.parametrize(
    "announce",
    [
        lambda world: sync_finished.send(sender=None, outcomes=[]),
        lambda world: data_changed.send(
            sender=None, source="tempo", project_ids=[world.project.pk]
        ),
    ],
    ids=["sync_finished", "data_changed"],
)


@ANNOUNCEMENTS
def test_a_worklog_written_in_bulk_shows_once_announced(world, as_user, announce):
    contract(world, organization="Acme")
    client = as_user("alice")
    assert _used(client) == "4.75 h"
    _bulk_worklogs(world.requests["ITSD-1"], 3600)
    announce(world)
    assert _used(client) == "5.75 h"


def test_a_sync_run_started_directly_counts_as_a_change(world, as_user):
    """``sync_tempo()`` outside a round sends no ``sync_finished``; its run still changes the
    key, while it runs and when it ends."""
    contract(world, organization="Acme")
    client = as_user("alice")
    assert _used(client) == "4.75 h"
    run = SyncRun.objects.create(kind=SyncRun.Kind.TEMPO)
    _bulk_worklogs(world.requests["ITSD-1"], 1800)
    assert _used(client) == "5.25 h"
    _bulk_worklogs(world.requests["ITSD-1"], 1800, first=6000)
    run.finished_at = timezone.now()
    run.status = SyncRun.Status.SUCCEEDED
    run.save()
    assert _used(client) == "5.75 h"


def test_a_worklog_saved_one_at_a_time_shows_at_once_and_a_deletion_with_its_announcement(
    world, as_user
):
    contract(world, organization="Acme")
    client = as_user("alice")
    assert _used(client) == "4.75 h"
    version = DataVersion.objects.get().version
    Worklog.objects.create(
        tempo_id=7000,
        request=world.requests["ITSD-4"],
        author_account_id="agent-1",
        time_spent_seconds=900,
        billable_seconds=900,
        start_date=THIS_MONTH,
        tempo_updated_at=timezone.now(),
    )
    assert DataVersion.objects.get().version == version + 1
    assert _used(client) == "5.00 h"
    Worklog.objects.filter(tempo_id=7000).delete()
    # Deletions are announced by whoever deletes (a sync round, a drain of webhook
    # changes): no delete receiver, so Django's fast delete stays fast for the syncs.
    data_changed.send(sender=None, source="tempo", project_ids=[world.project.pk])
    assert _used(client) == "4.75 h"


def test_deleting_worklogs_stays_one_statement(world, django_assert_num_queries):
    """No delete receiver on Worklog: Django deletes in one DELETE instead of loading and
    signalling every row (a sync removes thousands at a time)."""
    with django_assert_num_queries(1):
        Worklog.objects.filter(request__project=world.project).delete()


def test_a_changed_contract_or_rounding_is_not_served_from_the_snapshot(world, as_user):
    acme = contract(world, organization="Acme")
    client = as_user("alice")
    assert _used(client) == "4.75 h"
    world.settings.rounding_minutes = 60
    world.settings.save()
    # Each worklog up to the hour: 2 h + 1 h on ITSD-1, 2 h on ITSD-2, 1 h on ITSD-4.
    assert _used(client) == "6.00 h"
    acme.type = "fixed"
    acme.start_date = THIS_MONTH.replace(year=THIS_MONTH.year - 1)
    acme.save()
    # Last year's 4 h on ITSD-1 count in the fixed period too.
    assert _used(client) == "10.00 h"


def test_unseen_hours_are_kept_per_person(world, as_user):
    """Bob sees ITSD-4 (shared with Acme) but alice and bob see different requests of their
    own; each gets their own unseen hours from the same snapshot."""
    contract(world, organization="Acme")
    alice_page = as_user("alice").get(URL).content.decode()
    bob_page = as_user("bob").get(URL).content.decode()
    snapshot = ContractUsageSnapshot.objects.get()
    users = {str(world.users["alice"].pk), str(world.users["bob"].pk)}
    assert set(snapshot.data["unseen"]) == users
    assert panel(as_user("alice").get(URL).content.decode()) == panel(alice_page)
    assert panel(as_user("bob").get(URL).content.decode()) == panel(bob_page)


def test_the_snapshot_equals_reading_afresh(world, as_user):
    contract(world, organization="Acme", hours=Decimal("6"))
    alice = world.users["alice"]
    as_user("alice").get(URL)  # stored
    _bulk_worklogs(world.requests["ITSD-4"], 2700)
    sync_finished.send(sender=None, outcomes=[])
    for _ in range(2):  # computed, then from the snapshot
        figures = panel_figures(alice, world.project, world.settings, TODAY)
        usage = contract_panel(alice, world.project, world.settings, TODAY)
        assert figures.usage == usage
        assert figures.unseen == hours_unseen_by(alice, usage, world.settings)
        assert (
            figures.forecast
            == contract_forecasts([usage], world.settings, TODAY)[usage.contract.pk]
        )


def test_query_count_does_not_grow_with_data_cached_or_not(world, as_user):
    contract(world, hours=Decimal("100"))
    contract(world, organization="Acme")
    client = as_user("alice")
    client.get(URL)  # the session; the snapshot stored
    with CaptureQueriesContext(connection) as small_hit:
        client.get(URL)
    sync_finished.send(sender=None, outcomes=[])
    with CaptureQueriesContext(connection) as small_miss:
        client.get(URL)
    # (A second each: the contracts keep hours left, so the forecast is read both times.)
    _bulk_worklogs(world.requests["ITSD-1"], 1, count=300)
    _bulk_worklogs(world.requests["ITSD-4"], 1, count=300, first=9000)
    sync_finished.send(sender=None, outcomes=[])
    with CaptureQueriesContext(connection) as large_miss:
        client.get(URL)
    with CaptureQueriesContext(connection) as large_hit:
        client.get(URL)
    assert len(large_miss) == len(small_miss)
    assert len(large_hit) == len(small_hit)
    assert len(large_hit) < len(large_miss)


def _page_rows(page: str) -> dict[str, str]:
    rows = re.findall(r'<a [^>]*href="/portal/ITSD/worklog-report/(ITSD-\d+)/[^"]*"', page)
    cells = re.findall(r'<td class="num">([^<]+)</td>', page)
    return dict(zip(rows, cells, strict=False))


def test_the_report_equals_the_csv_with_the_snapshot_in_use(world, as_user):
    world.settings.visibility = "organizations"
    world.settings.save()
    contract(world, organization="Acme")
    client = as_user("alice")
    params = {"scope": "organization"}
    client.get(URL, params)
    _bulk_worklogs(world.requests["ITSD-4"], 1800, count=3)
    data_changed.send(sender=None, source="tempo", project_ids=[world.project.pk])
    client.get(URL, params)  # the snapshot recomputed
    page = client.get(URL, params).content.decode()  # and used
    rows = list(
        csv.reader(
            io.StringIO(client.get(URL, {**params, "format": "csv"}).content.decode("utf-8-sig"))
        )
    )
    body = {r[0]: r[3] for r in rows[1:] if r[0].startswith("ITSD-")}
    total = next(r[3] for r in rows if r[0].startswith("Total"))
    assert body == {"ITSD-1": "1.75", "ITSD-4": "2.50"}
    assert total == "4.25"
    assert "4.25 h" in page
    for key, hours in body.items():
        assert key in page and f"{hours} h" in page
    # The panel counts ITSD-2 too (raised by bob, of Acme, not shared): 6.25 h.
    assert figure(panel(page), "used") == "6.25 h"
