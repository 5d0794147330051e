"""Structured logs: one line per request and per sync run, every handler behind the filter
that blanks secrets."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from sync.log import log_sync_run
from sync.models import SyncRun
from worklog_report.log_format import JsonFormatter, LogfmtFormatter
from worklog_report.redaction import RedactSecretsFilter, register_secret


def _fields(line: str) -> dict[str, str]:
    """Parse one logfmt line (values may be JSON-quoted)."""
    fields, rest = {}, line
    while rest:
        key, _, rest = rest.partition("=")
        if rest.startswith('"'):
            decoder = json.JSONDecoder()
            value, end = decoder.raw_decode(rest)
            rest = rest[end:].lstrip()
        else:
            value, _, rest = rest.partition(" ")
        fields[key.strip()] = value
    return fields


def _record(caplog, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


def test_one_request_line_with_method_path_status_duration_and_user(alice_client, caplog):
    caplog.set_level(logging.INFO, logger="worklog_report.requests")
    alice_client.get("/portal/?secret-filter=alice-typed-this")
    (record,) = _record(caplog, "worklog_report.requests")
    line = _fields(LogfmtFormatter().format(record))
    assert line["msg"] == "request" and line["level"] == "info"
    assert line["method"] == "GET" and line["path"] == "/portal/" and line["status"] == "200"
    assert float(line["duration_ms"]) >= 0
    assert line["user_id"] == str(alice_client.session["_auth_user_id"])
    assert "alice-typed-this" not in LogfmtFormatter().format(record)  # no query string


def test_anonymous_and_error_requests(client, db, caplog):
    caplog.set_level(logging.INFO, logger="worklog_report.requests")
    client.get("/no-such-page/")
    client.get("/accounts/login/")
    missing, login = _record(caplog, "worklog_report.requests")
    assert (missing.status, missing.levelname, missing.user_id) == (404, "WARNING", None)
    assert (login.status, login.levelname) == (200, "INFO")


def test_sync_runs_log_one_structured_line(db, caplog):
    caplog.set_level(logging.INFO, logger="worklog_report.sync")
    run = SyncRun.objects.create(
        kind="tempo", status="failed", counts={"worklogs": 12}, error="Tempo could not be reached."
    )
    log_sync_run("tempo", run, "loop")
    log_sync_run("tempo", None, "task")
    failed, skipped = _record(caplog, "worklog_report.sync")
    line = json.loads(JsonFormatter().format(failed))
    assert line["level"] == "warning" and line["msg"] == "sync failed"
    assert line["kind"] == "tempo" and line["trigger"] == "loop" and line["outcome"] == "failed"
    assert line["count_worklogs"] == 12 and line["error"] == "Tempo could not be reached."
    assert skipped.outcome == "skipped" and skipped.reason == "no_token"


def test_the_sync_command_logs_each_kind(db, caplog, settings):
    settings.JIRA_BASE_URL = ""  # nothing configured: Jira fails in a sentence, Tempo skips
    caplog.set_level(logging.INFO, logger="worklog_report.sync")
    with pytest.raises(SystemExit):
        call_command("sync", stdout=io.StringIO(), stderr=io.StringIO())
    kinds = [(r.kind, r.trigger, r.outcome) for r in _record(caplog, "worklog_report.sync")]
    assert kinds == [("jira", "command", "failed"), ("tempo", "command", "skipped")]


def test_formatters_keep_a_traceback_on_one_line_and_redact_extras():
    register_secret("Extra-Field-Secret-123")
    try:
        raise ValueError("bad Extra-Field-Secret-123")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            sys.exc_info(),
            extra={"detail": "Bearer Extra-Field-Secret-123", "path": "/a b"},
        )
    RedactSecretsFilter().filter(record)
    for formatter in (LogfmtFormatter(), JsonFormatter()):
        line = formatter.format(record)
        assert "\n" not in line and "Extra-Field-Secret-123" not in line
        assert "ValueError" in line
    assert '"/a b"' in LogfmtFormatter().format(record)


def test_every_configured_handler_redacts_secrets():
    """Configure logging exactly as Django does (its defaults, then ours) and walk every
    handler on every logger."""
    from django.utils.log import DEFAULT_LOGGING

    saved = {
        name: (lg.handlers[:], lg.level, lg.propagate, lg.disabled)
        for name, lg in [("", logging.root), *logging.root.manager.loggerDict.items()]
        if isinstance(lg, logging.Logger)
    }
    try:
        logging.config.dictConfig(DEFAULT_LOGGING)
        logging.config.dictConfig(django_settings.LOGGING)
        loggers = [logging.root] + [
            lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
        ]
        # Libraries add NullHandlers to their loggers: those write nothing anywhere.
        handlers = {h for lg in loggers for h in lg.handlers if type(h) is not logging.NullHandler}
        assert handlers, "no handler configured"
        for handler in handlers:
            assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters), handler
        assert isinstance(logging.root.handlers[0].formatter, LogfmtFormatter)
    finally:
        for name, (handlers, level, propagate, disabled) in saved.items():
            lg = logging.root if name == "" else logging.getLogger(name)
            lg.handlers, lg.level, lg.propagate, lg.disabled = handlers, level, propagate, disabled
