"""The Jira sync: JSM projects, requests, customers and organizations (docs/product.md §6).

Reads everything through ``JiraClient`` and writes it in bulk, one transaction per
project, so a failure half-way leaves every project either as the last good sync left it or
fully refreshed, and the next run simply completes. It is idempotent (upserts keyed on Jira
ids). ``sync.runs.sync_jira`` runs it under the ``jira`` lock and records the ``SyncRun``.

It removes only what Jira confirmed gone: the search is eventually consistent
(JRACLOUD-96208), so a request it leaves out is read directly, and kept — or followed into
the project it moved to, by its id — unless Jira answers 404 (``_read_project``,
``_remove_unlisted``). A project Jira cannot be read for is reported for that project while
the others are synced. The query count depends on the number of projects and organizations
(and one per 500 requests), not on the number of requests or customers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from worklog_report.bulk import chunked
from worklog_report.sentences import full_stop

from .client import (
    JiraAuthError,
    JiraClient,
    JiraError,
    JiraNotFound,
    JiraPermissionError,
    JiraUnavailable,
)
from .customer_accounts import ensure_customer_accounts
from .models import Customer, JiraProject, Organization, Request
from .records import JiraIssue, JiraUser, JsmOrganization, ServiceDesk
from .worklogs import sync_jira_worklogs

if TYPE_CHECKING:  # the sync app runs this module and hands it these
    from sync.locks import Lease
    from sync.progress import Progress

logger = logging.getLogger(__name__)
BATCH = 500
# Direct reads per project per run confirming requests the search left out; beyond it, a
# request is removed once two runs in a row have missed it.
CONFIRM_LIMIT = 100
# How many runs in a row may miss an unconfirmed request before it is removed.
MISSED_RUNS_BEFORE_REMOVAL = 2


class JiraNotConfigured(JiraError):
    pass


def describe_failure(exc: Exception) -> str | None:
    """A sentence for the Sync tab: what went wrong and what to do; None for an error that
    is not Jira's (a bug: the run's recorder logs it and says so)."""
    if isinstance(exc, JiraNotConfigured):
        return "Jira is not configured. Set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN."
    if isinstance(exc, JiraAuthError):
        return (
            "Jira rejected the e-mail address and API token. "
            "Check JIRA_EMAIL and JIRA_API_TOKEN (the token may have been revoked)."
        )
    if isinstance(exc, JiraPermissionError | JiraNotFound):
        return f"The Jira account cannot see everything the sync needs: {full_stop(str(exc))}"
    if isinstance(exc, JiraError):
        return (
            f"{full_stop(str(exc))} The data from the last successful sync is kept; "
            "the next run retries."
        )
    return None


def describe_project_failure(project: JiraProject, exc: JiraError) -> str:
    """A sentence for the Sync tab and the project's page: which project, what went wrong."""
    return (
        f"Jira could not be read for {project.name} ({project.key}): {full_stop(str(exc))} "
        "Its last synced requests are kept; the next run tries again."
    )


@dataclass
class _ProjectData:
    project: JiraProject
    organizations: list[JsmOrganization]
    members: dict[str, list[JiraUser]]
    customers: list[JiraUser]
    issues: list[JiraIssue]
    # Stored requests the search left out, as a direct read answered: gone from every JSM
    # project (Jira ids), or moved to another listed project (the issue, that project's pk).
    gone: list[str] = field(default_factory=list)
    moved: list[tuple[JiraIssue, int]] = field(default_factory=list)
    # Left out, and no direct read could say why (beyond the limit, or the read failed).
    unconfirmed: list[str] = field(default_factory=list)


@dataclass
class Counts:
    projects: int = 0
    requests: int = 0
    customers: int = 0
    organizations: int = 0
    projects_removed: int = 0
    projects_missing: int = 0
    requests_removed: int = 0
    requests_moved: int = 0
    requests_missing: int = 0
    accounts_created: int = 0
    projects_failed: int = 0
    jira_worklogs: int = 0
    jira_worklogs_removed: int = 0
    # Sentences for the projects that could not be read this run.
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {name: value for name, value in self.__dict__.items() if name != "problems"}


def jira_client() -> JiraClient:
    """The client of the configured Jira site; JiraNotConfigured when JIRA_BASE_URL is unset."""
    if not settings.JIRA_BASE_URL:
        raise JiraNotConfigured("Jira is not configured.")
    return JiraClient()


