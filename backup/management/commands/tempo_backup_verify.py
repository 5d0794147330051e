"""`manage.py tempo_backup_verify ARCHIVE`: re-check a Tempo backup archive against its
manifest (sizes, SHA-256, records, JSON). Exits 1 when anything is wrong."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandParser

from backup.verify import verify_archive


class Command(BaseCommand):
    help = "Check a Tempo backup archive: every data set's bytes, SHA-256 and records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The path of a tempo-backup-*.zip archive.")

    def handle(self, *args, **options) -> None:
        result = verify_archive(options["archive"])
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            self.stderr.write(f"{result.path} is NOT a whole Tempo backup.")
            sys.exit(1)
        for name, records in result.checked:
            self.stdout.write(f"  {name}: {records:,} records, SHA-256 matches")
        skipped = [e for e in result.manifest["data_sets"] if e.get("skipped")]
        for entry in skipped:
            self.stdout.write(f"  {entry['name']}: skipped. {entry['skipped']}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.path} is whole: {result.records:,} records in "
                f"{len(result.checked)} data sets, as its manifest says."
            )
        )
