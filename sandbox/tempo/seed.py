"""A small, deterministic set of Tempo worklogs for the Tempo tests (`seed_sandbox`).

Twelve worklogs over two Jira projects and six issues, by four workers, dated in the last
two months relative to the day of seeding. They cover the cases a report must get right:
billable equal to, lower than, and zero against the time spent, an empty description, and
worklogs edited after they were logged (`updatedAt` later than `createdAt`).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from sandbox.tempo.models import Worklog

PROJECT_SUPPORT = 10000
PROJECT_ONBOARDING = 10001
ISSUE_PROJECTS = {
    10100: PROJECT_SUPPORT,
    10101: PROJECT_SUPPORT,
    10102: PROJECT_SUPPORT,
    10103: PROJECT_ONBOARDING,
    10104: PROJECT_ONBOARDING,
    10105: PROJECT_ONBOARDING,
}
AGNES = "5f8a1c2b3d4e5f6a7b8c9d01"
BRUNO = "5f8a1c2b3d4e5f6a7b8c9d02"
CHIARA = "5f8a1c2b3d4e5f6a7b8c9d03"
DMITRI = "5f8a1c2b3d4e5f6a7b8c9d04"

# id, issue, author, spent, billable, days ago, start, description, account, edited days later
WORKLOGS = (
    (1001, 10100, AGNES, 3600, 3600, 58, time(9, 0), "Investigated login failure", "ACME", 0),
    (1002, 10100, BRUNO, 5400, 3600, 55, time(13, 30), "Fixed SSO configuration", "ACME", 2),
    (1003, 10101, AGNES, 1800, 0, 49, time(10, 15), "Internal hand-over", "ACME", 0),
    (1004, 10101, CHIARA, 7200, 7200, 41, time(8, 45), "Data export for the customer", "ACME", 0),
    (1005, 10102, DMITRI, 2700, 1800, 33, time(15, 0), "", "GLOBEX", 1),
    (1006, 10102, BRUNO, 900, 900, 27, time(11, 0), "Answered follow-up questions", "GLOBEX", 0),
    (1007, 10103, CHIARA, 14400, 14400, 52, time(9, 30), "Onboarding workshop", "ACME", 5),
    (1008, 10103, AGNES, 3600, 0, 44, time(14, 0), "Workshop preparation", "ACME", 0),
    (1009, 10104, DMITRI, 6300, 5400, 21, time(10, 0), "Account setup and import", "GLOBEX", 0),
    (1010, 10104, CHIARA, 2400, 2400, 14, time(16, 0), "Permission review", "GLOBEX", 3),
    (1011, 10105, BRUNO, 4500, 4500, 7, time(9, 15), "Go-live support", "ACME", 0),
    (1012, 10105, AGNES, 1200, 600, 3, time(12, 30), "Post go-live check", "ACME", 1),
)


def seed_worklogs() -> int:
    """Create the demo worklogs that are missing; return how many were created.

    Existing rows are left alone, so running it again (even on a later day) changes nothing.
    """
    today = timezone.now().date()
    now = timezone.now()
    before = Worklog.objects.count()
    rows = []
    for (
        worklog_id,
        issue_id,
        author,
        spent,
        billable,
        days_ago,
        start,
        description,
        account,
        edited_after,
    ) in WORKLOGS:
        start_date = today - timedelta(days=days_ago)
        logged = datetime.combine(start_date, start, tzinfo=UTC) + timedelta(seconds=spent)
        created_at = min(logged, now)
        rows.append(
            Worklog(
                id=worklog_id,
                issue_id=issue_id,
                project_id=ISSUE_PROJECTS[issue_id],
                author_account_id=author,
                time_spent_seconds=spent,
                billable_seconds=billable,
                start_date=start_date,
                start_time=start,
                description=description,
                created_at=created_at,
                updated_at=min(created_at + timedelta(days=edited_after, hours=edited_after), now),
                attributes=[{"key": "_Account_", "value": account}],
            )
        )
    Worklog.objects.bulk_create(rows, ignore_conflicts=True)
    return Worklog.objects.count() - before
