"""A statement's PDF, rendered by WeasyPrint from an HTML template
(templates/statements/pdf/statement.html), and the context every view of a statement uses.

WeasyPrint needs Pango at run time (Debian's libpango-1.0-0 and libpangoft2-1.0-0, installed
by scripts/install_system_packages.sh); it is imported on first use, so the rest of the app
starts without it. The document loads nothing from outside: every resource request is
refused (``_no_fetching``), so a request summary can never make the worker fetch a URL.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs are missing; the message says what to
    install."""


PDF_UNAVAILABLE = (
    "Statements cannot be made as PDF here: WeasyPrint or the Pango libraries it needs are "
    "missing. Run `make install` (it installs them), or install Debian's libpango-1.0-0 and "
    "libpangoft2-1.0-0."
)


def statement_context(content: dict) -> dict:
    """The template context of a statement: its content with dates as dates."""
    contract = dict(content["contract"]) if content.get("contract") else None
    if contract:
        contract["start"] = dt.date.fromisoformat(contract["start"])
        contract["end"] = dt.date.fromisoformat(contract["end"])
        contract["overrun"] = contract["remaining_seconds"] < 0
        contract["overrun_seconds"] = max(0, -contract["remaining_seconds"])
    return {
        "content": content,
        "project": content["project"],
        "organization": content["organization"],
        "month": dt.date.fromisoformat(content["month"]),
        "start": dt.date.fromisoformat(content["start"]),
        "end": dt.date.fromisoformat(content["end"]),
        "requests": content["requests"],
        "total_seconds": content["total_seconds"],
        "contract": contract,
        "time_format": content["time_format"],
        "rounding_minutes": content["rounding_minutes"],
        "hours_source": content["hours_source"],
        "drawn_at": dt.datetime.fromisoformat(content["drawn_at"]),
        # Hours on requests its customers raised without sharing them (not listed).
        "unshared_seconds": content.get("unshared_seconds", 0),
        "unshared_requests": content.get("unshared_requests", 0),
    }


def render_pdf(content: dict) -> bytes:
    """The statement as a PDF (A4). Raises ``PdfUnavailable`` without WeasyPrint or Pango."""
    try:
        import weasyprint  # noqa: PLC0415 - needs system libraries: loaded only to render
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(PDF_UNAVAILABLE) from exc
    html = render_to_string("statements/pdf/statement.html", statement_context(content))
    return weasyprint.HTML(string=html, url_fetcher=_no_fetching).write_pdf()


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"A statement loads nothing from outside: {url}")
