"""Tests for the working-day calendar and the working-time clock W(t).

Expected values in the hand-computed tests were worked out from the published
State Council holiday notices (comments give the reasoning), not from the code.
"""

from __future__ import annotations

import datetime as dt
import math

import chinese_calendar  # type: ignore[import-untyped]
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from model.simulation.calendar import WorkCalendar, holiday_source

D = dt.date

# One shared calendar for the property tests (hypothesis dislikes function fixtures).
# Starts 2026-01-01 with a short span so the properties also exercise extension.
_CAL = WorkCalendar(D(2026, 1, 1), span_days=30)

times = st.floats(min_value=0.0, max_value=1500.0, allow_nan=False)
efforts = st.floats(min_value=0.0, max_value=400.0, allow_nan=False)


def brute_w(cal: WorkCalendar, t: float) -> float:
    """W(t) by definition, counting day by day."""
    d = math.floor(t)
    w = sum(1 for i in range(d) if cal.is_working_day(i))
    return w + (t - d if cal.is_working_day(d) else 0.0)


# -- a normal week ------------------------------------------------------------------
# Start Monday 2026-03-02: days 0-4 Mon-Fri, 5-6 Sat-Sun, 7 Monday 03-09, 8 Tuesday.
# No holidays in March 2026.


@pytest.fixture(scope="module")
def march() -> WorkCalendar:
    """Calendar starting on a Monday in a holiday-free month."""
    return WorkCalendar(D(2026, 3, 2))


def test_friday_plus_two_ends_tuesday_midnight(march: WorkCalendar) -> None:
    """Two working days from Friday 00:00 end at Tuesday 00:00."""
    assert march.add_working_days(4.0, 2.0) == 8.0
    assert march.date_of(8.0) == D(2026, 3, 10)


def test_friday_plus_one_ends_saturday_midnight(march: WorkCalendar) -> None:
    """One working day from Friday 00:00 ends at Saturday 00:00, not Monday."""
    assert march.add_working_days(4.0, 1.0) == 5.0


def test_saturday_morning_plus_one_consumes_monday(march: WorkCalendar) -> None:
    """Started Saturday 09:00, one working day takes all of Monday."""
    assert march.add_working_days(5.375, 1.0) == 8.0


def test_fractional_working_days(march: WorkCalendar) -> None:
    """Fractions of a working day are spread over its 24 hours."""
    # Friday 12:00 + 0.75: half of Friday, then a quarter of Monday -> Mon 06:00.
    assert march.add_working_days(4.5, 0.75) == pytest.approx(7.25, abs=1e-12)
    assert march.add_working_days(4.0, 1.5) == pytest.approx(7.5, abs=1e-12)
    assert march.add_working_days(0.25, 0.5) == pytest.approx(0.75, abs=1e-12)


def test_working_time_values(march: WorkCalendar) -> None:
    """W(t) by hand for a normal week."""
    assert march.working_time(0.0) == 0.0
    assert march.working_time(4.5) == 4.5
    assert march.working_time(5.375) == 5.0  # Saturday adds nothing
    assert march.working_time(7.0) == 5.0
    assert march.working_time(7.25) == 5.25
    assert march.working_days_between(4.5, 7.25) == pytest.approx(0.75, abs=1e-12)
    assert march.working_days_between(7.25, 4.5) == pytest.approx(-0.75, abs=1e-12)


def test_zero_effort_returns_start_even_on_weekend(march: WorkCalendar) -> None:
    """Zero effort returns t unchanged, even on a non-working day."""
    assert march.add_working_days(5.375, 0.0) == 5.375
    assert march.add_working_days(0, 0) == 0.0


def test_integer_times_accepted(march: WorkCalendar) -> None:
    """Integer times work and W returns a float."""
    # SimPy's env.now starts as the int 0.
    assert march.add_working_days(4, 2) == 8.0
    assert isinstance(march.working_time(3), float)


def test_day_and_date_conversion(march: WorkCalendar) -> None:
    """Day indices, dates and day counts agree."""
    assert march.start_date == D(2026, 3, 2)
    assert march.date_of(0.0) == D(2026, 3, 2)
    assert march.date_of(6.999) == D(2026, 3, 8)
    assert march.day_of(D(2026, 3, 9)) == 7
    assert march.day_of(D(2026, 3, 1)) == -1
    assert march.is_working_day(4) and not march.is_working_day(5)
    assert march.working_days_in(0, 14) == 10
    assert march.working_days_in(5, 7) == 0
    assert march.working_days_in(7, 7) == 0


