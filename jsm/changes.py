"""Jira issues and worklogs a webhook said changed, re-read (docs/product.md §6: webhooks
bring a change in within a minute; polling remains the safety net).

The same reads and writes as the sync, for a few issues:

- ``refresh_requests``: the issues are searched for by id (``search/jql`` with ``id in
  (…)`` and the sync's fields, plus ``project``) and written with the sync's row functions
  (``sync.request_row``, ``sync.upsert_requests``), with their reporter, participants and
  organizations. The search is eventually consistent (docs/outside-apis.md §6): an issue it
  leaves out is read directly (``JiraClient.issue``), and only that read's 404 removes the
  stored request, as the sync's ``_remove_unlisted`` does. An issue outside every stored
  JSM project is left to the sync. The search may also answer an issue as it was a moment
  before the event (its index lags); the change is then forgotten with the older fields,
  and the next incremental sync (``updated`` since its watermark) brings the newer ones.
- ``refresh_issue_worklogs``: an issue's Jira worklogs read again
  (``GET /rest/api/3/issue/{id}/worklog``) and written by ``worklogs.upsert_worklogs``; a
  stored one the issue no longer lists is removed once ``/worklog/list`` confirms it gone,
  as the sync's full read does.

The caller (``webhooks.draining``) holds the Jira sync lock, so no sync runs meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction

from .client import JiraClient, JiraNotFound, issue_fields, issue_record
from .customer_accounts import ensure_customer_accounts
from .models import Customer, JiraProject, JiraWorklog, Organization, Request
from .records import JiraIssue, JiraUser
from .sync import request_row, upsert_customers, upsert_requests
from .worklogs import upsert_worklogs

if TYPE_CHECKING:
    from sync.locks import Lease

# Issues one search asks for (Jira's page of issues with fields is about 100).
SEARCH_CHUNK = 100


@dataclass
class Refreshed:
    """What a refresh did. ``project_ids``: the JiraProject pks touched; ``created``: the
    Jira ids of requests that are new here (their worklogs were never read)."""

    written: int = 0
    removed: int = 0
    skipped: int = 0
    project_ids: set[int] = field(default_factory=set)
    created: set[str] = field(default_factory=set)


def refresh_requests(client: JiraClient, issue_ids: list[str], lease: Lease) -> Refreshed:
    """Re-read the issues ``issue_ids`` (Jira ids) and write the requests among them.

    Raises JiraError (nothing of this call written then: the caller keeps the changes for
    the next try).
    """
    refreshed = Refreshed()
    field_ids = client.custom_field_ids()
    fields = [*issue_fields(field_ids), "project"]
    found: dict[str, JiraIssue] = {}
    for start in range(0, len(issue_ids), SEARCH_CHUNK):
        chunk = issue_ids[start : start + SEARCH_CHUNK]
        jql = f"id in ({', '.join(str(int(i)) for i in chunk)})"
        for item in client._search_pages(jql, fields):
            issue = issue_record(item, field_ids)
            found[issue.id] = issue
        lease.renew()
    gone = []
    for jira_id in issue_ids:
        if jira_id in found:
            continue
        # Absent from the search: only a direct read can say whether it is gone.
        issue = client.issue(jira_id, field_ids)
        lease.renew()
        if issue is None:
            gone.append(jira_id)
        else:
            found[jira_id] = issue
    projects = dict(
        JiraProject.objects.filter(missing_since__isnull=True).values_list("jira_id", "pk")
    )
    issues = [i for i in found.values() if i.project_id in projects]
    refreshed.skipped = len(found) - len(issues)
    with transaction.atomic():
        refreshed.removed = _remove(gone, refreshed)
        _write(issues, projects, refreshed)
    return refreshed


def _remove(gone: list[str], refreshed: Refreshed) -> int:
    """Remove the requests a direct read answered 404 for (with their worklogs)."""
    requests = Request.objects.filter(jira_id__in=gone)
    refreshed.project_ids.update(requests.values_list("project", flat=True))
    return requests.delete()[1].get("jsm.Request", 0)


def _write(issues: list[JiraIssue], projects: dict[str, int], refreshed: Refreshed) -> None:
    if not issues:
        return
    users: dict[str, JiraUser] = {}
    for issue in issues:
        for user in [issue.reporter, *issue.participants]:
            if user is not None and (user.account_id not in users or user.email_address):
                users[user.account_id] = user
    known = set(Customer.objects.filter(account_id__in=users).values_list("account_id", flat=True))
    customer_pk = upsert_customers(users)
    ids = [issue.id for issue in issues]
    before = dict(Request.objects.filter(jira_id__in=ids).values_list("jira_id", "project_id"))
    rows = [request_row(i, projects[i.project_id], customer_pk) for i in issues]
    upsert_requests(rows)
    # A new request, or one moved between projects, is read by the Tempo sync anew (as the
    # sync's own write does).
    moved = [r.jira_id for r in rows if r.jira_id in before and before[r.jira_id] != r.project_id]
    Request.objects.filter(jira_id__in=moved).update(tempo_worklogs_read=False)
    refreshed.created.update(r.jira_id for r in rows if r.jira_id not in before)
    refreshed.project_ids.update(before.values())
    refreshed.project_ids.update(r.project_id for r in rows)
    request_pk = dict(Request.objects.filter(jira_id__in=ids).values_list("jira_id", "pk"))
    org_pk = dict(
        Organization.objects.filter(
            jira_id__in={o for i in issues for o in i.organization_ids}
        ).values_list("jira_id", "pk")
    )
    ParticipantLink = Request.participants.through
    ParticipantLink.objects.filter(request_id__in=request_pk.values()).delete()
    ParticipantLink.objects.bulk_create(
        [
            ParticipantLink(request_id=request_pk[i.id], customer_id=customer_pk[u.account_id])
            for i in issues
            for u in i.participants
            if u.account_id in customer_pk
        ],
        ignore_conflicts=True,
    )
    # An organization the sync has not met yet is linked by the next sync, which reads it.
    SharedLink = Request.organizations.through
    SharedLink.objects.filter(request_id__in=request_pk.values()).delete()
    SharedLink.objects.bulk_create(
        [
            SharedLink(request_id=request_pk[i.id], organization_id=org_pk[o])
            for i in issues
            for o in i.organization_ids
            if o in org_pk
        ],
        ignore_conflicts=True,
    )
    refreshed.written += len(rows)
    if set(users) - known:
        ensure_customer_accounts()  # new customers get their portal accounts now


def refresh_issue_worklogs(client: JiraClient, issue_ids: list[str], lease: Lease) -> Refreshed:
    """Re-read the Jira worklogs of the stored requests among ``issue_ids``.

    An issue Jira answers 404 for is skipped (its request's removal is the issue
    refresh's, on a confirmed 404). Raises JiraError otherwise (what was read before is
    written).
    """
    refreshed = Refreshed()
    # The stored requests among them, in one query.
    requests = list(
        Request.objects.filter(jira_id__in=issue_ids).values_list("jira_id", "pk", "project_id")
    )
    request_pk = {jira_id: pk for jira_id, pk, _ in requests}
    project_of = {jira_id: project for jira_id, _, project in requests}
    for jira_id in issue_ids:
        if jira_id not in request_pk:
            refreshed.skipped += 1
            continue
        try:
            worklogs = list(client.issue_worklogs(jira_id))
        except JiraNotFound:
            refreshed.skipped += 1
            continue
        lease.renew()
        listed: set[str] = set()
        stored = set(
            JiraWorklog.objects.filter(request_id=request_pk[jira_id]).values_list(
                "jira_id", flat=True
            )
        )
        unlisted = sorted(stored - {w.id for w in worklogs}, key=int)
        confirmed: set[str] = set()
        if unlisted:
            # Only what /worklog/list no longer returns is gone (docs/product.md §6).
            still = client.worklogs_by_id([int(i) for i in unlisted[:1000]])
            worklogs += still
            confirmed = {w.id for w in still}
            unlisted = unlisted[:1000]
        with transaction.atomic():
            refreshed.written += upsert_worklogs(worklogs, request_pk, listed)
            refreshed.removed += JiraWorklog.objects.filter(
                request_id=request_pk[jira_id],
                jira_id__in=[i for i in unlisted if i not in confirmed],
            ).delete()[0]
        refreshed.project_ids.add(project_of[jira_id])
    return refreshed
