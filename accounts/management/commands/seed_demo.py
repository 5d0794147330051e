"""Create the demo sign-ins of PRODUCT.md §3. Idempotent; `make run` calls it."""

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
        self.stdout.write(f"Demo sign-ins ready: admin and {len(DEMO_CUSTOMERS)} customers.")