# -- National Day / Mid-Autumn 2026 --------------------------------------------------
# Start Tuesday 2026-09-01, so Sep k is day k-1 and Oct k is day 29+k.
# Notice for 2026: Mid-Autumn Fri Sep 25 off; National Day Oct 1-7 off,
# make-up working days Sunday Sep 20 (day 19) and Saturday Oct 10 (day 39).


@pytest.fixture(scope="module")
def autumn() -> WorkCalendar:
    """Calendar starting 2026-09-01."""
    return WorkCalendar(D(2026, 9, 1))


def test_national_day_days(autumn: WorkCalendar) -> None:
    """Working-day flags around National Day 2026."""
    assert autumn.is_working_day(29)  # Wed Sep 30
    assert not any(autumn.is_working_day(d) for d in range(30, 37))  # Oct 1-7
    assert autumn.is_working_day(37) and autumn.is_working_day(38)  # Thu/Fri Oct 8-9
    assert autumn.is_working_day(39)  # Sat Oct 10, make-up day
    assert not autumn.is_working_day(40)  # Sun Oct 11
    assert autumn.is_working_day(19)  # Sun Sep 20, make-up day
    assert not autumn.is_working_day(24)  # Fri Sep 25, Mid-Autumn


def test_across_national_day(autumn: WorkCalendar) -> None:
    """Tasks spanning the National Day break skip Oct 1-7."""
    # Wed Sep 30 00:00 + 2: Sep 30, then Oct 8 -> ends Fri Oct 9 00:00.
    assert autumn.add_working_days(29.0, 2.0) == 38.0
    # Sep 30 12:00 + 1: half of Sep 30, half of Oct 8 -> Oct 8 12:00.
    assert autumn.add_working_days(29.5, 1.0) == pytest.approx(37.5, abs=1e-12)
    assert autumn.working_days_between(30.0, 37.0) == 0.0


def test_makeup_saturday(autumn: WorkCalendar) -> None:
    """The make-up Saturday Oct 10 2026 is worked."""
    # Fri Oct 9 + 2: Friday and make-up Saturday -> Sunday Oct 11 00:00 (not Tuesday).
    assert autumn.add_working_days(38.0, 2.0) == 40.0
    # + 3 spills over Sunday into Monday Oct 12 -> Tuesday Oct 13 00:00.
    assert autumn.add_working_days(38.0, 3.0) == 42.0


def test_makeup_sunday(autumn: WorkCalendar) -> None:
    """The make-up Sunday Sep 20 2026 is worked."""
    # Sat Sep 19 12:00 + 0.5: Saturday is off, Sunday Sep 20 is worked -> Sep 20 12:00.
    assert autumn.add_working_days(18.5, 0.5) == pytest.approx(19.5, abs=1e-12)


def test_mid_autumn(autumn: WorkCalendar) -> None:
    """Mid-Autumn Friday Sep 25 2026 is skipped."""
    # Thu Sep 24 + 1.5: Thursday, (Fri holiday, weekend), half of Mon Sep 28.
    assert autumn.add_working_days(23.0, 1.5) == pytest.approx(27.5, abs=1e-12)


def test_month_counts(autumn: WorkCalendar) -> None:
    """Working days in September and October 2026."""
    # September: 22 weekdays + Sun 20 - Fri 25 = 22.
    assert autumn.working_days_in(0, 30) == 22
    # October: 22 weekdays - (1, 2, 5, 6, 7) + Sat 10 = 18.
    assert autumn.working_days_in(30, 61) == 18
    assert autumn.working_time(61.0) == 40.0


# -- Spring Festival 2026 ------------------------------------------------------------
# Start Sunday 2026-02-01, so Feb k is day k-1. Feb 15-23 off (days 14-22);
# make-up working days Saturday Feb 14 (day 13) and Saturday Feb 28 (day 27).


@pytest.fixture(scope="module")
def spring() -> WorkCalendar:
    """Calendar starting 2026-02-01."""
    return WorkCalendar(D(2026, 2, 1))


def test_spring_festival_days(spring: WorkCalendar) -> None:
    """Working-day flags around Spring Festival 2026."""
    assert spring.is_working_day(13)
    assert not any(spring.is_working_day(d) for d in range(14, 23))
    assert spring.is_working_day(23)  # Tue Feb 24
    assert spring.is_working_day(27)  # Sat Feb 28
    assert not spring.is_working_day(28)  # Sun Mar 1


