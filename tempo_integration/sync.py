"""The Tempo worklog sync (PRODUCT.md §6, Tempo part).

For every JSM project with Worklog Report enabled it reads the project's worklogs at
Tempo's largest page size, following ``metadata.next``:

- incrementally, with ``updatedFrom`` set a little before the newest ``updatedAt`` seen last
  time (the overlap catches worklogs written while the previous run was reading);
- fully (``sync --full``, the first time, and once a day), which also removes worklogs that
  were deleted in Tempo — Tempo's lists never show deletions, so a worklog a full read did
  not list is removed once a direct read confirms it (a list paged while it changes can
  skip one).

Each page is upserted in bulk as it arrives (memory stays at a page, whatever the size),
keyed on ``tempoWorklogId``, so a run interrupted half-way loses nothing and the next one
completes it. Worklogs on issues that are not synced requests are counted and skipped; when
the Jira sync brings such a request in (or one moves into the project), its worklogs are
read directly. One project Tempo cannot read is reported for that project while the others
are synced (PRODUCT.md §6). A 401 marks the integration Invalid and stops Tempo calls until
a new token is added.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from jsm.locks import Lease, sync_lock
from jsm.models import STOPPED, JiraProject, Request, SyncRun
from jsm.sync import Progress, Silent
from worklog_report.bulk import chunked, upsert
from worklog_report.database_outage import (
    CONNECTION_ERRORS,
    DATABASE_UNAVAILABLE,
    log_lost_connection,
    reconnect,
)
from worklog_report.sentences import full_stop

from . import sentences
from .client import (
    MAX_PAGE_SIZE,
    TempoAuthError,
    TempoClient,
    TempoError,
    TempoRequestError,
    TempoScopeError,
    TempoUnavailable,
)
from .crypto import SecretUnreadable
from .models import ProjectSyncState, TempoIntegration, Worklog

logger = logging.getLogger(__name__)

# How far before the last high-water mark an incremental read starts.
OVERLAP = dt.timedelta(minutes=5)
# A full read (which also finds deletions) happens at least this often.
FULL_SYNC_EVERY = dt.timedelta(days=1)
# Direct reads per project confirming worklogs a full read did not list; beyond it, a
# worklog is removed once two full reads in a row missed it.
CONFIRM_LIMIT = 200
# Requests that joined a project since its last read whose worklogs are read one request
# at a time; more make the project's read a full one.
JOINED_READS = 200
# The order of the rows `_worklog_row` builds for the upsert, and where updatedAt sits.
COLUMNS = (
    "tempo_id",
    "request",
    "author_account_id",
    "time_spent_seconds",
    "billable_seconds",
    "start_date",
    "start_time",
    "description",
    "tempo_updated_at",
    "sync_generation",
)
UPDATED = COLUMNS.index("tempo_updated_at")


class TempoNotReady(Exception):
    """No working token: nothing to sync with."""


@dataclass
class Counts:
    projects: int = 0
    worklogs: int = 0
    pages: int = 0
    worklogs_removed: int = 0
    worklogs_confirmed: int = 0
    skipped_unknown_issue: int = 0
    skipped_malformed: int = 0
    projects_failed: int = 0
    # Sentences for the projects that could not be read this run (not a count).
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {name: value for name, value in self.__dict__.items() if name != "problems"}


def sync_tempo(
    *,
    full: bool = False,
    progress: Progress | None = None,
    client: TempoClient | None = None,
    page_size: int = MAX_PAGE_SIZE,
) -> SyncRun | None:
    """Run one Tempo sync now. Returns None when no working token is stored (nothing to do).

    Raises SyncAlreadyRunning when another Tempo sync holds the lock. ``page_size`` is
    Tempo's maximum in production; the benchmark's smoke test uses small pages.
    """
    integration = TempoIntegration.current()
    if integration is None or not integration.is_active:
        return None
    progress = progress or Silent()
    with sync_lock("tempo") as lease:
        run = SyncRun.begin(SyncRun.Kind.TEMPO)
        counts = Counts()
        error, partly = "", False
        own_client = client is None
        try:
            if own_client:
                client = integration.client()
            _sync(client, lease, counts, full, progress, page_size, generation=run.pk)
            if counts.problems:
                # Partly when some project was read; a run that read none has failed.
                error, partly = " ".join(counts.problems), counts.projects > 0
        except (TempoAuthError, TempoScopeError, SecretUnreadable) as exc:
            integration.mark_invalid(f"The sync was refused: {exc}")
            error = sentences.INVALID_TOKEN
        except TempoError as exc:
            error = f"{full_stop(str(exc))} The worklogs from the last successful sync are kept."
        except CONNECTION_ERRORS as exc:
            log_lost_connection("tempo", exc)
            reconnect()
            error = DATABASE_UNAVAILABLE
        except Exception:
            logger.exception("Tempo sync failed")
            error = "The sync failed unexpectedly; the details are in the worker's log."
        except BaseException:  # Ctrl-C, SystemExit: say so, then let it stop the process
            error = STOPPED
            raise
        finally:
            run.finish(
                error=error,
                partly=partly,
                counts=counts.as_dict(),
                requests_made=client.request_count if client else 0,
            )
            if own_client and client is not None:
                client.close()
    return run


def enabled_projects():
    """Projects with the report on that Jira still lists (a missing one keeps its worklogs as
    they were last synced)."""
    return JiraProject.objects.filter(
        report_settings__enabled=True, missing_since__isnull=True
    ).order_by("key")


def _sync(
    client, lease: Lease, counts: Counts, full: bool, progress, page_size: int, generation: int
) -> None:
    projects = list(enabled_projects())
    progress.start("Tempo projects", len(projects))
    now = timezone.now()
    # Every Jira id → request row, whatever project it is in now: a worklog follows its
    # issue, even while Tempo already lists it under the project the issue moved to.
    request_pk = dict(Request.objects.values_list("jira_id", "pk"))
    # A project no longer synced (its report turned off) has no trouble to report.
    ProjectSyncState.objects.exclude(project__in=projects).exclude(problem="").update(
        problem="", problem_since=None
    )
    unavailable_in_a_row = 0
    for project in projects:
        state, _ = ProjectSyncState.objects.get_or_create(project=project)
        project_full = (
            full
            or state.last_full_sync_at is None
            or now - state.last_full_sync_at > FULL_SYNC_EVERY
        )
        try:
            _sync_project(
                client,
                lease,
                project,
                state,
                project_full,
                counts,
                page_size,
                request_pk,
                generation,
            )
        except (TempoAuthError, TempoScopeError):
            raise  # the token, not the project: no other project can be read either
        except TempoError as exc:
            # One project's trouble never stops the others (PRODUCT.md §6); but when Tempo
            # itself is down, trying every project would only spend each one's retry budget.
            problem = sentences.project_unreadable(project, exc)
            ProjectSyncState.objects.filter(pk=state.pk).update(
                problem=problem, problem_since=state.problem_since or timezone.now()
            )
            counts.problems.append(problem)
            counts.projects_failed += 1
            unavailable = isinstance(exc, TempoUnavailable)
            unavailable_in_a_row = unavailable_in_a_row + 1 if unavailable else 0
            if unavailable_in_a_row >= 2:
                raise
        else:
            unavailable_in_a_row = 0
            counts.projects += 1
        progress.advance()


def _sync_project(
    client,
    lease,
    project,
    state,
    full: bool,
    counts: Counts,
    page_size,
    request_pk,
    generation,
) -> None:
    """Read one project's worklogs and write them page by page.

    Every worklog seen is stamped with this run's ``generation`` (run ids only grow). After
    a complete full read, a worklog of the project still carrying an older one was not
    listed: it is removed only once Tempo confirms it (``_remove_unlisted``). An incremental
    read also reads directly the worklogs of requests that joined the project since the
    last read (``_read_joined``): ``updatedFrom`` would never bring back their older ones.
    """
    joined = _joined(project, state)
    full = full or len(joined) > JOINED_READS
    params: dict = {"limit": page_size}
    if not full and state.updated_watermark:
        since = state.updated_watermark - OVERLAP
        params["updatedFrom"] = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    watermark = state.updated_watermark
    for page in client.iter_pages(f"/4/worklogs/project/{int(project.jira_id)}", params):
        counts.pages += 1
        rows = _rows(page, request_pk, generation, counts)
        for row in rows:
            if watermark is None or row[UPDATED] > watermark:
                watermark = row[UPDATED]
        del page  # the next page is fetched while this loop variable would still hold it
        with transaction.atomic():
            lease.renew()
            counts.worklogs += upsert(Worklog, COLUMNS, rows, unique="tempo_id", update=COLUMNS[1:])
    if full:
        counts.worklogs_removed += _remove_unlisted(
            client, lease, project, state, request_pk, generation, counts
        )
        _mark_read(project, request_pk)
    else:
        _read_joined(client, lease, joined, counts, page_size, request_pk, generation)
    with transaction.atomic():
        if full:
            state.last_full_sync_at = timezone.now()
            state.generation = generation
        state.updated_watermark = watermark
        state.problem, state.problem_since = "", None
        state.save()


def _joined(project, state) -> list[str]:
    """Jira ids of the project's requests whose Tempo worklogs have not been read since they
    entered it (first synced, or moved in from another project); up to
    ``JOINED_READS + 1``. None before the project's first read, which is a full one."""
    if state.last_full_sync_at is None:
        return []
    return list(
        Request.objects.filter(project=project, tempo_worklogs_read=False)
        .order_by("pk")
        .values_list("jira_id", flat=True)[: JOINED_READS + 1]
    )


