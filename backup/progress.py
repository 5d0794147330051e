"""Progress of a running backup, per data set: kept on its Backup row for the tab (at most
once a second, and at the end of each data set), and shown on a terminal by the command."""

from __future__ import annotations

import logging
import time
from typing import Any, TextIO

from tqdm import tqdm

from sync.progress import Progress, Silent

from .datasets import DATA_SETS, DataSet
from .models import Backup

SAVE_EVERY = 1.0  # seconds


class Tracker:
    def __init__(self, backup: Backup, terminal: Progress | None = None) -> None:
        self.backup = backup
        self.terminal = terminal or Silent()
        self.entries: dict[str, dict[str, Any]] = {
            data_set.name: {"name": data_set.name, "state": "waiting", "records": 0, "pages": 0}
            for data_set in DATA_SETS
        }
        self.saved_at = 0.0

    def start(self, data_set: DataSet) -> None:
        self.entries[data_set.name]["state"] = "reading"
        self.terminal.start(data_set.name, None)
        self.save()

    def page(self, data_set: DataSet, records: int) -> None:
        entry = self.entries[data_set.name]
        entry["records"] += records
        entry["pages"] += 1
        self.terminal.advance(records)
        if time.monotonic() - self.saved_at >= SAVE_EVERY:
            self.save()

    def finish(self, data_set: DataSet, summary: dict[str, Any]) -> None:
        self.entries[data_set.name] = {
            **summary,
            "state": "skipped" if summary.get("skipped") else "done",
        }
        self.save()

    @property
    def summary(self) -> list[dict[str, Any]]:
        return list(self.entries.values())

    def save(self) -> None:
        self.saved_at = time.monotonic()
        self.backup.data_sets = self.summary
        self.backup.records = sum(e.get("records", 0) for e in self.summary)
        Backup.objects.filter(pk=self.backup.pk).update(
            data_sets=self.backup.data_sets, records=self.backup.records
        )

    def close(self) -> None:
        close = getattr(self.terminal, "close", None)
        if close is not None:
            close()


class BackupBars:
    """The command's progress: a tqdm bar of records per data set on a terminal (where the
    per-request log lines would break the bars, so they are held back to warnings), and one
    line per data set otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.bar: tqdm | None = None
        self.label = ""
        self.records = 0
        self.quieted: list[tuple[logging.Logger, int]] = []
        if self.interactive:
            for name in ("worklog_report.http_client", "worklog_report.backup"):
                logger = logging.getLogger(name)
                self.quieted.append((logger, logger.level))
                logger.setLevel(logging.WARNING)

    def start(self, label: str, total: int | None) -> None:
        self._end_stage()
        self.label, self.records = label, 0
        if self.interactive:
            self.bar = tqdm(total=total, desc=label, unit=" records", file=self.stream, leave=False)

    def advance(self, amount: int = 1) -> None:
        self.records += amount
        if self.bar is not None:
            self.bar.update(amount)

    def _end_stage(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.label and not self.interactive:
            self.stream.write(f"{self.label}: {self.records:,} records read\n")
        self.label = ""

    def close(self) -> None:
        self._end_stage()
        for logger, level in self.quieted:
            logger.setLevel(level)
        self.quieted = []
