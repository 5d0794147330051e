"""The report's numbers computed once per change of the data (docs/product.md §8).

Customers of one organization open the same report (This year, their organization's
requests) again and again between two changes of the data; at 500,000 worklogs computing it
costs tens of milliseconds of the database and Python, a cached copy one cache read. A
``Report`` (rows, chart, seconds awaiting approval) is kept in Django's cache (``CACHES``:
the database's cache table in production, shared by every web process) under a key made of
everything it depends on:

- the project and its hours rules (source, rounding, visibility);
- who sees what: staff (the whole project), a customer's own requests (``mine``: the
  customer), or the requests shared with their organizations (``organization``: the ids of
  those organizations, so their members share one copy);
- the period (first and last day);
- the data: ``DataVersion`` and the newest sync run and its end, as ``portal.usage_cache``
  keys the contract panel (bumped by every sync round, every webhook's targeted sync, and
  any worklog, request, customer, organization or membership saved through the ORM).

So a change is visible on the next page after its sync or webhook, as without the cache. An
entry lives ``REPORT_CACHE_SECONDS`` at most (a key nobody asks for again expires). A cache
that fails (its table missing, the database busy) costs the page nothing but the cache:
the report is computed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pickle
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jsm.models import JiraProject
from sync.models import SyncRun
from tempo_integration.models import TempoIntegration

from . import reports
from .models import DataVersion, ReportSettings
from .periods import Period
from .visibility import MINE, ORGANIZATION, customer_of, requests_visible_to

logger = logging.getLogger(__name__)

# Part of every key: change it when ``reports.Report`` changes shape.
REPORT_FORMAT = 3


def report_for(
    user,
    project: JiraProject,
    report_settings: ReportSettings,
    scope: str,
    period: Period,
    version: tuple | None = None,
) -> reports.Report:
    """``reports.build_report`` of the requests ``user`` sees in ``scope``
    (``requests_visible_to``) over ``period``, from the cache when the data has not changed
    since it was computed for the same viewers; on a hit no visibility query is built.
    ``version``: ``data_version()`` when the page has read it already (else it is read)."""

    def compute() -> reports.Report:
        visible = requests_visible_to(user, project, report_settings, scope)
        return reports.build_report(report_settings, visible, period)

    if settings.REPORT_CACHE_SECONDS <= 0:  # turned off
        return compute()
    key = report_key(user, project, report_settings, scope, period, version)
    if key is None:  # nobody to share it with (not a customer): nothing visible
        return compute()
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache fault: compute, as without a cache
        logger.warning("report cache unreadable", exc_info=True)
        cached = None
    if cached is not None:
        # The key holds the period's days, not its preset: "This month" on Dec 31 and "Last
        # month" on Jan 1 share a report, each page names its own choice.
        try:
            return reports.report_from_tuples(period, _unpacked(cached))
        # Not what _packed writes (unpickling garbage raises many kinds): compute it.
        except Exception:  # noqa: BLE001
            logger.warning("report cache entry unreadable", extra={"key": key}, exc_info=True)
    report = compute()
    try:
        cache.set(key, _packed(report), settings.REPORT_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("report cache not written", exc_info=True)
    return report


def _packed(report: reports.Report) -> bytes:
    """``report`` as the cache keeps it: its tuples pickled and compressed. A large
    organization's year (1,300 rows) pickles to 117 kB and compresses to 19 kB; with the
    database's cache table (which stores values base64-encoded) writing it takes 6 ms instead
    of 10, compression included, and reading it 2 ms instead of 3."""
    return zlib.compress(pickle.dumps(reports.report_as_tuples(report), _PICKLE), 1)


def _unpacked(data: bytes) -> tuple:
    if not isinstance(data, bytes):
        raise TypeError("not a packed report")
    # The cache's own trust: Django's cache backends unpickle every value they return anyway.
    return pickle.loads(zlib.decompress(data))  # noqa: S301


_PICKLE = pickle.HIGHEST_PROTOCOL


def report_key(
    user,
    project: JiraProject,
    report_settings: ReportSettings,
    scope: str,
    period: Period,
    version: tuple | None = None,
) -> str | None:
    """The cache key of one report (see the module), or None for a viewer who is neither
    staff nor an active customer. Two queries: the data's version (none when ``version`` is
    given), and for the organization scope the customer's organizations."""
    if user.is_staff:
        viewers = ("staff",)
    else:
        customer = customer_of(user)
        if customer is None or not user.is_active:
            return None
        if scope == ORGANIZATION and report_settings.shares_with_organizations:
            viewers = (ORGANIZATION, *sorted(customer.organizations.values_list("pk", flat=True)))
        else:
            viewers = (MINE, customer.pk)
    parts = (
        REPORT_FORMAT,
        project.pk,
        # Plain values: a settings object just saved holds its choices' enums, one read from
        # the database their values, and the two must make one key.
        str(report_settings.hours_source),
        int(report_settings.rounding_minutes),
        str(report_settings.visibility),
        viewers,
        period.start.isoformat(),
        period.end.isoformat(),
        *(version or data_version()),
    )
    return "report:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def data_version() -> tuple:
    """(DataVersion, id of the newest sync run, its end), in one query whatever exists."""
    return _one_row(_version_parts())[:3]


@dataclass(frozen=True)
class PageState:
    """What a report page reads before its numbers (``page_state``)."""

    version: tuple  # data_version()
    integration_active: bool  # a Tempo integration exists and Tempo has not refused it
    last_updated: dt.datetime | None  # reports.last_updated


def page_state(report_settings: ReportSettings) -> PageState:
    """``data_version()``, whether the Tempo integration is active
    (``reports.hours_available``) and ``reports.last_updated``, in one query: each alone
    cost a query per page."""
    active = TempoIntegration.objects.filter(slot=1, status=TempoIntegration.Status.ACTIVE).values(
        "pk"
    )
    version, run, finished, integration, updated = _one_row(
        [*_version_parts(), active, reports.last_updated_query(report_settings)]
    )
    # SQLite gives a subquery's datetime naive, or as text (UTC, as Django stores it).
    if isinstance(updated, str):
        updated = parse_datetime(updated)
    if updated is not None and timezone.is_naive(updated):
        updated = timezone.make_aware(updated, dt.UTC)
    return PageState((version, run, finished), integration is not None, updated)


def _version_parts() -> list[QuerySet]:
    version = DataVersion.objects.filter(pk=DataVersion.ROW).values("version")
    newest = SyncRun.objects.order_by("-pk")
    return [version, newest.values("pk")[:1], newest.values("finished_at")[:1]]


def _one_row(parts: list[QuerySet]) -> tuple:
    """The first value of each query of ``parts`` (None where it has no row), in one
    ``SELECT (…), (…)``; the datetime of the newest sync run's end as text (a key part)."""
    sql, params = [], []
    for queryset in parts:
        part_sql, part_params = queryset.query.sql_with_params()
        sql.append(f"({part_sql})")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(sql)}", params)  # noqa: S608 - the ORM's own SQL
        row = cursor.fetchone()
    return (row[0] or 0, row[1], str(row[2]) if row[2] is not None else None, *row[3:])