def read_jira(
    client: JiraClient, lease: Lease, progress: Progress, counts: Counts, *, full: bool = False
) -> None:
    """Read every JSM project, its requests, customers and organizations, then Jira's
    worklogs, and write them here; ``counts`` says what was done as it goes.

    Projects that could not be read are in ``counts.problems`` (one sentence each), the rest
    are synced. Raises JiraAuthError when Jira refuses the credentials, JiraError when Jira
    is unavailable for two projects in a row. ``lease.renew()`` after each page keeps the
    run's lock and lets a stop request end the run there (``sync.locks``). ``full`` re-reads
    every Jira worklog (deletions included); requests are always read fully.
    """
    field_ids = client.custom_field_ids()
    desks = list(client.service_desks())
    progress.start("Jira projects", len(desks))
    projects = _upsert_projects(desks)
    counts.projects_missing, counts.projects_removed = _set_aside_unlisted(
        {p.jira_id for p in projects}
    )
    listed = {p.jira_id: p.pk for p in projects}
    known_requests = set(Request.objects.values_list("jira_id", flat=True))
    members_read: dict[str, list[JiraUser]] = {}
    unavailable_in_a_row = 0
    for project in projects:
        lease.renew()
        try:
            data = _read_project(client, lease, project, field_ids, listed, members_read)
        except JiraAuthError:
            raise  # the credentials, not the project: nothing else can be read either
        except JiraError as exc:
            # One project's trouble never stops the others (docs/product.md §6); but when Jira
            # itself is down, trying every project would only spend each one's retry budget.
            problem = describe_project_failure(project, exc)
            JiraProject.objects.filter(pk=project.pk).update(sync_problem=problem)
            counts.problems.append(problem)
            counts.projects_failed += 1
            unavailable_in_a_row = (
                unavailable_in_a_row + 1 if isinstance(exc, JiraUnavailable) else 0
            )
            if unavailable_in_a_row >= 2:
                raise
            progress.advance()
            continue
        unavailable_in_a_row = 0
        with transaction.atomic():
            lease.renew()
            _write_project(data, counts)
            JiraProject.objects.filter(pk=project.pk).exclude(sync_problem="").update(
                sync_problem=""
            )
        counts.projects += 1
        progress.advance()
    Organization.objects.filter(projects__isnull=True).delete()
    counts.accounts_created = ensure_customer_accounts()
    worklog_counts = sync_jira_worklogs(client, lease, full=full, known_requests=known_requests)
    counts.jira_worklogs = worklog_counts.jira_worklogs
    counts.jira_worklogs_removed = worklog_counts.jira_worklogs_removed
    counts.customers = Customer.objects.count()
    counts.organizations = Organization.objects.count()


def _upsert_projects(desks: Iterable[ServiceDesk]) -> list[JiraProject]:
    rows = [
        JiraProject(
            jira_id=desk.project_id,
            key=desk.project_key,
            name=desk.project_name,
            service_desk_id=desk.id,
            missing_since=None,  # listed (again)
        )
        for desk in desks
    ]
    JiraProject.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["jira_id"],
        update_fields=["key", "name", "service_desk_id", "missing_since"],
    )
    return list(JiraProject.objects.filter(jira_id__in=[r.jira_id for r in rows]))


def _set_aside_unlisted(listed_jira_ids: set[str]) -> tuple[int, int]:
    """Projects Jira no longer lists: (kept as missing, removed).

    A project someone configured (its report enabled, or contracts) is kept with everything
    it has and marked missing: Jira may have hidden it only for a while (a permission
    changed, an outage behind a 200), and a sync must not wipe an administrator's work and
    a customer's history for that. Customers keep seeing its last data; its Tempo worklogs
    are no longer synced. Turning its report off and deleting its contracts lets the next
    sync remove it, like any project nobody configured.
    """
    unlisted = JiraProject.objects.exclude(jira_id__in=listed_jira_ids)
    kept = list(
        unlisted.filter(Q(report_settings__enabled=True) | Q(contracts__isnull=False))
        .values_list("pk", flat=True)
        .distinct()
    )
    JiraProject.objects.filter(pk__in=kept, missing_since__isnull=True).update(
        missing_since=timezone.now()
    )
    _, removed = unlisted.exclude(pk__in=kept).delete()
    return len(kept), removed.get("jsm.JiraProject", 0)


