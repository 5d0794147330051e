"""Structured log lines: one line per record, as key=value pairs (logfmt) or JSON.

A record's `extra={...}` fields become keys of their own, so request and sync lines can be
searched by field (`status=500`, `kind=tempo`) instead of parsed from sentences. Tracebacks
stay on the same line (escaped), so a log collector never splits one record in two.

The redaction filter runs before the formatter and cleans the message and the traceback;
the formatter also passes every extra value through `redact()`, which the filter cannot see.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from django.http import HttpRequest

from worklog_report.redaction import redact

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_PLAIN = (str, int, float, bool, type(None), list, dict)
_BARE = re.compile(r"^[^\s=\"\\]+$")


def _fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
            timespec="milliseconds"
        ),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_") or isinstance(value, HttpRequest):
            continue  # Django adds the request object: its repr has the query string
        if not isinstance(value, _PLAIN):
            value = str(value)
        fields[key] = redact(value) if isinstance(value, str) else value
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(formatter.formatException(record.exc_info))
    if record.exc_text:
        fields["exc"] = record.exc_text
    return fields


def _logfmt_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.1f}"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and _BARE.match(text):
        return text
    return json.dumps(text, ensure_ascii=False)


class LogfmtFormatter(logging.Formatter):
    """`ts=… level=info logger=worklog_report.requests msg=request method=GET path=/ …`"""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in _fields(record, self).items())


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for collectors that parse JSON."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record, self), default=str, ensure_ascii=False)
