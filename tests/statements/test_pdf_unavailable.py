"""Without WeasyPrint's system libraries (Pango) no statement can be made: the worker logs
why, draws up nothing and leaves the month for a later run; the command says what to
install. Nothing half-made is kept."""

from __future__ import annotations

import builtins
import logging

import pytest
from django.core.management import CommandError, call_command

from statements import documents
from statements.documents import PDF_UNAVAILABLE, PdfUnavailable, render_pdf
from statements.models import Statement, StatementDelivery, StatementRun
from statements.tasks import issue_statements


@pytest.fixture
def no_pango(monkeypatch):
    """``import weasyprint`` fails as it does without Pango (cffi's OSError)."""
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': No such file or directory")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    # The drawing uses the real renderer here (conftest's stand-in would hide the fault).
    monkeypatch.setattr("statements.drawing.render_pdf", documents.render_pdf)


def test_render_pdf_says_what_to_install(no_pango):
    with pytest.raises(PdfUnavailable, match="libpango-1.0-0"):
        render_pdf({})


def test_the_worker_logs_it_and_draws_up_nothing(itsd, no_pango, caplog, mailoutbox):
    with caplog.at_level(logging.ERROR, logger="worklog_report.statements"):
        result = issue_statements.call()
    assert result["drawn"] == 0
    assert not Statement.objects.exists()
    assert not StatementDelivery.objects.exists()
    assert not StatementRun.objects.exists()  # the month stays due
    assert mailoutbox == []
    [record] = [r for r in caplog.records if r.getMessage() == "statements not drawn"]
    assert record.why == PDF_UNAVAILABLE


def test_the_command_fails_with_the_sentence(itsd, no_pango):
    with pytest.raises(CommandError, match="Run `make install`"):
        call_command("monthly_statements", "--no-email")
    assert not Statement.objects.exists()
