"""`python sandbox/manage.py seed_sandbox`: twelve Tempo worklogs and nothing else (idempotent).

The small fixed set the sandbox's own Tempo tests count exactly; the product's demo (Jira
and Tempo together) is `seed_demo`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sandbox.tempo.seed import WORKLOGS, seed_worklogs


class Command(BaseCommand):
    help = (
        "Create the twelve Tempo worklogs of the Tempo tests where they are missing. Safe to "
        "run again. The product's demo data is seed_demo."
    )

    def handle(self, *args: object, **options: object) -> None:
        created = seed_worklogs()
        self.stdout.write(
            f"Tempo: {created} worklog(s) created, {len(WORKLOGS) - created} already present."
        )