def _read_project(
    client: JiraClient,
    lease: Lease,
    project: JiraProject,
    field_ids: dict[str, str | None],
    listed: dict[str, int],
    members_read: dict[str, list[JiraUser]] | None = None,
) -> _ProjectData:
    """Everything one project needs, read before anything is written.

    An organization's members are read once per run (``members_read``, by organization id,
    filled as the projects are read), however many projects it serves: JSM's members
    route is the organization's, not the project's.

    Requests stored here that the search left out are read directly (up to
    ``CONFIRM_LIMIT``): the search is eventually consistent (JRACLOUD-96208), so only a
    direct read can say a request is gone (404), moved (another project's id), or merely
    missing from that one answer (then it is written like a listed one). ``listed`` maps
    the Jira id of every JSM project of this run to its row's pk.
    """
    organizations = list(client.organizations(project.service_desk_id))
    members_read = {} if members_read is None else members_read
    members = {}
    for org in organizations:
        if org.id not in members_read:
            members_read[org.id] = list(client.organization_members(org.id))
        members[org.id] = members_read[org.id]
    customers = list(client.customers(project.service_desk_id))
    issues = list(client.requests_of_project(project.jira_id, field_ids))
    data = _ProjectData(project, organizations, members, customers, issues)
    seen = {issue.id for issue in issues}
    # Those closest to removal first, so beyond the limit each run reads different ones.
    stored = Request.objects.filter(project=project).values_list("jira_id", "missed_runs")
    unlisted = [
        jira_id
        for jira_id, _ in sorted(
            (row for row in stored if row[0] not in seen), key=lambda r: (-r[1], int(r[0]))
        )
    ]
    data.unconfirmed = unlisted[CONFIRM_LIMIT:]
    for n, jira_id in enumerate(unlisted[:CONFIRM_LIMIT]):
        lease.renew()
        try:
            found = client.issue(jira_id, field_ids)
        except JiraUnavailable:
            # Jira is struggling: the rest stay missing and are asked again next run.
            data.unconfirmed += unlisted[n:CONFIRM_LIMIT]
            break
        except JiraAuthError:
            raise
        except JiraError:
            data.unconfirmed.append(jira_id)  # not confirmed either way
            continue
        target = None if found is None else found.project_id
        if found is None or target not in listed:
            data.gone.append(jira_id)  # deleted, hidden, or moved out of every JSM project
        elif target == project.jira_id:
            issues.append(found)  # only the search left it out
        else:
            data.moved.append((found, listed[target]))
    return data


def _users_in(data: _ProjectData) -> dict[str, JiraUser]:
    """Every Jira account the project mentions, keyed by account id, richest record first."""
    users: dict[str, JiraUser] = {}

    def add(user: JiraUser | None) -> None:
        if user is None:
            return
        known = users.get(user.account_id)
        if known is None or (not known.email_address and user.email_address):
            users[user.account_id] = user

    for user in data.customers:
        add(user)
    for group in data.members.values():
        for user in group:
            add(user)
    for issue in data.issues:
        add(issue.reporter)
        for user in issue.participants:
            add(user)
    return users


def upsert_customers(users: dict[str, JiraUser]) -> dict[str, int]:
    """Write the reporters and participants read (``{account_id: JiraUser}``) as customers —
    e-mail address (lower case), display name, whether JSM still lets them in — and return
    their pks by account id."""
    Customer.objects.bulk_create(
        [
            Customer(
                account_id=account_id,
                email=user.email_address.strip().lower(),
                display_name=user.display_name,
                active=user.active,
            )
            for account_id, user in users.items()
        ],
        update_conflicts=True,
        unique_fields=["account_id"],
        update_fields=["email", "display_name", "active"],
        batch_size=BATCH,
    )
    return dict(Customer.objects.filter(account_id__in=users).values_list("account_id", "pk"))


