"""The run-out forecast (docs/product.md §5.2): hand-computed cases of portal/forecast.py.

Calendar of the cases: December 2026 starts on a Tuesday, so Wed 2 Dec's last 10 working
days are Tue 1 Dec, Mon 30, Fri 27, Thu 26, Wed 25, Tue 24, Mon 23, Fri 20, Thu 19, Wed 18
Nov; Sat 5 and Sun 6 Dec are the first weekend ahead.
"""

from __future__ import annotations

import datetime as dt

from portal import contract_sentences as sentences
from portal.forecast import ENOUGH, RUNS_OUT, UNKNOWN, Forecast, pace_days, run_out_forecast

H = 3600
WED_2_DEC = dt.date(2026, 12, 2)
DEC_31 = dt.date(2026, 12, 31)


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def hours(**by_day: float) -> dict[dt.date, int]:
    """hours(nov30=8, dec1=2) -> seconds per day of 2026."""
    months = {"nov": 11, "dec": 12}
    return {d(months[k[:3]], int(k[3:])): int(h * H) for k, h in by_day.items()}


# 8 h on five of the last 10 working days before Wed 2 Dec: 40 h ÷ 10 = 4 h a working day.
FOUR_H_A_DAY = hours(nov30=8, nov27=8, nov26=8, nov25=8, nov24=8)


def test_pace_days_are_the_last_ten_working_days_before_today():
    assert pace_days(WED_2_DEC) == [
        d(12, 1), d(11, 30), d(11, 27), d(11, 26), d(11, 25),
        d(11, 24), d(11, 23), d(11, 20), d(11, 19), d(11, 18),
    ]  # fmt: skip


def test_runs_out_counting_working_days_from_today():
    # 20 h ÷ 4 h = 5 working days: Wed 2, Thu 3, Fri 4, (weekend) Mon 7, Tue 8 Dec.
    forecast = run_out_forecast(20 * H, FOUR_H_A_DAY, WED_2_DEC, DEC_31)
    assert forecast == Forecast(RUNS_OUT, d(12, 8), pace_seconds=4 * H)


def test_a_part_of_a_day_needs_the_whole_day():
    # 21 h ÷ 4 h = 5.25: the 6th working day, Wed 9 Dec.
    assert run_out_forecast(21 * H, FOUR_H_A_DAY, WED_2_DEC, DEC_31).date == d(12, 9)


def test_a_slow_pace_is_not_rounded():
    # 1 h on three days: 3 h ÷ 10 = 0.3 h a day; 1 h ÷ 0.3 h = 3.33, so the 4th working day:
    # Wed 2, Thu 3, Fri 4, Mon 7 Dec.
    forecast = run_out_forecast(1 * H, hours(dec1=1, nov30=1, nov18=1), WED_2_DEC, DEC_31)
    assert forecast == Forecast(RUNS_OUT, d(12, 7), pace_seconds=1080)


def test_weekend_hours_and_today_do_not_make_the_pace():
    # Sat 28 Nov is no working day and today (Wed 2 Dec) is not over: still 4 h a day.
    used = {**FOUR_H_A_DAY, **hours(nov28=20, dec2=10)}
    forecast = run_out_forecast(20 * H, used, WED_2_DEC, DEC_31)
    assert forecast == Forecast(RUNS_OUT, d(12, 8), pace_seconds=4 * H)


def test_on_a_weekend_the_count_starts_on_monday():
    # Sat 5 Dec: the last 10 working days are Fri 4 Dec back to Mon 23 Nov. 10 h on Fri 4,
    # Thu 3 and Wed 2: 30 h ÷ 10 = 3 h a day; 7 h ÷ 3 h = 2.33, so the 3rd working day:
    # Mon 7, Tue 8, Wed 9 Dec.
    used = hours(dec4=10, dec3=10, dec2=10)
    forecast = run_out_forecast(7 * H, used, d(12, 5), DEC_31)
    assert forecast == Forecast(RUNS_OUT, d(12, 9), pace_seconds=3 * H)


def test_running_out_on_the_last_day_of_the_window():
    # 20 h at 4 h a day run out on Tue 8 Dec, the window's last day: that is still running out.
    forecast = run_out_forecast(20 * H, FOUR_H_A_DAY, WED_2_DEC, d(12, 8))
    assert forecast == Forecast(RUNS_OUT, d(12, 8), pace_seconds=4 * H)


