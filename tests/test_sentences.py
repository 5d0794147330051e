"""Sentences built from an error's text end with a full stop before the next one starts."""

from __future__ import annotations

import pytest

from worklog_report.sentences import full_stop


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Project cannot be found in the system", "Project cannot be found in the system."),
        ("Tempo failed (500).", "Tempo failed (500)."),
        ("Is it there?", "Is it there?"),
        ("  padded  ", "padded."),
        ("", ""),
    ],
)
def test_full_stop(text, expected):
    assert full_stop(text) == expected
