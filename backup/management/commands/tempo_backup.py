"""`manage.py tempo_backup [--output DIR]`: a Tempo backup now, in the foreground, with a
progress bar per data set (docs/product.md §4.5). Exits 1 when no archive was written."""

from __future__ import annotations

import signal
import sys
import threading

from django.core.management.base import BaseCommand, CommandParser
from django.template.defaultfilters import filesizeformat

from backup.models import Backup
from backup.progress import BackupBars
from backup.runs import run_backup


class Command(BaseCommand):
    help = (
        "Back up every Tempo data set the stored connection may read into a verified ZIP "
        "archive (JSON Lines per data set plus manifest.json), now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            metavar="DIR",
            help="Write the archive to DIR instead of TEMPO_BACKUP_DIR (the retention count "
            "applies to the archives of that directory).",
        )

    def handle(self, *args, **options) -> None:
        if options["output"] is not None and not options["output"].strip():
            self.stderr.write("--output needs a directory.")
            sys.exit(2)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        backup = Backup.objects.create(trigger=Backup.Trigger.COMMAND)
        run_backup(
            backup,
            directory=options["output"],
            terminal=BackupBars(self.stderr._out),
            stop=stop,
        )
        if backup.status != Backup.Status.SUCCEEDED:
            self.stderr.write(f"Tempo backup failed: {backup.error}")
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Tempo backup written and verified: {backup.path} "
                f"({filesizeformat(backup.size_bytes)}, {backup.records:,} records in "
                f"{len(backup.written)} data sets)."
            )
        )
        for entry in backup.data_sets:
            if entry.get("skipped"):
                self.stdout.write(f"  skipped {entry['name']}: {entry['skipped']}")
            for note in entry.get("notes", []):
                self.stdout.write(f"  note on {entry['name']}: {note}")