def test_running_out_after_the_window_is_enough():
    # One second more than 20 h needs a 6th working day, Wed 9 Dec: after the window.
    forecast = run_out_forecast(20 * H + 1, FOUR_H_A_DAY, WED_2_DEC, d(12, 8))
    assert forecast == Forecast(ENOUGH, None, pace_seconds=4 * H)
    # A fixed contract ending Fri 4 Dec: Wed, Thu, Fri use 12 h of 20 h.
    assert run_out_forecast(20 * H, FOUR_H_A_DAY, WED_2_DEC, d(12, 4)).kind == ENOUGH


def test_a_window_ending_on_a_weekend_ahead_is_enough():
    # Sat 5 Dec, a window ending Sun 6 Dec: no working day left to spend 1 h on.
    used = hours(dec4=10, dec3=10, dec2=10)
    assert run_out_forecast(1 * H, used, d(12, 5), d(12, 6)).kind == ENOUGH


def test_fewer_than_three_days_with_hours_is_too_little_to_say():
    # 20 h on each of two days (a pace of 4 h a day) is not enough data.
    assert run_out_forecast(20 * H, hours(dec1=20, nov30=20), WED_2_DEC, DEC_31).kind == UNKNOWN
    # Three days are: 10 + 10 + 20 = 40 h ÷ 10 = 4 h a day, Tue 8 Dec as above.
    used = hours(dec1=10, nov30=10, nov18=20)
    assert run_out_forecast(20 * H, used, WED_2_DEC, DEC_31).date == d(12, 8)


def test_days_outside_the_pace_do_not_count_as_data():
    # Today (Wed 2 Dec), Tue 17 Nov (the 11th working day back) and Sun 29 Nov have hours,
    # but only Tue 1 Dec and Mon 30 Nov of the last 10 working days do: too little.
    used = hours(dec2=8, nov17=8, nov29=8, dec1=8, nov30=8)
    assert run_out_forecast(20 * H, used, WED_2_DEC, DEC_31).kind == UNKNOWN


def test_no_hours_no_pace():
    assert run_out_forecast(20 * H, {}, WED_2_DEC, DEC_31).kind == UNKNOWN


def test_nothing_left_or_an_overrun_says_nothing_new():
    assert run_out_forecast(0, FOUR_H_A_DAY, WED_2_DEC, DEC_31).kind == UNKNOWN
    assert run_out_forecast(-3 * H, FOUR_H_A_DAY, WED_2_DEC, DEC_31).kind == UNKNOWN


def test_a_window_that_has_ended_says_nothing():
    assert run_out_forecast(20 * H, FOUR_H_A_DAY, WED_2_DEC, d(12, 1)).kind == UNKNOWN


def test_the_number_of_working_days_is_a_parameter():
    # The last 5: Tue 1 Dec, Mon 30, Fri 27, Thu 26, Wed 25 Nov. 8 h on four of them
    # (Tue 24 Nov is out): 32 h ÷ 5 = 6.4 h a day; 20 h ÷ 6.4 h = 3.125, so the 4th working
    # day: Wed 2, Thu 3, Fri 4, Mon 7 Dec.
    forecast = run_out_forecast(20 * H, FOUR_H_A_DAY, WED_2_DEC, DEC_31, working_days=5)
    assert forecast == Forecast(RUNS_OUT, d(12, 7), pace_seconds=int(6.4 * H), working_days=5)


# -- The sentences ------------------------------------------------------------------------


def test_sentences_of_a_run_out_this_year_and_next():
    forecast = Forecast(RUNS_OUT, d(12, 23), pace_seconds=9000)
    assert sentences.run_out(forecast, WED_2_DEC) == "At this pace the hours run out on 23 Dec."
    # Wed 30 Dec with 4 h a day and 20 h left: Wed 30, Thu 31, Fri 1, Mon 4, Tue 5 Jan 2027.
    used = hours(dec29=8, dec28=8, dec24=8, dec23=8, dec22=8)
    forecast = run_out_forecast(20 * H, used, d(12, 30), d(1, 31, 2027))
    assert sentences.run_out(forecast, d(12, 30)) == "At this pace the hours run out on 5 Jan 2027."


def test_sentences_of_enough_and_of_nothing_to_say():
    enough = Forecast(ENOUGH, None, pace_seconds=9000)
    assert sentences.run_out(enough, WED_2_DEC) == "Enough for this period at this pace."
    assert sentences.run_out(Forecast(UNKNOWN), WED_2_DEC) == ""
    assert sentences.pace(Forecast(UNKNOWN), "decimal") == ""


def test_the_pace_in_the_projects_time_format():
    forecast = Forecast(RUNS_OUT, d(12, 23), pace_seconds=9000)
    assert sentences.pace(forecast, "decimal") == (
        "Pace: 2.50 h a working day over the last 10 working days."
    )
    assert sentences.pace(forecast, "hours_minutes") == (
        "Pace: 2h 30m a working day over the last 10 working days."
    )
