"""The schedule form of the Tempo backup tab."""

from __future__ import annotations

from django import forms

from . import sentences

OFF = ""
HOURS = [(OFF, "Off")] + [(str(hour), f"Every day at {hour:02d}:00") for hour in range(24)]


class ScheduleForm(forms.Form):
    hour = forms.TypedChoiceField(
        label="Scheduled backup",
        choices=HOURS,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": sentences.SCHEDULE_INVALID},
    )
