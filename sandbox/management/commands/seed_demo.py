"""`python sandbox/manage.py seed_demo [--scale | --requests N --worklogs M]`: demo data.

Replaces every Jira row and every Tempo worklog of the sandbox by the demo (tokens stay),
the same ids and texts on every run. `--scale` seeds the benchmark's size instead;
`--requests` and `--worklogs` any size of the benchmark's shape (`make bench`); from
200,000 worklogs on, the large shape of docs/product.md §8 (10 service desks, 50
organizations, two years), streamed to the database a chunk at a time.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.demo.build import NORMAL, SCALE, benchmark_size, seed_demo


class Command(BaseCommand):
    help = (
        "Replace the sandbox's Jira data and Tempo worklogs by the demo data (safe to run "
        "again: the same data every time). --scale seeds the benchmark size: 2,000 requests "
        "and 50,000 Tempo worklogs, mostly Acme's; --requests and --worklogs choose another "
        "size of that shape (from 200,000 worklogs: 10 service desks, 50 organizations, two "
        "years of history)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            action="store_true",
            help="Seed the benchmark size instead of the demo size.",
        )
        parser.add_argument(
            "--requests", type=int, help="Requests in the service desks (benchmark shape)."
        )
        parser.add_argument("--worklogs", type=int, help="Tempo worklogs in all (benchmark shape).")

    def handle(self, *args: Any, **options: Any) -> None:
        requests, worklogs = options["requests"], options["worklogs"]
        custom = requests is not None or worklogs is not None
        if custom and options["scale"]:
            raise CommandError("Give either --scale or --requests/--worklogs, not both.")
        if custom and (requests is None or worklogs is None):
            raise CommandError("Give both --requests and --worklogs.")
        try:
            size = benchmark_size(requests, worklogs) if custom else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        size = size or (SCALE if options["scale"] else NORMAL)
        started = time.monotonic()
        counts = seed_demo(size)
        elapsed = time.monotonic() - started
        name = "demo" if size is NORMAL else "benchmark"
        self.stdout.write(f"Seeded the {name} data in {elapsed:.1f} s: {counts.summary()}.")
