"""`{{ seconds|hours:settings.time_format }}`: hours the way the project shows them."""

from __future__ import annotations

from django import template

register = template.Library()


def format_hours(seconds: int | None, time_format: str = "decimal") -> str:
    seconds = int(seconds or 0)
    if time_format == "hours_minutes":
        minutes = round(seconds / 60)
        hours, minutes = divmod(minutes, 60)
        if hours and minutes:
            return f"{hours}h {minutes}m"
        return f"{hours}h" if hours else f"{minutes}m"
    return f"{seconds / 3600:,.2f} h"


def decimal_hours(seconds: int | None) -> str:
    """For the CSV: a plain number spreadsheets can add up."""
    return f"{int(seconds or 0) / 3600:.2f}"


register.filter("hours", format_hours)
