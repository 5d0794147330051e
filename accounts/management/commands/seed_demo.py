"""Create the demo sign-ins of PRODUCT.md §3 and switch on the demo projects' reports.

Idempotent; `make run` calls it after the first Jira sync, so the demo customers are
linked to their JSM customers and the demo projects exist.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_CUSTOMERS = [
    ("alice@acme.example", "Alice", "Anders"),
    ("bob@acme.example", "Bob", "Baker"),
    ("carol@globex.example", "Carol", "Chen"),
]


class Command(BaseCommand):
    help = "Create or refresh the demo administrator (admin/admin) and customers (password demo)."

    def handle(self, *args, **options) -> None:
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
        """ITSD shares requests with organizations and names workers; SUP does neither and
        rounds to 15 minutes in hours and minutes, so the demo shows both styles."""
        from jsm.models import JiraProject
        from portal.models import ReportSettings

        demo = {
            "ITSD": {"visibility": "organizations", "show_worker_names": True},
            "SUP": {"time_format": "hours_minutes", "rounding_minutes": 15},
        }
        count = 0
        for project in JiraProject.objects.filter(key__in=demo):
            settings, created = ReportSettings.objects.get_or_create(project=project)
            if created:  # never undo what an admin changed since
                for name, value in {"enabled": True, **demo[project.key]}.items():
                    setattr(settings, name, value)
                settings.save()
            count += 1
        return count
