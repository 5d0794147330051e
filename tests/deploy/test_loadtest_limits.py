"""`make loadtest`'s knobs: LOAD_USERS, LOAD_TIME and LOAD_SPAWN_RATE, bounded and explained."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from loadtest import SIZES, LoadTestError, load_limits, load_size  # noqa: E402


def test_defaults_are_50_customers_arriving_one_a_second_for_two_minutes():
    assert load_limits({}) == (50, 120, 1.0)


@pytest.mark.parametrize(
    "environ,expected",
    [
        ({"LOAD_USERS": "100", "LOAD_TIME": "5m", "LOAD_SPAWN_RATE": "10"}, (100, 300, 10.0)),
        ({"LOAD_TIME": "90s", "LOAD_SPAWN_RATE": "0.5"}, (50, 90, 0.5)),
        ({"LOAD_USERS": "999", "LOAD_TIME": "20m"}, (200, 600, 1.0)),  # capped
        ({"LOAD_USERS": "0", "LOAD_TIME": "0", "LOAD_SPAWN_RATE": "0"}, (1, 1, 0.1)),
        ({"LOAD_USERS": "5", "LOAD_SPAWN_RATE": "99"}, (5, 120, 5.0)),  # ≤ one per customer
    ],
)
def test_values_are_kept_within_bounds(environ, expected):
    assert load_limits(environ) == expected


@pytest.mark.parametrize(
    "environ,words",
    [
        ({"LOAD_USERS": "fifty"}, "LOAD_USERS must be a whole number"),
        ({"LOAD_TIME": "1h"}, "LOAD_TIME must be seconds"),
        ({"LOAD_SPAWN_RATE": "-1"}, "LOAD_SPAWN_RATE must be customers per second"),
        ({"LOAD_SPAWN_RATE": "fast"}, "LOAD_SPAWN_RATE must be customers per second"),
    ],
)
def test_bad_values_are_refused_in_a_sentence(environ, words):
    with pytest.raises(LoadTestError, match=words):
        load_limits(environ)


def test_the_size_is_the_benchmarks_50k_unless_500k_is_asked_for():
    assert load_size({}) == "50k"
    assert load_size({"LOAD_SIZE": " 500K "}) == "500k"
    assert SIZES["500k"][0] == ["--requests", "20000", "--worklogs", "500000"]
    assert SIZES["500k"][1].name == "load-500k.json"  # the 50k figures are kept beside it


def test_an_unknown_size_is_refused_with_the_sizes_there_are():
    with pytest.raises(LoadTestError, match="LOAD_SIZE must be one of 50k, 500k, not '5m'"):
        load_size({"LOAD_SIZE": "5m"})
