"""A logging filter that keeps secrets out of every log line (docs/product.md §7).

The app never logs a token on purpose; this is the belt to that pair of braces: it blanks
``Authorization`` header values, ``Bearer`` credentials, and any token value the app has
decrypted in this process, wherever they appear in a record's message or arguments.
"""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "[redacted]"

_PATTERNS = [
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(basic|bearer)?\s*[^\s'\",}]+"),
    re.compile(r"(?i)(bearer\s+)[^\s'\",}]+"),
    # OAuth values in a URL's query (a server's request line: an OAuth callback carries its
    # code and state there, RFC 6749 §4.1.2) or a form body.
    re.compile(
        r"(?i)([?&](?:code|state|token|access_token|refresh_token|client_secret)=)[^&\s'\"]+"
    ),
]

_known_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Remember a secret this process handles so the filter can blank it out."""
    if len(value) >= 8:  # shorter strings would blank out ordinary words
        with _lock:
            _known_secrets.add(value)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    with _lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
