"""One Tempo backup from start to verified archive (docs/product.md §4.5).

`run_backup` holds the backup lock (two backups never run at once), reads every data set the
stored credentials may reach, streams them into a `.partial` ZIP with `manifest.json` last,
re-reads and checks it, and only then gives it its final name and applies the retention
count. Any failure is one sentence on the Backup row and in the log; it removes the
unfinished file and never touches an older archive.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from jsm.models import JiraProject
from sync.locks import LockLost, SyncAlreadyRunning, SyncStopped, sync_lock
from sync.progress import Progress
from tempo_integration import crypto
from tempo_integration.access import open_client
from tempo_integration.client import (
    TempoAuthError,
    TempoClient,
    TempoError,
    TempoRequestError,
    TempoScopeError,
)
from tempo_integration.models import TempoIntegration
from worklog_report.sentences import full_stop

from . import sentences
from .archive import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MemberStats,
    jsonl_chunks,
    manifest_bytes,
    write_zip,
)
from .datasets import DATA_SETS, DataSet
from .models import Backup
from .progress import Tracker
from .reading import Reading, Skipped, Window, read_pages
from .storage import apply_retention, archive_dir, final_path, partial_path, remove_leftovers
from .verify import verify_archive

logger = logging.getLogger("worklog_report.backup")

LOCK = "tempo-backup"
RENEW_EVERY = 10.0  # seconds between two renewals of the backup lock's lease
# The field of a parent data set's records that its children's routes are read by.
PARENT_FIELDS = {d.parent: d.parent_field for d in DATA_SETS if d.parent}


def _prepended(first, rest):
    """`first`, then `rest`, without holding `first` afterwards (itertools.chain([first],
    rest) keeps it until `rest` ends)."""
    yield first
    del first
    yield from rest


class BackupFailed(Exception):
    """The backup cannot end with an archive; the message is the sentence to show."""


def run_backup(
    backup: Backup,
    *,
    directory: Path | str | None = None,
    terminal: Progress | None = None,
    stop: threading.Event | None = None,
    client_options: dict[str, Any] | None = None,
) -> Backup:
    """Run `backup` (a queued Backup row) now and return it, succeeded or failed.

    `directory` defaults to TEMPO_BACKUP_DIR; `terminal` shows progress (the command's bars);
    `stop`, once set, ends the run after the page in hand; `client_options` are TempoClient's
    (tests shorten the spacing). Never raises for Tempo, disk or lock trouble: the row's
    `status` and `error` say what happened.
    """
    # Absolute: the web process that lists and serves the archive may run elsewhere.
    directory = (Path(directory) if directory is not None else archive_dir()).absolute()
    try:
        with sync_lock(LOCK, stop) as lease:
            _run(backup, directory, lease, terminal, client_options or {})
    except SyncAlreadyRunning:
        _fail(backup, sentences.OTHER_RUNNING)
    return backup


def _run(backup, directory: Path, lease, terminal, client_options) -> None:
    integration = TempoIntegration.current()
    if integration is None or not integration.is_active:
        _fail(backup, sentences.NO_CONNECTION)
        return
    mark_interrupted(exclude=backup)
    started = timezone.now()
    backup.status, backup.started_at, backup.error = Backup.Status.RUNNING, started, ""
    backup.token_last4 = integration.token_last4
    backup.save(update_fields=["status", "started_at", "error", "token_last4"])
    tracker = Tracker(backup, terminal)
    partial = partial_path(directory)
    try:
        if directory.exists() and not directory.is_dir():
            raise BackupFailed(
                sentences.NOT_WRITABLE.format(
                    directory=directory, reason="it is a file, not a directory"
                )
            )
        directory.mkdir(parents=True, exist_ok=True)
        remove_leftovers(directory)
        with open_client(integration, **client_options) as client:
            writer = ArchiveWriter(client, integration, tracker, lease, started)
            size = write_zip(partial, writer.members(), modified=started)
        verification = verify_archive(partial, parse_lines=False)
        if not verification.ok:
            raise BackupFailed(
                sentences.NOT_VERIFIED.format(problems=" ".join(verification.problems))
            )
        final = final_path(directory, started)
        os.replace(partial, final)
    except BackupFailed as exc:
        _fail(backup, str(exc))
    except TempoAuthError as exc:
        integration.mark_invalid(f"The backup was refused: {exc}")
        _fail(backup, sentences.REJECTED)
    except crypto.SecretUnreadable:
        _fail(backup, sentences.UNREADABLE)
    except (LockLost, SyncStopped):
        _fail(backup, sentences.STOPPED)
    except TempoError as exc:
        _fail(backup, sentences.UNAVAILABLE.format(reason=full_stop(str(exc))))
    except OSError as exc:
        template = sentences.DISK_FULL if exc.errno == errno.ENOSPC else sentences.NOT_WRITABLE
        _fail(backup, template.format(directory=directory, reason=exc.strerror or exc))
    else:
        backup.status = Backup.Status.SUCCEEDED
        backup.path = str(final)
        backup.size_bytes = size
        backup.verified_at = backup.finished_at = timezone.now()
        backup.data_sets = writer.manifest["data_sets"]
        backup.records = sum(e["records"] for e in backup.data_sets)
        backup.save()
        logger.info(
            "tempo backup written",
            extra={
                "archive": final.name,
                "bytes": size,
                "records": backup.records,
                "skipped": [e["name"] for e in backup.skipped],
            },
        )
        try:
            apply_retention(directory)
        except OSError as exc:
            # The new archive is whole; an old one that could not be removed stays listed.
            logger.warning("backup retention failed", extra={"error": str(exc)})
    finally:
        try:
            if directory.is_dir():
                partial.unlink(missing_ok=True)
        except OSError:
            # The directory itself is unusable (not a directory, no access): the failure
            # above already says so, and nothing could be written there.
            logger.warning("backup partial file not removed", extra={"file": partial.name})
        tracker.close()


def _fail(backup: Backup, sentence: str) -> None:
    backup.status = Backup.Status.FAILED
    backup.error = sentence
    backup.finished_at = timezone.now()
    backup.save(update_fields=["status", "error", "finished_at"])
    logger.warning("tempo backup failed", extra={"error": sentence})


def mark_interrupted(exclude: Backup | None = None) -> int:
    """Mark failed the runs marked running (but `exclude`); the caller knows their process
    died: it holds the backup lock, or saw it free. Returns how many were marked."""
    dead = Backup.objects.filter(status=Backup.Status.RUNNING)
    if exclude is not None:
        dead = dead.exclude(pk=exclude.pk)
    return dead.update(
        status=Backup.Status.FAILED, error=sentences.INTERRUPTED, finished_at=timezone.now()
    )


def _sentence(text: str) -> str:
    """A reason or note as the manifest shows it: capitalised, with a full stop."""
    return full_stop(text[:1].upper() + text[1:])


class ArchiveWriter:
    """The members of one archive, produced lazily while stream-zip writes them."""

    def __init__(
        self,
        client: TempoClient,
        integration: TempoIntegration,
        tracker: Tracker,
        lease,
        started,
    ) -> None:
        self.client = client
        self.integration = integration
        self.tracker = tracker
        self.lease = lease
        self.started = started
        self.reading = Reading(
            Window.months_back(settings.TEMPO_BACKUP_MONTHS, timezone.localdate(started))
        )
        self.entries: list[dict[str, Any]] = []
        self.manifest: dict[str, Any] = {}
        self.renewed_at = time.monotonic()

    def members(self) -> Iterator[tuple[str, Iterator[bytes]]]:
        for data_set in DATA_SETS:
            self.tracker.start(data_set)
            pages = read_pages(self.client, data_set, self.reading)
            try:
                first = next(pages, None)
            except Skipped as skipped:
                self._skip(data_set, str(skipped))
                continue
            stats = MemberStats()
            outcome: dict[str, Any] = {}
            source = pages if first is None else _prepended(first, pages)
            del first  # the page is the source's now: dropped once it is written
            yield data_set.file_name, self._chunks(data_set, source, stats, outcome)
            # stream-zip asks for the next member only once this one's chunks are written.
            self._written(data_set, stats, outcome.get("skipped"))
        self.manifest = self._manifest()
        yield MANIFEST, iter([manifest_bytes(self.manifest)])

    def _chunks(
        self, data_set: DataSet, pages, stats: MemberStats, outcome: dict[str, Any]
    ) -> Iterator[bytes]:
        field = PARENT_FIELDS.get(data_set.name)
        try:
            for chunk in jsonl_chunks(self._counted(data_set, pages, field), stats):
                yield chunk
                self._keep_lease()
        except Skipped as skipped:
            # Refused part-way: what was read stays, and the manifest says it is not all.
            outcome["skipped"] = f"{skipped}; only the first {stats.records} records were read"

    def _keep_lease(self) -> None:
        """A stop request ends the run after any page; the lease (one row write) is renewed
        at most every RENEW_EVERY seconds, far within its length (SYNC_LOCK_SECONDS)."""
        self.lease.check_stop()
        now = time.monotonic()
        if now - self.renewed_at >= RENEW_EVERY:
            self.lease.renew()
            self.renewed_at = now

    def _counted(self, data_set: DataSet, pages, field: str | None):
        for page in pages:
            if field is not None:
                self.reading.parents.setdefault(data_set.name, []).extend(
                    record[field] for record in page if field in record
                )
            self.tracker.page(data_set, len(page))
            yield page
            del page  # not held while the next page is read: one page in memory

    def _entry(self, data_set: DataSet) -> dict[str, Any]:
        return {
            "name": data_set.name,
            "file": None,
            "route": data_set.route,
            "scope": data_set.scope_name,
            "records": 0,
            "pages": 0,
            "bytes": 0,
            "sha256": None,
            "skipped": None,
            "incomplete": False,
            "notes": [],
        }

    def _skip(self, data_set: DataSet, reason: str) -> None:
        self.reading.skipped[data_set.name] = reason
        entry = {**self._entry(data_set), "skipped": _sentence(reason)}
        self.entries.append(entry)
        self.tracker.finish(data_set, entry)

    def _written(self, data_set: DataSet, stats: MemberStats, skipped: str | None) -> None:
        notes = list(self.reading.notes.get(data_set.name, []))
        restricted = self._restricted_projects() if data_set.name == "worklogs" else []
        entry = {
            **self._entry(data_set),
            "file": data_set.file_name,
            "records": stats.records,
            "pages": stats.pages,
            "bytes": stats.bytes,
            "sha256": stats.sha256,
            "skipped": _sentence(skipped) if skipped else None,
            # Records Tempo would not give (a project the token's owner may not view).
            "incomplete": bool(restricted),
            "notes": [_sentence(note) for note in notes + restricted],
        }
        if skipped:
            self.reading.skipped[data_set.name] = skipped
        self.entries.append(entry)
        self.tracker.finish(data_set, entry)

    def _restricted_projects(self) -> list[str]:
        """Projects whose worklogs the token cannot see: Tempo answers 404 for a project
        whose worklogs its owner may not view (docs/outside-apis.md §1: `GET /4/worklogs`
        lists 404 for missing permission). One call per JSM project the app knows."""
        notes = []
        for project in JiraProject.objects.filter(missing_since__isnull=True).order_by("key"):
            try:
                self.client.request_json(
                    "GET", f"/4/worklogs/project/{int(project.jira_id)}", params={"limit": 1}
                )
            except TempoScopeError:
                return notes
            except TempoRequestError as exc:
                if exc.status != 404:
                    raise
                notes.append(
                    f"worklogs of {project.name} ({project.key}) are not in this backup: "
                    "Tempo answered 404 for the project, as it does when the token's owner "
                    "lacks the View All Worklogs permission there"
                )
        return notes

    def _manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "tempo_base_url": settings.TEMPO_BASE_URL,
            "credentials": {
                "method": self.integration.method,
                "last4": self.integration.token_last4,
            },
            "window": {
                "from": self.reading.window.start.isoformat(),
                "to": self.reading.window.end.isoformat(),
            },
            "complete": not any(e["skipped"] or e["incomplete"] for e in self.entries),
            "data_sets": self.entries,
        }
