"""The log filter blanks secrets that reach a log line by any road."""

from __future__ import annotations

import logging
import sys

from worklog_report.redaction import REDACTED, RedactSecretsFilter, redact, register_secret


def test_authorization_headers_and_bearer_values_are_blanked():
    assert "abc123secret" not in redact("headers={'Authorization': 'Bearer abc123secret'}")
    assert "abc123secret" not in redact("Authorization: Basic abc123secret")
    assert "abc123secret" not in redact("sent bearer abc123secret to tempo")


def test_registered_secrets_are_blanked_anywhere():
    register_secret("Registered-Secret-Value-42")
    assert redact("oops Registered-Secret-Value-42 leaked") == f"oops {REDACTED} leaked"


def test_filter_rewrites_message_args_and_tracebacks():
    register_secret("Another-Secret-Value-77")
    try:
        raise ValueError("bad Another-Secret-Value-77")
    except ValueError:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "token %s",
            ("Another-Secret-Value-77",),
            sys.exc_info(),
        )
    RedactSecretsFilter().filter(record)
    assert "Another-Secret-Value-77" not in record.getMessage()
    assert "Another-Secret-Value-77" not in record.exc_text


def test_oauth_values_in_a_request_line_are_blanked():
    line = '"GET /configuration/tempo/oauth/callback/?code=Abc123Code&state=St4te HTTP/1.1" 403'
    cleaned = redact(line)
    assert "Abc123Code" not in cleaned and "St4te" not in cleaned
    assert cleaned.startswith('"GET /configuration/tempo/oauth/callback/?code=[redacted]&state=')
    body = "grant_type=refresh_token&refresh_token=R3fresh&client_secret=S3cret&client_id=wr"
    assert redact(body) == (
        "grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]&client_id=wr"
    )
    assert redact("?period=this-month&from=2026-11-01") == "?period=this-month&from=2026-11-01"
