"""Worklogs deleted in Tempo, found between two full reads through Tempo's audit log.

Tempo's worklog lists never show a deletion: a full read (once a day) finds one by its
absence, a ``worklog.deleted`` webhook at once. When that webhook is dropped, an incremental
read alone would keep the deleted hours until the next full read. Tempo's audit log
(``POST /4/papertrail/search``, entity ``worklog``, action ``Deleted``; docs/outside-apis.md
§1) lists deletions, so each incremental run asks it for those since its oldest watermark
(``deleted_worklog_ids``) and removes the stored ones Tempo confirms gone
(``remove_deleted``).

The audit log's word alone never deletes anything: each id is read directly
(``TempoClient.worklog``) and only a 404 removes it, as ``sync._remove_unlisted`` and
``changes`` do. Its required scope is not documented: a token Tempo refuses (403, or 404
where the route is not offered) leaves deletions to the webhooks and the full read, and never
fails the sync.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from .client import (
    TempoAuthError,
    TempoError,
    TempoRequestError,
    TempoScopeError,
    TempoUnavailable,
)
from .models import Worklog
from .records import MalformedWorklog

if TYPE_CHECKING:
    from sync.locks import Lease

    from .client import TempoClient

logger = logging.getLogger(__name__)

AUDIT_LOG_PATH = "/4/papertrail/search"
# Tempo's largest audit log page.
AUDIT_PAGE_SIZE = 1000
# Tempo answers 400 for a `from` older than 180 days; a day less leaves room for clocks.
AUDIT_LOG_DAYS = 179
# A loop guard: a million deletions between two runs is far beyond any real site.
MAX_AUDIT_PAGES = 1000
# Direct reads confirming deletions per run (as sync.CONFIRM_LIMIT); beyond it, the others
# are left to the next full read.
CONFIRM_LIMIT = 200


def deleted_worklog_ids(
    client: TempoClient, since: dt.datetime, *, now: dt.datetime | None = None
) -> set[int] | None:
    """Ids of the Tempo worklogs the audit log says were deleted since ``since`` (clamped
    to ``AUDIT_LOG_DAYS`` ago), reading every page (``nextPageToken``).

    None when it cannot be read, which never fails the sync: Tempo refuses the token the
    audit log (403, or 404), logged at INFO; another refusal or Tempo unavailable, logged
    as a warning. Raises TempoAuthError (401: the token itself), like every read.
    """
    floor = (now or timezone.now()) - dt.timedelta(days=AUDIT_LOG_DAYS)
    body = {
        "entityType": ["worklog"],
        "action": ["Deleted"],
        "from": max(since, floor).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    params: dict[str, Any] = {"limit": AUDIT_PAGE_SIZE}
    ids: set[int] = set()
    try:
        for _ in range(MAX_AUDIT_PAGES):
            payload = client.request_json("POST", AUDIT_LOG_PATH, params=params, json=body)
            metadata = payload.get("metadata") if isinstance(payload, dict) else None
            results = payload.get("results") if isinstance(payload, dict) else None
            if not isinstance(metadata, dict) or not isinstance(results, list):
                raise TempoUnavailable("Tempo answered with JSON that is not an audit log page.")
            ids.update(_deleted_ids(results))
            token = metadata.get("nextPageToken")
            if not token:
                return ids
            params = {"limit": AUDIT_PAGE_SIZE, "nextPageToken": token}
        raise TempoUnavailable(f"Tempo kept returning audit log pages after {MAX_AUDIT_PAGES}.")
    except TempoAuthError:
        raise  # the token itself: the sync marks the integration Invalid
    except (TempoScopeError, TempoRequestError) as exc:
        if isinstance(exc, TempoScopeError) or exc.status == 404:
            logger.info(
                "Tempo's audit log is not readable with this token (%s): deleted worklogs "
                "are found by webhooks and the daily full read only.",
                exc,
            )
        else:
            logger.warning("Tempo refused the audit log search: %s", exc)
        return None
    except TempoError as exc:
        logger.warning("Tempo's audit log could not be read this run: %s", exc)
        return None


def _deleted_ids(events: Iterable[Any]) -> Iterable[int]:
    """The worklog ids of the page's worklog deletions (anything else is passed over)."""
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("entityType") != "worklog" or event.get("action") != "Deleted":
            continue
        entity_id = str(event.get("entityId", ""))
        if entity_id.isascii() and entity_id.isdigit() and len(entity_id) <= 18:
            yield int(entity_id)


def remove_deleted(client: TempoClient, lease: Lease, ids: Iterable[int], counts: Any) -> int:
    """Remove the stored worklogs of ``ids`` Tempo confirms gone; return how many.

    Only ids stored here are read, each directly: 404 confirms it; a worklog that still
    answers is kept as it is (the sync's reads bring its changes); one that cannot be read is
    counted in ``counts.skipped_malformed`` and kept. At most ``CONFIRM_LIMIT`` are read
    (lowest ids first); the rest wait for the next full read. Tempo unavailable (or refusing
    a read with a 4xx other than 401/403, which are raised) stops the reads, logged as a
    warning. The confirmed ones go in one statement.
    """
    wanted = sorted(set(ids))
    stored: list[int] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        stored += Worklog.objects.filter(tempo_id__in=chunk).values_list("tempo_id", flat=True)
    stored.sort()
    gone = []
    for tempo_id in stored[:CONFIRM_LIMIT]:
        lease.renew()
        try:
            found = client.worklog(tempo_id)
        except MalformedWorklog:
            counts.skipped_malformed += 1
            continue
        except (TempoRequestError, TempoUnavailable) as exc:
            # The project reads went well: keep what was confirmed, the rest waits.
            logger.warning("Confirming worklogs deleted in Tempo stopped: %s", exc)
            break
        if found is None:
            gone.append(tempo_id)
    if not gone:
        return 0
    # At most CONFIRM_LIMIT rows: the ORM's delete, with its post_delete signals.
    with transaction.atomic():
        return Worklog.objects.filter(tempo_id__in=gone).delete()[0]
