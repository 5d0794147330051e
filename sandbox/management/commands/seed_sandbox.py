"""`python sandbox/manage.py seed_sandbox`: put the demo data into the sandbox (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sandbox.tempo.seed import WORKLOGS, seed_worklogs


class Command(BaseCommand):
    help = "Create the sandbox's demo data where it is missing. Safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        created = seed_worklogs()
        self.stdout.write(
            f"Tempo: {created} worklog(s) created, {len(WORKLOGS) - created} already present."
        )
