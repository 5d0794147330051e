"""The portal's small world (tests/portal/conftest.py) with the clock on the 1st of the next
month: its worklogs of ``MONTH`` (tests.clock.THIS_MONTH) are last month's, the month the
statements cover. ITSD sends monthly statements.

Acme's requests: ITSD-1 (alice's, shared with Acme: 1.75 h), ITSD-2 (bob's, not shared:
2 h), ITSD-4 (dave's, shared with Acme: 1 h) — 4.75 h in a contract of Acme, of which Acme's
statement lists the shared 2.75 h (ITSD-1, ITSD-4); with a contract it gives ITSD-2's 2 h as
one line (without one, no line).
Globex's: ITSD-3 (3 h)."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from django.utils import timezone

from jsm.models import Organization
from portal.models import Contract
from portal.periods import add_months
from statements.documents import render_pdf
from statements.drawing import draw_due_statements
from statements.models import Statement
from sync.models import SyncRun
from tempo_integration.models import Worklog
from tests.clock import THIS_MONTH
from tests.portal.conftest import _worklog, world  # noqa: F401 - the world fixture

MONTH = THIS_MONTH
FIRST_OF_NEXT = add_months(MONTH, 1)
H = 3600


@pytest.fixture(autouse=True)
def _first_of_next_month(time_machine):
    time_machine.move_to(dt.datetime.combine(FIRST_OF_NEXT, dt.time(6, 30), dt.UTC), tick=True)


@pytest.fixture
def itsd(world):  # noqa: F811
    """ITSD sends monthly statements (which needs "Also requests shared with their
    organizations"), and a Tempo sync read its hours after the month ended."""
    world.settings.monthly_statements = True
    world.settings.visibility = "organizations"
    world.settings.save()
    SyncRun.objects.create(kind="tempo", status="succeeded", finished_at=timezone.now())
    return world


# -- Helpers shared by the statements' tests ------------------------------------------------


def draw():
    """The worker's drawing up on the 1st of the next month."""
    return draw_due_statements(FIRST_OF_NEXT)


def statement_of(name: str) -> Statement:
    return Statement.objects.get(organization_name=name, month=MONTH)


def pdf_text(statement: Statement) -> str:
    reader = pypdf.PdfReader(io.BytesIO(bytes(statement.pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def org(name: str) -> Organization:
    return Organization.objects.get(name=name)


class Log:
    """Worklogs (Tempo billable seconds), numbered from 1000."""

    def __init__(self, world):  # noqa: F811
        self.world, self.n = world, 1000

    def __call__(self, key: str, day: dt.date, seconds: int, **fields) -> None:
        self.n += 1
        _worklog(self.n, self.world.requests[key], day, seconds)
        if fields:
            Worklog.objects.filter(tempo_id=self.n).update(**fields)


@pytest.fixture
def log(world):  # noqa: F811
    return Log(world)


@pytest.fixture
def contract(world):  # noqa: F811
    def make(organization: str | None, hours, start: dt.date, end: dt.date, **fields):
        return Contract.objects.create(
            project=world.project,
            organization=org(organization) if organization else None,
            hours=hours,
            start_date=start,
            end_date=end,
            **fields,
        )

    return make


def _stand_in_pdf(content: dict) -> bytes:
    return f"%PDF-stand-in {content['organization']} {content['total_seconds']}".encode()


class RealPdf:
    """Which organizations' PDFs WeasyPrint renders: all, or ``only(...)`` those."""

    def __init__(self):
        self.names: set[str] = set()

    def only(self, *names: str) -> None:
        self.names = set(names)

    def render(self, content: dict) -> bytes:
        if self.names and content["organization"] not in self.names:
            return _stand_in_pdf(content)
        return render_pdf(content)


@pytest.fixture
def real_pdf():
    """The statements' PDFs are rendered by WeasyPrint (see ``_quick_pdf``)."""
    return RealPdf()


@pytest.fixture(autouse=True)
def _quick_pdf(request, monkeypatch):
    """WeasyPrint takes a while per PDF: tests that do not read the PDF back get a stand-in
    (its bytes name the organization and total). Ask for ``real_pdf`` to render them (all,
    or ``real_pdf.only("Acme")``)."""
    if "real_pdf" in request.fixturenames:
        monkeypatch.setattr(
            "statements.drawing.render_pdf", request.getfixturevalue("real_pdf").render
        )
    else:
        monkeypatch.setattr("statements.drawing.render_pdf", _stand_in_pdf)
