"""Generate the demo (or benchmark-size) Jira and Tempo data and write it in bulk.

Everything comes from one `random.Random` with a fixed seed and is placed as an offset
before an anchor (today, 00:00 UTC), so a reseed produces the same ids, keys, texts and
people every time, and the same timestamps on the same day. Seeding wipes every Jira row
and every Tempo worklog first (tokens stay): it is how `make run` and the tests get a known
state back.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from django.db import transaction
from django.utils import timezone

from sandbox.demo import bulk, catalog, tempo_lists
from sandbox.demo.catalog import Cast, DemoProject, Person
from sandbox.jira import statuses
from sandbox.jira.models import (
    BUG,
    INCIDENT,
    SERVICE_REQUEST,
    TASK,
    AccountType,
    DeletedWorklog,
    Issue,
    IssueType,
    JiraUser,
    JiraWorklog,
    Organization,
    Project,
    ProjectType,
    issue_number_sequence,
)
from sandbox.models import IdSequence
from sandbox.tempo.models import Approval, AuditEvent, ListRecord, Worklog

SEED = 20261125
HISTORY_DAYS = 395  # about 13 months
LARGE_HISTORY_DAYS = 730  # about two years, for the large shape
# From this many Tempo worklogs a benchmark size takes the large shape (docs/product.md §8:
# 500,000 worklogs in 10 service desks and 50 organizations); smaller sizes keep theirs.
LARGE_SHAPE_FROM = 200_000
QUARTER_HOUR = 900
BATCH_SIZE = 2000
TEMPO_COLUMNS = (
    "id",
    "issue_id",
    "project_id",
    "author_account_id",
    "time_spent_seconds",
    "billable_seconds",
    "start_date",
    "start_time",
    "description",
    "created_at",
    "updated_at",
    "attributes",
)
JIRA_WORKLOG_COLUMNS = (
    "id",
    "issue",
    "author",
    "update_author",
    "comment",
    "started",
    "time_spent_seconds",
    "created",
    "updated",
)


@dataclass(frozen=True)
class Size:
    requests: int  # in the two service desks
    software_issues: int  # in PLAT
    tempo_worklogs: int  # in all, PLAT's included
    software_worklogs: int
    # Reporter weight per organization id (0: no organization); Acme dominates at scale.
    org_weights: dict[int, float]
    cast: Cast = catalog.DEMO_CAST
    history_days: int = HISTORY_DAYS


NORMAL = Size(
    requests=300,
    software_issues=24,
    tempo_worklogs=1200,
    software_worklogs=40,
    org_weights={catalog.ACME.id: 3.0, catalog.GLOBEX.id: 2.0, catalog.INITECH.id: 2.0, 0: 1.0},
)
BENCHMARK_WEIGHTS = {catalog.ACME.id: 40.0, catalog.GLOBEX.id: 2.0, catalog.INITECH.id: 1.5, 0: 0.5}


def benchmark_size(requests: int, tempo_worklogs: int) -> Size:
    """A size of the benchmark's shape: Acme owns most of the requests and their work.

    PLAT gets a thirtieth as many issues and a fiftieth of the worklogs, at least a few.
    From LARGE_SHAPE_FROM worklogs on, the large shape (``large_benchmark_size``).
    """
    if requests < 1 or tempo_worklogs < 0:
        raise ValueError("The demo needs at least one request and no negative worklog count.")
    if tempo_worklogs >= LARGE_SHAPE_FROM:
        return large_benchmark_size(requests, tempo_worklogs)
    return Size(
        requests=requests,
        software_issues=max(2, requests // 30),
        tempo_worklogs=tempo_worklogs,
        software_worklogs=tempo_worklogs // 50,
        org_weights=BENCHMARK_WEIGHTS,
    )


# Each customer of the 47 further organizations weighs three quarters of one of Globex's; Acme's
# members together still raise more than half of the requests.
LARGE_OTHER_WEIGHT = 1.5


def large_benchmark_size(requests: int, tempo_worklogs: int) -> Size:
    """The benchmark's large shape at any size: 10 service desks (ITSD and SUP the busiest),
    50 organizations, about two years of history; Acme's members raise more than half of the
    requests, so at 500,000 worklogs about 100,000 of the last 365 days are on requests
    shared with Acme."""
    if requests < 1 or tempo_worklogs < 0:
        raise ValueError("The demo needs at least one request and no negative worklog count.")
    cast = catalog.large_cast()
    weights = {org.id: LARGE_OTHER_WEIGHT for org in cast.organizations} | BENCHMARK_WEIGHTS
    return Size(
        requests=requests,
        software_issues=max(2, requests // 30),
        tempo_worklogs=tempo_worklogs,
        software_worklogs=tempo_worklogs // 50,
        org_weights=weights,
        cast=cast,
        history_days=LARGE_HISTORY_DAYS,
    )


SCALE = benchmark_size(requests=2000, tempo_worklogs=50_000)


@dataclass(frozen=True)
class DemoCounts:
    projects: int
    service_desks: int
    organizations: int
    customers: int
    agents: int
    requests: int
    software_issues: int
    tempo_worklogs: int
    jira_worklogs: int
    jira_only_worklogs: int

    def summary(self) -> str:
        return (
            f"{self.projects} projects ({self.service_desks} service desks), "
            f"{self.organizations} organizations, {self.customers} customers, "
            f"{self.agents} agents, {self.requests} requests, "
            f"{self.software_issues} software issues, {self.tempo_worklogs} Tempo worklogs, "
            f"{self.jira_worklogs} Jira worklogs ({self.jira_only_worklogs} Jira only)"
        )


@dataclass(eq=False)  # compared and hashed by identity: counted per request
class _Request:
    """An issue being planned, before it gets its id."""

    project: DemoProject
    created: datetime
    reporter: Person
    summary: str
    status: statuses.Status = statuses.WAITING_FOR_SUPPORT
    participants: list[Person] = field(default_factory=list)
    shared_with: list[int] = field(default_factory=list)
    issue_id: int = 0
    updated: datetime = field(init=False)
    end: datetime = field(init=False)  # when work stopped: resolution, or the anchor

    def __post_init__(self) -> None:
        self.updated = self.end = self.created


@dataclass(slots=True)
class _Worklog:
    request: _Request
    author: Person
    started: datetime
    spent: int
    billable: int
    text: str
    created: datetime
    updated: datetime
    in_tempo: bool = True


def seed_demo(size: Size = NORMAL, today: date | None = None) -> DemoCounts:
    """Replace the sandbox's Jira data and Tempo worklogs by the demo; return the counts.

    The worklogs are drawn, numbered and written a chunk at a time (``_Planner.worklogs``
    yields them in the order they were logged), so memory stays flat at 500,000; the issues
    follow them, once each request's last update (its last worklog's) is known.
    """
    anchor = datetime.combine(today or timezone.now().date(), time.min, tzinfo=UTC)
    cast = size.cast
    # Demo data, not secrets: a seeded generator is the point.
    planner = _Planner(random.Random(SEED), size, anchor)  # noqa: S311
    requests = planner.requests()
    with transaction.atomic():
        _wipe()
        _write(cast, requests)
        tempo_count, jira_count = _write_worklogs(cast, planner.worklogs(requests))
        _write_issues(cast, requests)
        _restart_sequences(cast, requests, tempo_count, jira_count)
        _write_tempo_lists(anchor.date())
    return DemoCounts(
        projects=len(cast.projects),
        service_desks=len(cast.service_desks),
        organizations=len(cast.organizations),
        customers=len(cast.customers),
        agents=len(cast.agents),
        requests=sum(1 for r in requests if r.project.is_service_desk),
        software_issues=sum(1 for r in requests if not r.project.is_service_desk),
        tempo_worklogs=tempo_count,
        jira_worklogs=jira_count,
        jira_only_worklogs=jira_count - tempo_count,
    )


class _Planner:
    """Draws the demo from `rng`; the order of draws is part of the demo's identity."""

    def __init__(self, rng: random.Random, size: Size, anchor: datetime) -> None:
        self.rng = rng
        # randint(a, b) is a + _randbelow(b - a + 1): the same draw, without the two calls
        # around it (four draws per worklog, 500,000 worklogs).
        self._below = rng._randbelow
        self.size = size
        self.cast = size.cast
        self.anchor = anchor
        # Reporters and colleagues, worked out once rather than per request (same order and
        # weights, so the same draws).
        left_before = anchor - timedelta(days=180)  # the inactive customer left then
        self._left_before = left_before
        self._reporters = {everyone: self._reporter_weights(everyone) for everyone in (True, False)}
        self._colleagues: dict[str, list[Person]] = {}

    def requests(self) -> list[_Request]:
        planned = [self._request(self._service_desk()) for _ in range(self.size.requests)]
        planned += [self._software_issue() for _ in range(self.size.software_issues)]
        planned.sort(key=lambda r: r.created)
        for offset, request in enumerate(planned):
            request.issue_id = catalog.FIRST_ISSUE_ID + offset
        self._make_sure_demo_customers_report_everywhere(planned)
        for request in planned:
            if request.project.is_service_desk:
                self._share(request)
        return planned

    def worklogs(self, requests: list[_Request]) -> Iterator[_Worklog]:
        """Tempo worklogs (each mirrored in Jira), and a few logged in Jira only, in the order
        they were logged (by creation, then request, then start).

        They are drawn request by request, oldest request first; no worklog is logged before
        its request was raised, so once the next request's creation is reached every worklog
        logged earlier is known and leaves the heap: only the work still going on is held.
        Each request's ``updated`` is final once the generator is exhausted.
        """
        desks = [r for r in requests if r.project.is_service_desk]
        software = [r for r in requests if not r.project.is_service_desk]
        counts = self._spread(desks, self.size.tempo_worklogs - self.size.software_worklogs, 0.88)
        counts += self._spread(software, self.size.software_worklogs, 0.5)
        pending: list[tuple] = []
        order = 0  # ties keep the order of drawing, as a stable sort would
        for request, count in sorted(counts.items(), key=lambda item: item[0].issue_id):
            floor = (request.created, request.issue_id)
            while pending and pending[0] < floor:
                yield heapq.heappop(pending)[-1]
            drawn = [self._worklog(request) for _ in range(count)]
            if request.project.is_service_desk and self.rng.random() < 0.04:
                extra = self._worklog(request)
                extra.in_tempo, extra.text, extra.billable = False, catalog.JIRA_ONLY_TEXT, 0
                drawn.append(extra)
            for worklog in drawn:
                # Jira counts logging work as a change of the issue.
                request.updated = max(request.updated, worklog.updated)
                heapq.heappush(
                    pending, (worklog.created, request.issue_id, worklog.started, order, worklog)
                )
                order += 1
        while pending:
            yield heapq.heappop(pending)[-1]

    # -- requests -----------------------------------------------------------------------

    def _service_desk(self) -> DemoProject:
        if self.cast.desk_weights is None:
            return catalog.ITSD if self.rng.random() < 0.55 else catalog.SUP
        return self.rng.choices(self.cast.service_desks, self.cast.desk_weights)[0]

    def _request(self, project: DemoProject) -> _Request:
        created = self._moment_before(self.rng.uniform(0.05, self.size.history_days))
        reporter = self._reporter(created)
        request = _Request(project, created, reporter, summary=self._summary(project))
        self._lifecycle(request, open_statuses=_JSM_OPEN, done_statuses=_JSM_DONE)
        return request

    def _software_issue(self) -> _Request:
        created = self._moment_before(self.rng.uniform(0.05, self.size.history_days))
        reporter = self.rng.choice(self.cast.teams[catalog.PLAT.id])
        issue = _Request(catalog.PLAT, created, reporter, summary=self._summary(catalog.PLAT))
        self._lifecycle(issue, open_statuses=_SOFTWARE_OPEN, done_statuses=_SOFTWARE_DONE)
        return issue

    def _moment_before(self, days: float) -> datetime:
        """A moment in working hours (07:00–18:00) about `days` before the anchor."""
        day = self.anchor - timedelta(days=int(days) + 1)
        return day + timedelta(
            hours=self.rng.randint(7, 17),
            minutes=self.rng.randint(0, 59),
            seconds=self.rng.randint(0, 59),
            milliseconds=self.rng.randint(0, 999),
        )

    def _reporter_weights(self, everyone: bool) -> tuple[list[Person], list[float]]:
        """The customers who may raise a request (the inactive one only before they left,
        ``everyone``) and their cumulative weights, as ``random.choices`` adds them up."""
        candidates = [person for person in self.cast.customers if person.active or everyone]
        weights = [
            max(self.size.org_weights.get(org, 0.0) for org in person.organizations or (0,))
            for person in candidates
        ]
        return candidates, list(accumulate(weights))

    def _reporter(self, created: datetime) -> Person:
        # The inactive customer left half a year ago.
        candidates, cumulative = self._reporters[created < self._left_before]
        return self.rng.choices(candidates, cum_weights=cumulative)[0]

    def _summary(self, project: DemoProject) -> str:
        return self.rng.choice(self.cast.summaries[project.id]) + self.rng.choice(
            catalog.SUMMARY_DETAILS
        )

    def _lifecycle(
        self,
        request: _Request,
        open_statuses: tuple[statuses.Status, ...],
        done_statuses: tuple[statuses.Status, ...],
    ) -> None:
        """Status, last update and end of work, from the request's age."""
        age = self.anchor - request.created
        resolution = request.created + timedelta(hours=self.rng.uniform(2, 20 * 24))
        done_chance = 0.9 if age > timedelta(days=30) else 0.3
        if self.rng.random() < done_chance and resolution < self.anchor - timedelta(hours=1):
            request.status = self.rng.choice(done_statuses)
            request.end = resolution
            request.updated = resolution
        else:
            request.status = self.rng.choice(open_statuses)
            request.end = self.anchor - timedelta(hours=1)
            request.updated = request.created + age * self.rng.uniform(0.1, 0.9)

    def _make_sure_demo_customers_report_everywhere(self, requests: list[_Request]) -> None:
        """Alice, Bob and Carol each raised requests in both service desks.

        Chance alone might not give them that, so a few requests of each desk, at fixed
        places from the middle of the history on, are theirs whoever drew them.
        """
        for project in self.cast.service_desks:
            in_desk = [r for r in requests if r.project == project]
            for place, person in enumerate((catalog.ALICE, catalog.BOB, catalog.CAROL)):
                for request in in_desk[len(in_desk) // 2 + place :: len(in_desk) // 7 or 1]:
                    request.reporter = person

    def _share(self, request: _Request) -> None:
        """Participants from the reporter's organizations, and sharing with one of them.

        Participants come only from the reporter's own organizations, so nobody at Acme
        (Alice) ever takes part in a Globex request (Carol's). Bob often follows Alice's.
        """
        reporter = request.reporter
        if not reporter.organizations:
            return
        colleagues = self._colleagues.get(reporter.handle)
        if colleagues is None:
            colleagues = self._colleagues[reporter.handle] = [
                person
                for person in self.cast.customers
                if person != reporter
                and person.active
                and set(person.organizations) & set(reporter.organizations)
            ]
        if reporter == catalog.ALICE and self.rng.random() < 0.5:
            request.participants.append(catalog.BOB)
        elif self.rng.random() < 0.3:
            count = min(self.rng.randint(1, 2), len(colleagues))
            request.participants += self.rng.sample(colleagues, k=count)
        if self.rng.random() < 0.65:
            request.shared_with.append(self.rng.choice(reporter.organizations))

    # -- worklogs -----------------------------------------------------------------------

    def _spread(self, requests: list[_Request], total: int, share: float) -> Counter[_Request]:
        """`total` worklogs over a `share` of `requests`, unevenly, as real work falls."""
        # A tiny demo might draw no request at all: then the first one gets the work.
        worked = [r for r in requests if self.rng.random() < share] or requests[:1]
        weights = [self.rng.uniform(0.3, 2.0) for _ in worked]
        return Counter(self.rng.choices(worked, weights, k=total))

    def _worklog(self, request: _Request) -> _Worklog:
        below = self._below
        spent = QUARTER_HOUR * (1 + below(16))  # 15 minutes to 4 hours
        window = max(request.end - request.created, timedelta(minutes=1))
        started = request.created + window * self.rng.random()
        # On a quarter hour, as people log time, and not before the request was raised.
        started -= timedelta(minutes=started.minute % 15, seconds=started.second)
        started = started.replace(microsecond=0)
        if started < request.created:
            started += timedelta(minutes=15)
        latest_start = self.anchor - timedelta(seconds=spent) - timedelta(hours=1)
        started = min(started, latest_start)
        # Logged after the work, at the latest a few minutes before the anchor.
        latest = self.anchor - timedelta(minutes=5)
        logged = started + timedelta(seconds=spent, minutes=below(181))
        created = min(logged, latest) + timedelta(milliseconds=below(1000))
        updated = created
        if self.rng.random() < 0.12:  # edited later
            updated = max(created, min(created + timedelta(hours=self.rng.uniform(1, 120)), latest))
        text = self.rng.choice(self.cast.worklog_texts[request.project.id])
        if self.rng.random() < 0.05:
            text = ""
        return _Worklog(
            request=request,
            author=self.rng.choice(self.cast.teams[request.project.id]),
            started=started,
            spent=spent,
            billable=self._billable(spent),
            text=text,
            created=created,
            updated=updated,
        )

    def _billable(self, spent: int) -> int:
        """Mostly all of it; sometimes less; sometimes nothing (internal work)."""
        draw = self.rng.random()
        if draw < 0.72:
            return spent
        if draw < 0.87 and spent > QUARTER_HOUR:
            return QUARTER_HOUR * (1 + self._below(spent // QUARTER_HOUR - 1))
        return 0


_JSM_OPEN = tuple(statuses.STATUSES[i] for i in ("10001", "10002", "3", "10003"))
# Resolved and Closed twice as often as Canceled.
_JSM_DONE = tuple(statuses.STATUSES[i] for i in ("5", "5", "6", "6", "10004"))
_SOFTWARE_OPEN = tuple(statuses.STATUSES[i] for i in ("10005", "3"))
_SOFTWARE_DONE = (statuses.STATUSES["10006"],)


def _wipe() -> None:
    # Tempo's audit log too: a reseed starts with no deletions recorded (papertrail.py).
    for model in (JiraWorklog, DeletedWorklog, Worklog, AuditEvent):
        model.objects.all().delete()
    for through in (
        Issue.participants.through,
        Issue.organizations.through,
        Organization.members.through,
        Organization.service_desks.through,
        Project.customers.through,
    ):
        through.objects.all().delete()
    for model in (Issue, Organization, Project, JiraUser):
        model.objects.all().delete()


def _restart_sequences(
    cast: Cast, requests: list[_Request], tempo_count: int, jira_count: int
) -> None:
    """New objects (data drift) get ids after the demo's, and never a deleted one's."""
    lasts = {
        IdSequence.name_of(Issue): catalog.FIRST_ISSUE_ID + len(requests) - 1,
        IdSequence.name_of(Worklog): catalog.FIRST_TEMPO_WORKLOG_ID + tempo_count - 1,
        IdSequence.name_of(JiraWorklog): catalog.FIRST_JIRA_WORKLOG_ID + jira_count - 1,
    }
    per_project = Counter(r.project.id for r in requests)
    for project in cast.projects:
        lasts[issue_number_sequence(project.id)] = per_project[project.id]
    IdSequence.restart(lasts)


def _write(cast: Cast, requests: list[_Request]) -> None:
    """People, projects and organizations (the issues come after the worklogs)."""
    people = [*cast.customers, *cast.agents]
    JiraUser.objects.bulk_create(
        (
            JiraUser(
                account_id=person.account_id,
                email=person.email,
                display_name=person.display_name,
                active=person.active,
                account_type=AccountType.ATLASSIAN if person.agent else AccountType.CUSTOMER,
            )
            for person in people
        ),
        batch_size=BATCH_SIZE,
    )
    Project.objects.bulk_create(
        Project(
            id=project.id,
            key=project.key,
            name=project.name,
            project_type_key=(
                ProjectType.SERVICE_DESK if project.is_service_desk else ProjectType.SOFTWARE
            ),
            service_desk_id=project.service_desk_id,
        )
        for project in cast.projects
    )
    history_start = requests[0].created - timedelta(days=30)
    Organization.objects.bulk_create(
        Organization(id=org.id, name=org.name, created=history_start + timedelta(days=org.id))
        for org in cast.organizations
    )
    Organization.members.through.objects.bulk_create(
        (
            Organization.members.through(organization_id=org_id, jirauser_id=person.account_id)
            for person in cast.customers
            for org_id in person.organizations
        ),
        batch_size=BATCH_SIZE,
    )
    Organization.service_desks.through.objects.bulk_create(
        (
            Organization.service_desks.through(organization_id=org.id, project_id=desk.id)
            for org in cast.organizations
            for desk in cast.service_desks
        ),
        batch_size=BATCH_SIZE,
    )


def _issue_type(project: DemoProject, number: int) -> IssueType:
    """Every fourth request an incident, every third software issue a bug; no randomness,
    so the rest of the demo stays as it was."""
    if project.is_service_desk:
        return INCIDENT if number % 4 == 0 else SERVICE_REQUEST
    return BUG if number % 3 == 0 else TASK


def _write_issues(cast: Cast, requests: list[_Request]) -> None:
    numbers: Counter[int] = Counter()
    issues = []
    customers_of: defaultdict[int, set[str]] = defaultdict(set)
    for request in requests:
        numbers[request.project.id] += 1
        number = numbers[request.project.id]
        issues.append(
            Issue(
                id=request.issue_id,
                project_id=request.project.id,
                number=number,
                key=f"{request.project.key}-{number}",
                summary=request.summary,
                status_id=request.status.id,
                issue_type=_issue_type(request.project, number).id,
                reporter_id=request.reporter.account_id,
                created=request.created,
                updated=request.updated,
            )
        )
        if request.project.is_service_desk:
            for person in (request.reporter, *request.participants):
                customers_of[request.project.id].add(person.account_id)
    Issue.objects.bulk_create(issues, batch_size=BATCH_SIZE)
    Issue.participants.through.objects.bulk_create(
        (
            Issue.participants.through(issue_id=r.issue_id, jirauser_id=p.account_id)
            for r in requests
            for p in r.participants
        ),
        batch_size=BATCH_SIZE,
    )
    Issue.organizations.through.objects.bulk_create(
        (
            Issue.organizations.through(issue_id=r.issue_id, organization_id=org_id)
            for r in requests
            for org_id in r.shared_with
        ),
        batch_size=BATCH_SIZE,
    )
    # A desk's customers: everyone in its organizations, and whoever raised or joined one of
    # its requests.
    for desk in cast.service_desks:
        for person in cast.customers:
            if person.organizations:
                customers_of[desk.id].add(person.account_id)
    Project.customers.through.objects.bulk_create(
        (
            Project.customers.through(project_id=desk_id, jirauser_id=account_id)
            for desk_id, account_ids in sorted(customers_of.items())
            for account_id in sorted(account_ids)
        ),
        batch_size=BATCH_SIZE,
    )


def _write_worklogs(cast: Cast, worklogs: Iterator[_Worklog]) -> tuple[int, int]:
    """Ids in the order the worklogs were logged, as both services number them; written a
    chunk at a time. Returns (Tempo worklogs, Jira worklogs)."""
    accounts = {org.id: [{"key": "_Account_", "value": org.account}] for org in cast.organizations}
    tempo_rows: list[tuple] = []
    jira_rows: list[tuple] = []
    tempo_count = jira_count = 0
    for worklog in worklogs:
        request = worklog.request
        author = worklog.author.account_id
        started = worklog.started
        if worklog.in_tempo:
            org_ids = request.shared_with or request.reporter.organizations
            tempo_rows.append(
                (
                    catalog.FIRST_TEMPO_WORKLOG_ID + tempo_count,
                    request.issue_id,
                    request.project.id,
                    author,
                    worklog.spent,
                    worklog.billable,
                    started.date(),
                    started.time(),
                    worklog.text,
                    worklog.created,
                    worklog.updated,
                    accounts[org_ids[0]] if org_ids else [],
                )
            )
            tempo_count += 1
        jira_rows.append(
            (
                catalog.FIRST_JIRA_WORKLOG_ID + jira_count,
                request.issue_id,
                author,
                author,
                worklog.text,
                started,
                worklog.spent,
                worklog.created,
                worklog.updated,
            )
        )
        jira_count += 1
        if len(jira_rows) >= bulk.CHUNK_SIZE:
            _flush_worklogs(tempo_rows, jira_rows)
    _flush_worklogs(tempo_rows, jira_rows)
    return tempo_count, jira_count


def _flush_worklogs(tempo_rows: list[tuple], jira_rows: list[tuple]) -> None:
    bulk.insert(Worklog, TEMPO_COLUMNS, tempo_rows)
    bulk.insert(JiraWorklog, JIRA_WORKLOG_COLUMNS, jira_rows)
    tempo_rows.clear()
    jira_rows.clear()


def _write_tempo_lists(today: date) -> None:
    """Tempo's data outside worklogs: what the backup/export list routes answer, and the
    timesheet approvals' statuses."""
    ListRecord.objects.all().delete()
    ListRecord.objects.bulk_create(
        ListRecord(kind=row.kind, position=row.position, parent=row.parent, data=row.data)
        for row in tempo_lists.records(today)
    )
    Approval.objects.all().delete()
    Approval.objects.bulk_create(
        Approval(
            account_id=row.account_id,
            period_from=row.period_from,
            status=row.status,
            comment=row.comment,
            actor_account_id=row.actor,
            reviewer_account_id=row.reviewer,
            updated_at=row.updated_at,
        )
        for row in tempo_lists.approvals(today)
    )