def _write_project(data: _ProjectData, counts: Counts) -> None:
    project = data.project
    users = _users_in(data)
    customer_pk = upsert_customers(users)

    Organization.objects.bulk_create(
        [Organization(jira_id=o.id, name=o.name) for o in data.organizations],
        update_conflicts=True,
        unique_fields=["jira_id"],
        update_fields=["name"],
        batch_size=BATCH,
    )
    org_pk = dict(
        Organization.objects.filter(jira_id__in=[o.id for o in data.organizations]).values_list(
            "jira_id", "pk"
        )
    )
    ProjectLink = Organization.projects.through
    ProjectLink.objects.filter(jiraproject=project).delete()
    ProjectLink.objects.bulk_create(
        [ProjectLink(organization_id=pk, jiraproject_id=project.pk) for pk in org_pk.values()]
    )
    MemberLink = Organization.members.through
    MemberLink.objects.filter(organization_id__in=org_pk.values()).delete()
    MemberLink.objects.bulk_create(
        [
            MemberLink(organization_id=org_pk[org_id], customer_id=customer_pk[u.account_id])
            for org_id, group in data.members.items()
            for u in group
            if u.account_id in customer_pk
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )

    participants: list[tuple[str, str]] = []
    shared_with: list[tuple[str, str]] = []
    requests = []
    for issue in data.issues:
        requests.append(request_row(issue, project.pk, customer_pk))
        for user in issue.participants:
            if user.account_id in customer_pk:
                participants.append((issue.id, user.account_id))
        for org_id in issue.organization_ids:
            if org_id in org_pk:
                shared_with.append((issue.id, org_id))
    # A moved request keeps its row (and so its worklogs); the new project's own write
    # brings its participants and organizations.
    moved = [request_row(issue, target, customer_pk) for issue, target in data.moved]
    moved_in = [
        jira_id
        for chunk in chunked([r.jira_id for r in requests])
        for jira_id in Request.objects.filter(jira_id__in=chunk)
        .exclude(project=project)
        .values_list("jira_id", flat=True)
    ]
    upsert_requests(requests + moved)
    # A new row starts unread by Tempo; a moved one is read again in its new project.
    moved_ids = moved_in + [r.jira_id for r in moved]
    for chunk in chunked(moved_ids):
        Request.objects.filter(jira_id__in=chunk).update(tempo_worklogs_read=False)
    counts.requests_moved += len(moved_ids)
    counts.requests_removed += _remove_unlisted(data, counts)
    request_pk = dict(Request.objects.filter(project=project).values_list("jira_id", "pk"))

    ParticipantLink = Request.participants.through
    ParticipantLink.objects.filter(request__project=project).delete()
    ParticipantLink.objects.bulk_create(
        [
            ParticipantLink(request_id=request_pk[r], customer_id=customer_pk[a])
            for r, a in participants
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    SharedLink = Request.organizations.through
    SharedLink.objects.filter(request__project=project).delete()
    SharedLink.objects.bulk_create(
        [SharedLink(request_id=request_pk[r], organization_id=org_pk[o]) for r, o in shared_with],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    counts.requests += len(requests)


def request_row(issue: JiraIssue, project_pk: int, customer_pk: dict[str, int]) -> Request:
    """The unsaved ``Request`` row of ``issue`` in the project ``project_pk``; its reporter
    by ``customer_pk`` (Atlassian account id → Customer pk), None when not a customer."""
    return Request(
        jira_id=issue.id,
        key=issue.key,
        project_id=project_pk,
        summary=issue.summary[:500],
        status=issue.status_name,
        status_category=issue.status_category_key,
        reporter_id=customer_pk.get(issue.reporter.account_id) if issue.reporter else None,
        # Jira always writes both; a missing one reads as now.
        created=issue.created or timezone.now(),
        updated=issue.updated or timezone.now(),
        missing_since=None,
        missed_runs=0,
    )


def upsert_requests(rows: list[Request]) -> None:
    """Insert or update requests by Jira id; a listed request is no longer missing.

    Jira never hands a key out twice, but a row kept while unconfirmed may still hold a key
    that a direct read has since given to its new owner: such a row gives the key up first,
    so the unique key never fails a whole project.
    """
    by_key = {r.key: r.jira_id for r in rows}
    for keys in chunked(list(by_key)):
        held = Request.objects.filter(key__in=keys).values_list("key", "jira_id")
        for key, jira_id in held:
            if by_key[key] != jira_id:
                Request.objects.filter(jira_id=jira_id).update(key=f"~{jira_id}")
    Request.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["jira_id"],
        update_fields=[
            "key",
            "project",
            "summary",
            "status",
            "status_category",
            "reporter",
            "created",
            "updated",
            "missing_since",
            "missed_runs",
        ],
        batch_size=BATCH,
    )


def _remove_unlisted(data: _ProjectData, counts: Counts) -> int:
    """Remove only what Jira confirmed gone; count the rest as missing (docs/product.md §6).

    A request the search left out stays, with its worklogs, until a direct read answers
    404 (or shows it outside every JSM project), or ``MISSED_RUNS_BEFORE_REMOVAL`` runs in
    a row missed it without a direct read being possible. Returns how many were removed.
    """
    in_project = Request.objects.filter(project=data.project)
    removed = in_project.filter(jira_id__in=data.gone).delete()[1].get("jsm.Request", 0)
    for chunk in chunked(data.unconfirmed):
        unconfirmed = in_project.filter(jira_id__in=chunk)
        unconfirmed.filter(missing_since__isnull=True).update(missing_since=timezone.now())
        unconfirmed.update(missed_runs=F("missed_runs") + 1)
        overdue = unconfirmed.filter(missed_runs__gte=MISSED_RUNS_BEFORE_REMOVAL)
        removed += overdue.delete()[1].get("jsm.Request", 0)
        counts.requests_missing += unconfirmed.count()
    return removed