def test_across_spring_festival(spring: WorkCalendar) -> None:
    """Tasks spanning Spring Festival 2026 use the make-up Saturday."""
    # Fri Feb 13 + 3: Fri 13, Sat 14, Tue 24 -> Wed Feb 25 00:00.
    assert spring.add_working_days(12.0, 3.0) == 24.0
    # Fri Feb 13 + 2 ends at the end of the make-up Saturday.
    assert spring.add_working_days(12.0, 2.0) == 14.0
    # Sat Feb 14 12:00 + 1: half of Feb 14, half of Feb 24.
    assert spring.add_working_days(13.5, 1.0) == pytest.approx(23.5, abs=1e-12)
    # Feb 2-6, 9-13, 14 = 11 working days before the festival; none during it.
    assert spring.working_time(14.0) == 11.0
    assert spring.working_time(23.0) == 11.0
    assert spring.working_days_between(14.0, 23.0) == 0.0


# -- projected years -------------------------------------------------------------------


def test_holiday_source() -> None:
    """Covered years come from chinese_calendar, others are projected."""
    assert holiday_source(2026) == "chinese_calendar"
    assert holiday_source(2004) == "chinese_calendar"
    assert holiday_source(2027) == "projected (holidays package, no make-up days)"
    assert holiday_source(2003) == "projected (holidays package, no make-up days)"


def test_projected_2027_spring_festival() -> None:
    """Spring Festival 2027 is projected as non-working."""
    cal = WorkCalendar(D(2026, 1, 1))  # the default span reaches into 2027
    assert 2027 in cal.projected_years
    assert 2026 not in cal.projected_years
    assert list(cal.projected_years) == sorted(cal.projected_years)
    for day in (6, 7, 8):  # Sat, Sun, and Monday 2027-02-08 off only as a holiday
        assert not cal.is_working_day(cal.day_of(D(2027, 2, day)))
    assert cal.is_working_day(cal.day_of(D(2027, 2, 1)))  # an ordinary Monday
    assert cal.is_working_day(cal.day_of(D(2027, 2, 11)))  # Thursday after the break
    assert not cal.is_working_day(cal.day_of(D(2027, 10, 1)))  # National Day


def test_projected_year_has_no_makeup_days() -> None:
    """Projected years have no make-up weekend days."""
    cal = WorkCalendar(D(2027, 1, 1), span_days=365)
    assert cal.projected_years == (2027,)
    weekend = [d for d in range(365) if cal.date_of(d).weekday() >= 5]
    assert not any(cal.is_working_day(d) for d in weekend)
    # Fewer working days than weekdays, but not absurdly fewer.
    assert 240 <= cal.working_days_in(0, 365) < 261


def test_projected_years_grow_with_extension() -> None:
    """Extension into a new year records it as projected."""
    cal = WorkCalendar(D(2026, 1, 1), span_days=10)
    assert 2027 not in cal.projected_years
    cal.is_working_day(cal.day_of(D(2027, 3, 1)))
    assert cal.projected_years == (2027,)


# -- closures -------------------------------------------------------------------------


def test_closure_is_non_working() -> None:
    """A closed Wednesday is skipped."""
    open_cal = WorkCalendar(D(2026, 3, 2))
    closed = WorkCalendar(D(2026, 3, 2), closures=[D(2026, 3, 4)])  # Wednesday
    assert open_cal.add_working_days(0.0, 3.0) == 3.0  # Mon-Wed -> Thu 00:00
    assert closed.add_working_days(0.0, 3.0) == 4.0  # Mon, Tue, Thu -> Fri 00:00
    assert not closed.is_working_day(2)
    assert closed.working_days_in(0, 5) == 4


def test_closures_ignored_outside_and_applied_after_extension() -> None:
    """Closures outside the span are harmless; later ones apply on extension."""
    closures = [D(2026, 2, 27), D(2026, 3, 7), D(2026, 6, 1)]  # before start, Saturday, later
    cal = WorkCalendar(D(2026, 3, 2), span_days=5, closures=closures)
    assert cal.working_days_in(0, 7) == 5
    assert not cal.is_working_day(cal.day_of(D(2026, 6, 1)))  # a Monday, beyond span
    assert cal.is_working_day(cal.day_of(D(2026, 6, 2)))


# -- errors and extension ----------------------------------------------------------------


def test_negative_and_non_finite_rejected() -> None:
    """Negative or non-finite times and efforts raise ValueError."""
    cal = WorkCalendar(D(2026, 3, 2), span_days=10)
    for bad in (-0.1, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError):
            cal.working_time(bad)
        with pytest.raises(ValueError):
            cal.add_working_days(bad, 1.0)
    for bad_wd in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError):
            cal.add_working_days(1.0, bad_wd)
    with pytest.raises(ValueError):
        cal.add_working_days(-1.0, 0.0)
    with pytest.raises(ValueError):
        cal.is_working_day(-1)
    with pytest.raises(ValueError):
        cal.date_of(-0.5)
    with pytest.raises(ValueError):
        cal.working_time_array(np.array([1.0, -2.0]))
    with pytest.raises(ValueError):
        WorkCalendar(D(2026, 3, 2), span_days=0)


