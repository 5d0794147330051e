"""Create the demo sign-ins of docs/product.md §3 and switch on the demo projects' reports.

Idempotent; `make run` calls it after the first Jira sync, so the demo customers are
linked to their JSM customers and the demo projects exist. It makes `admin` a superuser
with the password `admin`, so with DEBUG off (a real site) it refuses unless `--force`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jsm.models import JiraProject, Organization
from portal.models import Contract, ReportSettings

DEMO_CUSTOMERS = [
    ("alice@acme.example", "Alice", "Anders"),
    ("bob@acme.example", "Bob", "Baker"),
    ("carol@globex.example", "Carol", "Chen"),
]


class Command(BaseCommand):
    help = "Create or refresh the demo administrator (admin/admin) and customers (password demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (a demo or load-test site, never a real one).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo makes admin a superuser with the password admin, so it runs only "
                "with DEBUG on. On a demo or load-test site, run it with --force."
            )
        User = get_user_model()
        admin, _ = User.objects.update_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
        )
        admin.set_password("admin")
        admin.save()
        for email, first, last in DEMO_CUSTOMERS:
            user, _ = User.objects.update_or_create(
                username=email,
                defaults={
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "is_staff": False,
                },
            )
            user.set_password("demo")
            user.save()
        enabled = self.enable_demo_reports()
        self.stdout.write(
            f"Demo sign-ins ready: admin and {len(DEMO_CUSTOMERS)} customers; "
            f"Worklog Report enabled on {enabled or 'no'} demo project(s)."
        )

    def enable_demo_reports(self) -> int:
        """ITSD shares requests with organizations, names workers and sends monthly
        statements; SUP does none of it and rounds to 15 minutes in hours and minutes, so the
        demo shows both styles."""
        demo = {
            "ITSD": {
                "visibility": "organizations",
                "show_worker_names": True,
                "monthly_statements": True,
            },
            "SUP": {"time_format": "hours_minutes", "rounding_minutes": 15},
        }
        count = 0
        for project in JiraProject.objects.filter(key__in=demo):
            report, created = ReportSettings.objects.get_or_create(project=project)
            if created:  # never undo what an admin changed since
                for name, value in {"enabled": True, **demo[project.key]}.items():
                    setattr(report, name, value)
                report.save()
            count += 1
        itsd = JiraProject.objects.filter(key="ITSD").first()
        acme = Organization.objects.filter(name="Acme", projects=itsd).first()
        if itsd and acme and not Contract.objects.filter(project=itsd).exists():
            year = timezone.localdate().year
            Contract.objects.create(
                project=itsd,
                organization=acme,
                type=Contract.Type.MONTHLY,
                start_date=dt.date(year, 1, 1),
                end_date=dt.date(year, 12, 31),
                hours=40,
                carry_over=True,
                description="Acme support retainer (demo)",
            )
        return count