def _mark_read(project, request_pk: dict[str, int]) -> None:
    """After a complete full read: the project's requests known when it started have had
    every worklog Tempo lists for them read (one the Jira sync wrote meanwhile waits)."""
    unread = Request.objects.filter(project=project, tempo_worklogs_read=False)
    ids = [i for i in unread.values_list("jira_id", flat=True) if i in request_pk]
    for chunk in chunked(ids):
        Request.objects.filter(jira_id__in=chunk).update(tempo_worklogs_read=True)


def _read_joined(client, lease, joined, counts, page_size, request_pk, generation) -> None:
    """Each joined request's worklogs, read directly (``/4/worklogs/issue/{id}``).

    A request Jira's eventually consistent search left out for a run, one re-created after
    that, or one moved in from a project whose worklogs are not synced, has worklogs the
    incremental read has passed. An issue Tempo does not know yet answers 404: nothing to
    read.
    """
    for jira_id in joined:
        lease.renew()
        try:
            for page in client.iter_pages(
                f"/4/worklogs/issue/{int(jira_id)}", {"limit": page_size}
            ):
                counts.pages += 1
                rows = _rows(page, request_pk, generation, counts)
                with transaction.atomic():
                    counts.worklogs += upsert(
                        Worklog, COLUMNS, rows, unique="tempo_id", update=COLUMNS[1:]
                    )
        except TempoRequestError as exc:
            if exc.status != 404:
                raise
        Request.objects.filter(jira_id=jira_id).update(tempo_worklogs_read=True)