def test_auto_extension_matches_large_calendar() -> None:
    """A calendar grown on demand equals one built large."""
    small = WorkCalendar(D(2026, 1, 1), span_days=1)
    large = WorkCalendar(D(2026, 1, 1), span_days=3000)
    assert small.add_working_days(0.0, 500.0) == large.add_working_days(0.0, 500.0)
    assert small.working_time(2500.3) == large.working_time(2500.3)
    assert small.is_working_day(2999) == large.is_working_day(2999)
    assert small.working_days_in(0, 3000) == large.working_days_in(0, 3000)
    assert small.span_days >= 3000


def test_matches_chinese_calendar_on_every_covered_day() -> None:
    """Every day 2004-2026 agrees with chinese_calendar.is_workday."""
    cal = WorkCalendar(D(2004, 1, 1), span_days=(D(2027, 1, 1) - D(2004, 1, 1)).days)
    assert cal.projected_years == ()
    mismatches = [
        cal.date_of(d)
        for d in range(cal.span_days)
        if cal.is_working_day(d) != chinese_calendar.is_workday(cal.date_of(d))
    ]
    assert mismatches == []


# -- properties ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(t=times, wd=efforts)
def test_inverse_and_earliest(t: float, wd: float) -> None:
    """add_working_days inverts W and returns the earliest such time."""
    end = _CAL.add_working_days(t, wd)
    assert end >= t
    assert _CAL.working_time(end) == pytest.approx(_CAL.working_time(t) + wd, abs=1e-9)
    if end > t and not _CAL.is_working_day(math.ceil(end) - 1):
        # Earliest means the end lies inside (or at the close of) a working day, as
        # W rises only there. The sole exception is rounding: a tiny remainder
        # added to the midnight starting a working day rounds back to it.
        assert end == math.floor(end) and _CAL.is_working_day(int(end))
        assert _CAL.working_time(end) < _CAL.working_time(t) + wd


@settings(max_examples=100, deadline=None)
@given(t=times)
def test_working_time_matches_definition(t: float) -> None:
    """W equals its day-by-day definition."""
    assert _CAL.working_time(t) == pytest.approx(brute_w(_CAL, t), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(a=times, b=times, wd=efforts, wd2=efforts)
def test_monotone(a: float, b: float, wd: float, wd2: float) -> None:
    """W and add_working_days are non-decreasing in their arguments."""
    t0, t1 = sorted((a, b))
    w0, w1 = sorted((wd, wd2))
    assert _CAL.working_time(t0) <= _CAL.working_time(t1)
    assert _CAL.add_working_days(t0, wd) <= _CAL.add_working_days(t1, wd)
    assert _CAL.add_working_days(t0, w0) <= _CAL.add_working_days(t0, w1)
    assert _CAL.working_days_between(t0, t1) >= 0.0


@settings(max_examples=100, deadline=None)
@given(t=times, a=efforts, b=efforts)
def test_composition(t: float, a: float, b: float) -> None:
    """Adding a then b working days equals adding a + b."""
    two_steps = _CAL.add_working_days(_CAL.add_working_days(t, a), b)
    assume(a + b > 0)
    assert two_steps == pytest.approx(_CAL.add_working_days(t, a + b), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(first=st.integers(0, 1200), length=st.integers(0, 400))
def test_working_days_in_counts(first: int, length: int) -> None:
    """working_days_in counts working-day flags."""
    expected = sum(_CAL.is_working_day(d) for d in range(first, first + length))
    assert _CAL.working_days_in(first, first + length) == expected


@settings(max_examples=50, deadline=None)
@given(ts=st.lists(st.one_of(times, st.just(math.nan)), max_size=30))
def test_vectorised_equals_scalar(ts: list[float]) -> None:
    """The array version equals the scalar one, NaN kept."""
    cal = WorkCalendar(D(2026, 1, 1), span_days=5)  # forces the array path to extend
    got = cal.working_time_array(np.array(ts, dtype=np.float64))
    want = np.array([math.nan if math.isnan(t) else cal.working_time(t) for t in ts])
    np.testing.assert_array_equal(got, want)


def test_vectorised_keeps_shape_and_nan() -> None:
    """The array version keeps shape and NaN."""
    cal = WorkCalendar(D(2026, 3, 2))
    got = cal.working_time_array(np.array([[4.5, math.nan], [5.375, 7.25]]))
    np.testing.assert_array_equal(got, np.array([[4.5, math.nan], [5.0, 5.25]]))
