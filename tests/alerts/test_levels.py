"""Alert levels: "80, 100" and every way to get it wrong (issue 18 §1, Bad input)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alerts import sentences
from alerts.levels import crossed_levels, format_levels, parse_levels


@pytest.mark.parametrize(
    "text, levels",
    [
        ("80, 100", [80, 100]),
        ("100,80", [80, 100]),
        (" 50 %, 75%, 90 ", [50, 75, 90]),
        ("80, 100,", [80, 100]),
        ("1000", [1000]),
        ("1", [1]),
    ],
)
def test_levels_parse(text, levels):
    assert parse_levels(text) == levels


@pytest.mark.parametrize(
    "text, message",
    [
        ("0", sentences.LEVEL_ZERO),
        ("80, 1001", sentences.LEVEL_TOO_HIGH),
        ("eighty", sentences.not_a_number("eighty")),
        ("80.5", sentences.not_a_number("80.5")),
        ("-5", sentences.not_a_number("-5")),
        ("80, 80", sentences.listed_twice(80)),
        ("", sentences.ENTER_LEVELS),
        (" , ", sentences.ENTER_LEVELS),
        (", ".join(str(n) for n in range(1, 12)), sentences.TOO_MANY_LEVELS),
    ],
)
def test_levels_refuse_bad_input(text, message):
    with pytest.raises(ValidationError) as refused:
        parse_levels(text)
    assert refused.value.messages == [message]


def test_levels_say_every_problem():
    with pytest.raises(ValidationError) as refused:
        parse_levels("0, abc, 80, 80")
    assert refused.value.messages == [
        sentences.LEVEL_ZERO,
        sentences.not_a_number("abc"),
        sentences.listed_twice(80),
    ]


def test_levels_format_back():
    assert format_levels([80, 100]) == "80, 100"


@pytest.mark.parametrize(
    "used, crossed",
    [(0, []), (7_999, []), (8_000, [80]), (9_999, [80]), (10_000, [80, 100]), (50_000, [80, 100])],
)
def test_a_level_is_crossed_at_exactly_its_share(used, crossed):
    assert crossed_levels([80, 100], used, 10_000) == crossed