def _remove_unlisted(client, lease, project, state, request_pk, generation, counts) -> int:
    """Worklogs of ``project`` a complete full read did not list: removed when confirmed.

    Up to ``CONFIRM_LIMIT`` are read directly: 404 removes one, an answer keeps (and
    refreshes) it. Beyond that, a worklog is removed once two full reads in a row missed
    it (its generation predates the previous full read). Returns how many were removed.
    """
    unlisted = Worklog.objects.filter(request__project=project, sync_generation__lt=generation)
    ids = list(
        unlisted.order_by("tempo_id").values_list("tempo_id", flat=True)[: CONFIRM_LIMIT + 1]
    )
    if len(ids) > CONFIRM_LIMIT:
        with transaction.atomic():
            return unlisted.filter(sync_generation__lt=state.generation).delete()[0]
    gone, still_there = [], []
    for tempo_id in ids:
        lease.renew()
        item = client.worklog(tempo_id)
        if item is None:
            gone.append(tempo_id)
            continue
        row = _worklog_row(item, request_pk, generation, counts)
        if isinstance(row, tuple):
            still_there.append(row)
        elif row is _UNKNOWN_ISSUE:
            gone.append(tempo_id)  # it exists, but on an issue that is not a synced request
    with transaction.atomic():
        counts.worklogs_confirmed += upsert(
            Worklog, COLUMNS, still_there, unique="tempo_id", update=COLUMNS[1:]
        )
        return Worklog.objects.filter(tempo_id__in=gone).delete()[0]


_UNKNOWN_ISSUE = object()


def _rows(page: dict, request_pk: dict[str, int], generation: int, counts: Counts) -> list:
    """The page's worklogs on synced requests, as rows in COLUMNS order (the rest counted)."""
    rows = (_worklog_row(item, request_pk, generation, counts) for item in page["results"])
    return [row for row in rows if isinstance(row, tuple)]


def _worklog_row(item: dict, request_pk: dict[str, int], generation: int, counts: Counts):
    """One Tempo worklog as a row in COLUMNS order; None (counted) when it is malformed,
    ``_UNKNOWN_ISSUE`` (counted) when its issue is not a synced request (yet): the request's
    own read brings it once the Jira sync has it (``_read_joined``)."""
    try:
        issue_id = str(int(item["issue"]["id"]))  # Tempo sends ints, Jira strings
        row = (
            int(item["tempoWorklogId"]),
            request_pk.get(issue_id),
            str((item.get("author") or {}).get("accountId") or ""),
            int(item["timeSpentSeconds"]),
            int(item.get("billableSeconds") or 0),
            dt.date.fromisoformat(item["startDate"]),
            dt.time.fromisoformat(item["startTime"]) if item.get("startTime") else None,
            str(item.get("description") or ""),
            _utc(dt.datetime.fromisoformat(item["updatedAt"])),
            generation,
        )
    except (KeyError, TypeError, ValueError):
        counts.skipped_malformed += 1
        return None
    if row[3] < 0 or row[4] < 0:
        counts.skipped_malformed += 1
        return None
    if row[1] is None:
        counts.skipped_unknown_issue += 1
        return _UNKNOWN_ISSUE
    return row


def _utc(value: dt.datetime) -> dt.datetime:
    # Tempo's timestamps are UTC, with or without "Z"; a naive one is read as UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
