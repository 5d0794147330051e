"""`manage.py monthly_statements [--month YYYY-MM] [--project KEY ...] [--no-email]`: draw up
a month's statements now (docs/product.md §4.6) and send their e-mails.

The worker does this by itself after the first sync of each month; the command is for a
month the worker missed, a project switched on later, or a look at the result. Statements
that exist are kept as issued; only the missing ones are drawn up.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize
from django.utils import timezone

from jsm.models import JiraProject

from ...documents import PdfUnavailable
from ...drawing import NotDrawn, draw_statements, previous_month, record_run
from ...sending import send_due_statements


def month_argument(value: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", value):
            raise ValueError(value)
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(
            f"“{value}” is not a month: write it as YYYY-MM, e.g. 2026-11."
        ) from None


class Command(BaseCommand):
    help = "Draw up a month's statements (last month unless --month) and send their e-mails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="The month, YYYY-MM (default: last month).")
        parser.add_argument(
            "--project",
            action="append",
            default=[],
            metavar="KEY",
            help="Only this project (repeat for more); it must send monthly statements. "
            "Default: every project that does.",
        )
        parser.add_argument(
            "--no-email", action="store_true", help="Draw them up; leave the e-mails to the worker."
        )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        month = month_argument(options["month"]) if options["month"] else previous_month(today)
        sending = JiraProject.objects.filter(
            report_settings__enabled=True, report_settings__monthly_statements=True
        )
        if options["project"]:
            named = set(options["project"])
            known = set(JiraProject.objects.filter(key__in=named).values_list("key", flat=True))
            if named - known:
                raise CommandError(
                    f"No JSM project with the key {', '.join(sorted(named - known))}."
                )
            projects = list(sending.filter(key__in=named))
            off = sorted(named - {p.key for p in projects})
            if off:
                raise CommandError(
                    f"{', '.join(off)} sends no monthly statements: switch on Send monthly "
                    "statements on its General tab (with Enable Worklog Report) first."
                )
        else:
            projects = list(sending)
            if not projects:
                raise CommandError(
                    "No project sends monthly statements: switch on Send monthly statements "
                    "on a project's General tab."
                )
        failures = 0
        for project in sorted(projects, key=lambda p: p.key):
            try:
                drawn = draw_statements(project, month, today=today)
            except NotDrawn as exc:
                self.stderr.write(f"{project.key}: {exc}")
                failures += 1
                continue
            except PdfUnavailable as exc:
                raise CommandError(str(exc)) from None
            if drawn.failed:
                failures += 1
            else:
                record_run(project, month)
            for name, sentence in drawn.failed.items():
                self.stderr.write(f"{project.key}: {name}: {sentence}")
            for statement in drawn.made:
                self.stdout.write(
                    f"{project.key}: {statement.organization_name}, {month:%B %Y}: "
                    f"{statement.request_count} request{pluralize(statement.request_count)}, "
                    f"{statement.total_seconds / 3600:.2f} h"
                )
            self.stdout.write(
                f"{project.key}: {len(drawn.made)} statement(s) of {month:%B %Y} drawn up"
                + (f", {drawn.existing} already there" if drawn.existing else "")
                + "."
            )
        if not options["no_email"]:
            counts = send_due_statements()
            self.stdout.write(
                f"E-mails: {counts.sent} sent, {counts.failed} failed, {counts.skipped} not sent."
            )
        if failures:
            raise CommandError(
                f"Not every statement could be drawn up ({failures} project"
                f"{pluralize(failures)}); see above. Run it again to draw up the missing ones."
            )
