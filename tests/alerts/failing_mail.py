"""A mail backend whose server refuses the first ``FailingBackend.failures`` sends (as an
SMTP server that is down or times out would), then delivers to Django's locmem outbox."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FailingBackend(EmailBackend):
    failures = 0

    def send_messages(self, messages):
        if FailingBackend.failures > 0:
            FailingBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: timed out")
        return super().send_messages(messages)


class RacingBackend(EmailBackend):
    """Runs ``during_send`` (a second worker's check) once, in the middle of the first send,
    keeping what it returns in ``results``."""

    during_send = None
    results: list = []

    def send_messages(self, messages):
        if RacingBackend.during_send is not None:
            race, RacingBackend.during_send = RacingBackend.during_send, None
            RacingBackend.results = [race()]
        return super().send_messages(messages)
