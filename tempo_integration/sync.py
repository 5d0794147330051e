"""The Tempo worklog sync (docs/product.md §6, Tempo part).

For every JSM project with Worklog Report enabled it reads the project's worklogs at
Tempo's largest page size, following ``metadata.next``:

- incrementally, with ``updatedFrom`` set a little before the newest ``updatedAt`` seen last
  time (the overlap catches worklogs written while the previous run was reading);
- fully (``sync --full``, the first time, and once a day), which also removes worklogs that
  were deleted in Tempo — Tempo's lists never show deletions, so a worklog a full read did
  not list is removed once a direct read confirms it (a list paged while it changes can
  skip one).

Each page is upserted in bulk as it arrives, keyed on ``tempoWorklogId``, while the next one
is downloaded and parsed in a background thread — across projects too: the next project's
first page is read while this one's last page is written (memory stays at two pages,
whatever the size; the database is only touched from the sync's own thread, and the sync's
own direct reads of Tempo wait until that thread is idle) — so a run interrupted half-way
loses nothing and the next one completes it. Only new and changed worklogs are
written: a worklog whose fields are all as stored is left as it is (no new row version,
no index entries, nothing for the worklog table's triggers), so the daily full read of
data that mostly did not change writes little. What a full read listed is kept out of the
rows and out of Python's memory: every id the run reads goes into a temporary table of the
sync's connection (``worklog_report.bulk.TemporaryIds``; a pooler must hand the sync one
session, as PgBouncer's session mode does), and a worklog of the project neither in it nor
written by the run was not listed. A worklog a full read did not list and could not
confirm carries ``MISSED`` as its generation until it is listed or written again.

Worklogs on issues that are not synced requests are counted and skipped; when the Jira sync
brings such a request in (or one moves into the project), its worklogs are read directly.
One project Tempo cannot read is reported for that project while the others are synced
(docs/product.md §6). A 401 marks the integration Invalid and stops Tempo calls until a new
token is added.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from jsm.models import JiraProject, Request
from worklog_report.bulk import TemporaryIds, chunked, upsert
from worklog_report.pipeline import Prefetcher, prefetching
from worklog_report.sentences import full_stop

from . import sentences
from .access import open_client
from .approvals import ApprovalCache, sync_approvals
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
from .deletions import deleted_worklog_ids, remove_deleted
from .models import ProjectSyncState, TempoIntegration, Worklog
from .records import MalformedWorklog, TempoWorklog, WorklogPage

if TYPE_CHECKING:  # the sync app runs this module and hands it these
    from sync.locks import Lease
    from sync.progress import Progress

logger = logging.getLogger(__name__)

T = TypeVar("T")

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
# The ``sync_generation`` of a worklog the last complete full read of its project did not
# list and no direct read confirmed: missed once. The next full read that misses it again
# removes it (beyond CONFIRM_LIMIT); any write of it — listed again, a webhook — clears it.
MISSED = 0
# What a read compares with the stored row: a listed worklog is rewritten only when one of
# these changed (or it carries MISSED), so a daily full read writes what changed, not all.
CONTENT = (
    "request",
    "author_account_id",
    "time_spent_seconds",
    "billable_seconds",
    "start_date",
    "start_time",
    "description",
    "tempo_updated_at",
)
# The temporary table (this connection's) of every worklog id the run read from Tempo.
LISTED_TABLE = "tempo_sync_listed"


@dataclass
class Counts:
    projects: int = 0
    worklogs: int = 0
    pages: int = 0
    worklogs_removed: int = 0
    worklogs_confirmed: int = 0
    # Worklogs Tempo's audit log said were deleted and a direct read confirmed (deletions.py).
    worklogs_deleted_from_audit: int = 0
    skipped_unknown_issue: int = 0
    skipped_malformed: int = 0
    projects_failed: int = 0
    # Timesheet approvals read (projects on approved timesheets only).
    approvals_read: int = 0
    # Sentences for the projects that could not be read this run (not a count).
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {name: value for name, value in self.__dict__.items() if name != "problems"}


def describe_failure(exc: Exception) -> str | None:
    """A sentence for the Sync tab: what went wrong; None for an error that is not Tempo's
    (a bug: the run's recorder logs it and says so)."""
    if isinstance(exc, TempoAuthError | TempoScopeError | SecretUnreadable):
        return sentences.INVALID_TOKEN
    if isinstance(exc, TempoError):
        return f"{full_stop(str(exc))} The worklogs from the last successful sync are kept."
    return None


def tempo_client(integration: TempoIntegration) -> TempoClient:
    """The client of the stored token; a token that can no longer be decrypted (the keys
    changed) marks the integration Invalid and raises SecretUnreadable."""
    try:
        return open_client(integration)
    except SecretUnreadable as exc:
        integration.mark_invalid(f"The sync was refused: {exc}")
        raise


def read_tempo(
    integration: TempoIntegration,
    client: TempoClient,
    lease: Lease,
    progress: Progress,
    counts: Counts,
    *,
    full: bool = False,
    page_size: int = MAX_PAGE_SIZE,
    generation: int,
) -> None:
    """Read the worklogs of every enabled project and write them here; ``counts`` says what
    was done as it goes.

    ``generation`` is the run's id (they only grow: see ``_sync_project``). Projects Tempo
    could not read are in ``counts.problems`` (one sentence each), the rest are synced.
    Raises TempoAuthError / TempoScopeError after marking the integration Invalid (the
    token, not a project: a 401 or 403 stops Tempo calls until a new token is added), and
    TempoError when Tempo is unavailable for two projects in a row. ``page_size`` is Tempo's
    maximum in production; the benchmark's smoke test uses small pages.
    """
    try:
        _sync(client, lease, counts, full, progress, page_size, generation)
    except (TempoAuthError, TempoScopeError, SecretUnreadable) as exc:
        integration.mark_invalid(f"The sync was refused: {exc}")
        raise


def enabled_projects():
    """Projects with the report on that Jira still lists (a missing one keeps its worklogs as
    they were last synced)."""
    return (
        JiraProject.objects.filter(report_settings__enabled=True, missing_since__isnull=True)
        .select_related("report_settings")
        .order_by("key")
    )


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
    approvals = ApprovalCache()  # one read per author and period in the whole run
    # Every worklog id this run reads, whichever project lists it (a worklog follows its
    # issue): a full read's unlisted worklogs are its project's that are not in it.
    listed = TemporaryIds(LISTED_TABLE)
    listed.create()
    # Where the audit log of deletions is read from: the oldest watermark of the projects
    # read incrementally, taken before this run moves it; None when every read is full.
    audit_since = None
    reads = []
    for project in projects:
        state, _ = ProjectSyncState.objects.get_or_create(project=project)
        project_full = (
            full
            or state.last_full_sync_at is None
            or now - state.last_full_sync_at > FULL_SYNC_EVERY
        )
        if not project_full and state.updated_watermark is not None:
            since = state.updated_watermark - OVERLAP
            audit_since = since if audit_since is None else min(audit_since, since)
        reads.append(_project_read(project, state, project_full, page_size))
    # One background thread reads every project's pages in turn, one page ahead of the
    # writes: the next project's first page is downloaded while this one's last is written.
    with _pages_ahead(client, _every_project_pages(client, reads)) as pages:
        for read in reads:
            project = read.project
            try:
                _sync_project(
                    client, lease, read, pages, counts, page_size, request_pk, generation, listed
                )
            except (TempoAuthError, TempoScopeError):
                raise  # the token, not the project: no other project can be read either
            except TempoError as exc:
                # One project's trouble never stops the others (docs/product.md §6); but when
                # Tempo itself is down, trying every project would only spend each one's
                # retry budget.
                problem = sentences.project_unreadable(project, exc)
                ProjectSyncState.objects.filter(pk=read.state.pk).update(
                    problem=problem, problem_since=read.state.problem_since or timezone.now()
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
                if project.report_settings.approved_only:
                    pages.wait_idle()  # the client is this thread's meanwhile
                    _sync_approvals(
                        client, lease, project, read.full, counts, generation, approvals
                    )
            progress.advance()
    listed.drop()  # a run that raised leaves it to its connection (the next run replaces it)
    if audit_since is not None:
        # Deletions a dropped worklog.deleted webhook would hide until the next full read.
        lease.renew()
        deleted = deleted_worklog_ids(client, audit_since)  # None: not readable, logged
        if deleted:
            counts.worklogs_deleted_from_audit += remove_deleted(client, lease, deleted, counts)


def _sync_approvals(client, lease, project, full, counts, generation, cache) -> None:
    """The approvals behind the project's worklogs (``approvals``): a refusal is the
    project's problem, never the run's failure; a 401 is the token's (raised)."""
    reads = cache.reads
    try:
        problem = sync_approvals(
            client, lease, project, full=full, generation=generation, cache=cache
        )
    finally:
        counts.approvals_read += cache.reads - reads
    if problem:
        counts.problems.append(problem)


@dataclass
class _ProjectRead:
    """How one project is read this run, decided before any page is: the background
    thread starts on a project while the previous one is still being written."""

    project: JiraProject
    state: ProjectSyncState
    full: bool
    joined: list[str]
    path: str
    params: dict[str, Any]


def _project_read(project, state, full: bool, page_size: int) -> _ProjectRead:
    """The project's read: full, or incremental from a little before its watermark, plus the
    requests that joined it since its last read (more than ``JOINED_READS`` make it full)."""
    joined = _joined(project, state)
    full = full or len(joined) > JOINED_READS
    params: dict = {"limit": page_size}
    if not full and state.updated_watermark:
        since = state.updated_watermark - OVERLAP
        params["updatedFrom"] = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = f"/4/worklogs/project/{int(project.jira_id)}"
    return _ProjectRead(project, state, full, joined, path, params)


def _every_project_pages(
    client, reads: list[_ProjectRead]
) -> Iterator[tuple[_ProjectRead, dict[str, Any] | TempoError]]:
    """Every project's pages in turn, each with its read: Tempo's JSON envelope, parsed and
    checked (``TempoClient.iter_pages``); a project Tempo cannot read brings its TempoError
    in place of its next page, and the next project follows (a token's 401 or 403 ends them
    all, raised).

    The background thread does only this — download and parse, what the sync's limit in
    ``make bench`` measures — so the next request leaves as soon as a page is parsed: the
    worklogs are read into records (``WorklogPage.from_page``) by the writing thread,
    while this one waits for Tempo's next answer.
    """
    for read in reads:
        try:
            for page in client.iter_pages(read.path, read.params):
                yield read, page
                del page
        except (TempoAuthError, TempoScopeError):
            raise
        except TempoError as exc:
            yield read, exc


def _sync_project(
    client,
    lease,
    read: _ProjectRead,
    pages,
    counts: Counts,
    page_size,
    request_pk,
    generation,
    listed: TemporaryIds,
) -> None:
    """Read one project's worklogs (its items of ``pages``) and write them page by page.

    Every worklog read goes into ``listed``; those that are new or changed are written,
    stamped with this run's ``generation`` (run ids only grow), the unchanged ones are left
    as they are (``_write``). After a complete full read, a worklog of the project neither
    in ``listed`` nor written by this run was not listed: it is removed only once Tempo
    confirms it (``_remove_unlisted``). An incremental read also reads directly the
    worklogs of requests that joined the project since the last read (``_read_joined``):
    ``updatedFrom`` would never bring back their older ones. Those direct reads share the
    client with the background thread, which may be reading the next project's first page:
    they wait until it is idle (``wait_idle``).
    """
    project, state, full = read.project, read.state, read.full
    watermark = state.updated_watermark
    while True:
        page_read, payload = next(pages, (None, None))
        if page_read is not read:  # the thread reads the projects in this loop's order
            raise RuntimeError(f"The pages of {project} did not arrive in turn.")
        if isinstance(payload, TempoError):
            raise payload
        page = WorklogPage.from_page(payload)
        del payload  # the records are all this loop needs from now on
        counts.pages += 1
        last = page.last
        rows = _rows(page, request_pk, generation, counts)
        for row in rows:
            if watermark is None or row["tempo_updated_at"] > watermark:
                watermark = row["tempo_updated_at"]
        del page  # the rows are all this loop needs from now on
        with transaction.atomic():
            lease.renew()
            counts.worklogs += _write(rows, listed)
        del rows  # before the next page arrives
        if last:
            break
    if full:
        counts.worklogs_removed += _remove_unlisted(
            client,
            lease,
            project,
            state,
            request_pk,
            generation,
            counts,
            listed,
            quiet=pages.wait_idle,
        )
        _mark_read(project, request_pk)
    elif read.joined:
        pages.wait_idle()
        _read_joined(client, lease, read.joined, counts, page_size, request_pk, generation, listed)
    with transaction.atomic():
        if full:
            state.last_full_sync_at = timezone.now()
            state.generation = generation
        state.updated_watermark = watermark
        state.problem, state.problem_since = "", None
        state.save()


@contextmanager
def _pages_ahead(client, pages: Iterator[T]) -> Iterator[Prefetcher[T]]:
    """``pages`` read one page ahead in a background thread (``worklog_report.pipeline``).

    The thread only talks to Tempo. An OAuth token renewal after a 401 writes the
    integration's row, so while the pages are read the client's ``renew`` runs on this
    thread (the one with the database connection), when it next waits for a page.
    """
    prefetcher = prefetching(pages, name="tempo-pages")
    renew = getattr(client, "renew", None)
    if renew is not None:
        client.renew = lambda: prefetcher.run_in_consumer(renew)
    try:
        with prefetcher:
            yield prefetcher
    finally:
        if renew is not None:
            client.renew = renew


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


def _write(rows: list[dict[str, Any]], listed: TemporaryIds) -> int:
    """One page's rows (``_rows``), in the caller's transaction: their ids added to
    ``listed``, the new and changed ones written (``CONTENT``; a row carrying ``MISSED`` is
    written too, which clears it); returns how many rows were read."""
    listed.add(row["tempo_id"] for row in rows)
    return upsert(
        Worklog,
        rows,
        unique="tempo_id",
        compare=CONTENT,
        rewrite_stored={"sync_generation": MISSED},
    )


def _read_joined(client, lease, joined, counts, page_size, request_pk, generation, listed) -> None:
    """Each joined request's worklogs, read directly (``/4/worklogs/issue/{id}``).

    A request Jira's eventually consistent search left out for a run, one re-created after
    that, or one moved in from a project whose worklogs are not synced, has worklogs the
    incremental read has passed. An issue Tempo does not know yet answers 404: nothing to
    read.
    """
    for jira_id in joined:
        lease.renew()
        try:
            for page in client.iter_worklog_pages(
                f"/4/worklogs/issue/{int(jira_id)}", {"limit": page_size}
            ):
                counts.pages += 1
                rows = _rows(page, request_pk, generation, counts)
                with transaction.atomic():
                    counts.worklogs += _write(rows, listed)
        except TempoRequestError as exc:
            if exc.status != 404:
                raise
        Request.objects.filter(jira_id=jira_id).update(tempo_worklogs_read=True)


def _remove_unlisted(
    client,
    lease,
    project,
    state,
    request_pk,
    generation,
    counts,
    listed: TemporaryIds,
    *,
    quiet=lambda: None,
) -> int:
    """Worklogs of ``project`` a complete full read did not list: removed when confirmed.

    Unlisted: the project's worklogs neither in ``listed`` (every id this run read) nor
    written by this run (``generation``). Up to ``CONFIRM_LIMIT`` are read directly: 404
    removes one, an answer keeps (and refreshes) it, one that cannot be read is marked
    ``MISSED``. Beyond that, a worklog is removed once two full reads in a row missed it:
    one already ``MISSED`` (and the project was fully read before) is removed, the others
    are marked ``MISSED``. Returns how many were removed. ``quiet`` is called before the
    first direct read (the pages' thread idle: ``_sync_project``).
    """
    unlisted = Worklog.objects.filter(pk__in=_unlisted(project, generation, listed))
    ids = list(
        unlisted.order_by("tempo_id").values_list("tempo_id", flat=True)[: CONFIRM_LIMIT + 1]
    )
    if len(ids) > CONFIRM_LIMIT:
        with transaction.atomic():
            removed = 0
            if state.generation:
                removed = unlisted.filter(sync_generation=MISSED).delete()[0]
            unlisted.exclude(sync_generation=MISSED).update(sync_generation=MISSED)
            return removed
    gone, still_there, unconfirmed = [], [], []
    if ids:
        quiet()
    for tempo_id in ids:
        lease.renew()
        try:
            worklog = client.worklog(tempo_id)
        except MalformedWorklog:
            counts.skipped_malformed += 1  # neither confirmed gone nor refreshed
            unconfirmed.append(tempo_id)
            continue
        if worklog is None:
            gone.append(tempo_id)
        elif worklog.issue_id in request_pk:
            still_there.append(_row(worklog, request_pk[worklog.issue_id], generation))
        else:
            counts.skipped_unknown_issue += 1
            gone.append(tempo_id)  # it exists, but on an issue that is not a synced request
    with transaction.atomic():
        counts.worklogs_confirmed += upsert(Worklog, still_there, unique="tempo_id")
        Worklog.objects.filter(tempo_id__in=unconfirmed).update(sync_generation=MISSED)
        return Worklog.objects.filter(tempo_id__in=gone).delete()[0]


def _unlisted(project, generation: int, listed: TemporaryIds) -> RawSQL:
    """The pks of ``project``'s worklogs that this run neither read (``listed``) nor wrote
    (``generation``), as a subquery (an anti-join: the listed ids are never in Python)."""
    quote = connection.ops.quote_name
    worklog, request = Worklog._meta, Request._meta

    def col(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    # Identifiers come from the models' metadata, quoted; the values are parameters.
    sql = (
        f"SELECT w.{col(worklog, 'id')} FROM {quote(worklog.db_table)} w "  # noqa: S608
        f"JOIN {quote(request.db_table)} r ON r.{col(request, 'id')} = w.{col(worklog, 'request')} "
        f"WHERE r.{col(request, 'project')} = %s AND w.{col(worklog, 'sync_generation')} < %s "
        f"AND NOT EXISTS (SELECT 1 FROM ({listed.sql}) l WHERE l.id = w.{col(worklog, 'tempo_id')})"
    )
    return RawSQL(sql, (project.pk, generation))  # noqa: S611


def _rows(
    page: WorklogPage, request_pk: dict[str, int], generation: int, counts: Counts
) -> list[dict[str, Any]]:
    """The page's worklogs on synced requests, as rows for ``upsert``; the malformed ones and
    those whose issue is not a synced request (yet) are counted. The request's own read
    brings the latter once the Jira sync has it (``_read_joined``)."""
    counts.skipped_malformed += page.malformed
    rows = []
    for worklog in page.worklogs:
        request = request_pk.get(worklog.issue_id)
        if request is None:
            counts.skipped_unknown_issue += 1
        else:
            rows.append(_row(worklog, request, generation))
    return rows


def _row(worklog: TempoWorklog, request: int, generation: int) -> dict[str, Any]:
    """The ``Worklog`` row of a Tempo worklog on the request with pk ``request``."""
    return {
        "tempo_id": worklog.tempo_worklog_id,
        "request": request,
        "author_account_id": worklog.author_account_id,
        "time_spent_seconds": worklog.time_spent_seconds,
        "billable_seconds": worklog.billable_seconds,
        "start_date": worklog.start_date,
        "start_time": worklog.start_time,
        "description": worklog.description,
        "tempo_updated_at": worklog.updated_at,
        "sync_generation": generation,
    }
