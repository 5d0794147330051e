"""How pages say times and durations (issue 13): "just now", not "0 minutes ago"; "under
0.1 s", not "0.0 s". Dates use one format: DATE_FORMAT below. Used by the configuration
tabs and the customer's "Updated …"."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

# The one date format of these pages: `30 Nov 2026, 16:09`.
DATE_FORMAT = "j M Y, H:i"


@register.filter
def ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """`just now` under a minute, else `5 minutes ago`, `1 hour, 3 minutes ago`."""
    if value is None:
        return ""
    now = now or timezone.now()
    if now - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, now)} ago"


@register.filter
def took(duration: dt.timedelta | float | None) -> str:
    """A run's length: `under 0.1 s`, `2.4 s`, `3 min 12 s`."""
    if duration is None:
        return ""
    seconds = duration.total_seconds() if isinstance(duration, dt.timedelta) else duration
    if seconds < 0.1:
        return "under 0.1 s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
