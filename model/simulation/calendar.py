"""The departments' working-day calendar and the working-time clock W(t).

The simulation clock counts calendar days (floats) since ``start_date`` 00:00, so
day index ``d`` covers ``[d, d + 1)``. Departments only work on working days:
Monday to Friday, minus Chinese public holidays, plus the make-up working days
(调休) announced each year, minus any scenario-given ``closures``.

Working time ``W(t)`` spreads each working day's one unit uniformly over its
24 hours, and non-working days add nothing::

    W(t) = #{working days d < floor(t)} + (frac(t) if floor(t) is working else 0)

Holidays for the years the maintained ``chinese_calendar`` package covers come
from it. Later (or earlier) years are projected by rule with the ``holidays``
package, which computes the lunar holidays but cannot know the make-up days the
State Council has not yet announced; such years are listed in
:attr:`WorkCalendar.projected_years` so a run can report it.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate

import chinese_calendar
import numpy as np
import numpy.typing as npt

__all__ = ["WorkCalendar", "holiday_source"]

SOURCE_PACKAGE = "chinese_calendar"
SOURCE_PROJECTED = "projected (holidays package, no make-up days)"

# Day indices past this would overflow datetime.date; also keeps inf/huge t out.
_MAX_DATE = dt.date.max
_INF = math.inf  # a module global is one lookup cheaper on the hot path


@functools.cache
def _year_table(year: int) -> tuple[tuple[bool, ...], bool]:
    """Working-day flags of every day of ``year`` and whether they were projected.

    Deterministic, so cached for the whole process: calendars built for many
    replications share the tables.

    Args:
        year: Gregorian year.

    Returns:
        ``(flags, projected)`` where ``flags[i]`` is True if January 1 + i days is a
        working day, and ``projected`` is True if the year is not covered by
        ``chinese_calendar`` and was projected by rule.

    """
    first = dt.date(year, 1, 1)
    n_days = (dt.date(year + 1, 1, 1) - first).days if year < _MAX_DATE.year else 365
    dates = [first + dt.timedelta(days=i) for i in range(n_days)]
    try:
        # is_workday validates the year (raises for uncovered years), but costs
        # ~40 us a call because it rescans its tables, so it is called only to
        # check coverage; the days are classified with the package's exported
        # tables by the same rule as is_workday (a test checks they agree on
        # every covered day).
        chinese_calendar.is_workday(first)
        chinese_calendar.is_workday(dates[-1])
    except NotImplementedError:
        return _projected_flags(year, dates), True
    makeup = chinese_calendar.workdays
    off = chinese_calendar.holidays
    return (
        tuple(d in makeup or (d.weekday() < 5 and d not in off) for d in dates),
        False,
    )


def _projected_flags(year: int, dates: list[dt.date]) -> tuple[bool, ...]:
    """Working-day flags projected by rule: weekdays that are not statutory holidays."""
    # Imported lazily: loading the holidays package costs ~0.2 s (it imports
    # every country) and is needed only for years chinese_calendar lacks.
    import holidays

    off = holidays.country_holidays("CN", years=year)  # = holidays.China, typed
    return tuple(d.weekday() < 5 and d not in off for d in dates)


def holiday_source(year: int) -> str:
    """Say where the holidays of ``year`` come from.

    Args:
        year: Gregorian year.

    Returns:
        ``"chinese_calendar"`` for years the maintained package covers, otherwise
        ``"projected (holidays package, no make-up days)"``.

    """
    return SOURCE_PROJECTED if _year_table(year)[1] else SOURCE_PACKAGE


class WorkCalendar:
    """Working-day calendar from ``start_date`` with the working-time clock W(t).

    Precomputes, per day index, whether the day is working and the cumulative
    count of working days before it, so W and its inverse are O(log n) without
    day-by-day loops. The tables grow automatically (at least doubling) when a
    time beyond the current span is asked for.

    Attributes:
        start_date: The date of day index 0 (t = 0 is its midnight).

    """

    __slots__ = (
        "_closures",
        "_cum",
        "_k",
        "_n",
        "_np_cache",
        "_table_start",
        "_work",
        "_years",
        "start_date",
    )

    def __init__(
        self,
        start_date: dt.date,
        span_days: int = 3 * 366,
        closures: Iterable[dt.date] = (),
        history_days: int = 0,
    ) -> None:
        """Build the calendar.

        Args:
            start_date: The date of day index 0.
            span_days: Days to precompute up front; later days are added on demand.
            closures: Extra non-working dates (e.g. a county-wide office closure).
            history_days: Days before ``start_date`` the calendar also covers, as
                negative times (for projects already in progress at the start).

        Raises:
            ValueError: If ``span_days`` is not positive.

        """
        if isinstance(start_date, dt.datetime):
            # A datetime would make date arithmetic silently carry a time of day.
            start_date = start_date.date()
        if span_days < 1:
            raise ValueError(f"span_days must be positive, got {span_days}")
        self.start_date: dt.date = start_date
        # Internally day 0 of the tables is ``history_days`` before t = 0; W is
        # then measured from the tables' start, which only shifts it by a constant.
        self._k = int(history_days)
        self._table_start = start_date - dt.timedelta(days=self._k)
        self._closures: frozenset[dt.date] = frozenset(closures)
        self._work: list[bool] = []
        # _cum[d] = working days with index < d, as floats so W is float arithmetic.
        self._cum: list[float] = [0.0]
        self._n = 0
        self._years: set[int] = set()
        self._np_cache: tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]] | None = None
        self._extend_to(span_days + self._k)

    # -- construction -------------------------------------------------------------

    def _extend_to(self, n_days: int) -> None:
        """Grow the tables to cover at least day indices ``[0, n_days)``."""
        if n_days <= self._n:
            return
        max_days = (_MAX_DATE - self._table_start).days + 1
        if n_days > max_days:
            raise ValueError(
                f"time beyond {_MAX_DATE.isoformat()} requested from a calendar "
                f"starting {self._table_start.isoformat()}"
            )
        # Doubling keeps repeated small overruns amortised O(1) per day.
        n_new = min(max(n_days, 2 * self._n), max_days)
        first = self._table_start + dt.timedelta(days=self._n)
        last = self._table_start + dt.timedelta(days=n_new - 1)
        flags: list[bool] = []
        for year in range(first.year, last.year + 1):
            table, _ = _year_table(year)
            self._years.add(year)
            lo = (first - dt.date(year, 1, 1)).days if year == first.year else 0
            hi = (last - dt.date(year, 1, 1)).days + 1 if year == last.year else len(table)
            flags.extend(table[lo:hi])
        base = self._n
        for closed in self._closures:
            i = (closed - self._table_start).days - base
            if 0 <= i < len(flags):
                flags[i] = False
        self._work.extend(flags)
        running = accumulate(map(float, flags), initial=self._cum[-1])
        next(running)  # the initial value is already the last entry
        self._cum.extend(running)
        self._n = n_new
        self._np_cache = None

    def _extend_to_working(self, target: float) -> None:
        """Grow the tables until they hold at least ``target`` working days."""
        while self._cum[-1] < target:
            self._extend_to(2 * self._n)

    # -- properties -------------------------------------------------------------------

    @property
    def projected_years(self) -> tuple[int, ...]:
        """Years covered so far whose holidays were projected by rule (sorted)."""
        return tuple(sorted(y for y in self._years if _year_table(y)[1]))

    @property
    def span_days(self) -> int:
        """Number of day indices currently precomputed (grows on demand)."""
        return self._n

    # -- day/date conversion -----------------------------------------------------------

    def date_of(self, t: float) -> dt.date:
        """Return the calendar date at time ``t`` (``start_date + floor(t)`` days).

        Raises:
            ValueError: If ``t`` is negative or not finite.

        """
        if not -self._k <= t < _INF:
            raise ValueError(f"time must be finite and >= {-self._k}, got {t!r}")
        return self.start_date + dt.timedelta(days=math.floor(t))

    def day_of(self, date: dt.date) -> int:
        """Return the day index of ``date`` (negative for dates before ``start_date``)."""
        return (date - self.start_date).days

    def is_working_day(self, day: int) -> bool:
        """Say whether day index ``day`` is a working day.

        Raises:
            ValueError: If ``day`` is negative.

        """
        day += self._k
        if day < 0:
            raise ValueError(f"day index must be >= {-self._k}, got {day - self._k}")
        if day >= self._n:
            self._extend_to(day + 1)
        return self._work[day]

    def next_sitting(self, t: float, every: str, weekday: int = 3, day: int = 15) -> float:
        """The start of the first meeting day after time ``t``.

        A weekly meeting sits on ``weekday`` (1 = Monday), a monthly one on ``day``
        of the month; a sitting that falls on a non-working day moves to the next
        working day. Files ready at ``t`` wait for a sitting strictly after ``t``.
        """
        date = self.date_of(max(t, 0.0))
        while True:
            if every == "week":
                candidate = date + dt.timedelta(days=(weekday - date.isoweekday()) % 7)
                following = candidate + dt.timedelta(days=7)
            else:
                candidate = date.replace(day=day)
                month = candidate.month % 12 + 1
                year = candidate.year + (candidate.month == 12)
                following = candidate.replace(year=year, month=month)
            sitting = self.day_of(candidate)
            if sitting >= -self._k:  # a sitting before the calendar's history is past anyway
                while not self.is_working_day(sitting):
                    sitting += 1
                if sitting > t:
                    return float(sitting)
            date = following

    def working_days_in(self, first_day: int, last_day: int) -> int:
        """Count working days with index in ``[first_day, last_day)`` (0 if empty).

        Raises:
            ValueError: If ``first_day`` is negative.

        """
        first_day += self._k
        last_day += self._k
        if first_day < 0:
            raise ValueError(f"day index must be >= {-self._k}, got {first_day - self._k}")
        if last_day <= first_day:
            return 0
        if last_day > self._n:
            self._extend_to(last_day)
        return int(self._cum[last_day] - self._cum[first_day])

    # -- working time (hot path: keep pure-Python scalar arithmetic) ----------------

    def working_time(self, t: float) -> float:
        """Return W(t), the working days elapsed from t = 0 to time ``t``.

        Raises:
            ValueError: If ``t`` is negative or not finite.

        """
        t += self._k
        if not 0.0 <= t < _INF:
            raise ValueError(f"time must be finite and >= {-self._k}, got {t - self._k!r}")
        d = int(t)
        if d >= self._n:
            self._extend_to(d + 1)
        if self._work[d]:
            # t - d is exact in binary floating point (Sterbenz), so no drift.
            return self._cum[d] + (t - d)
        return self._cum[d]

    def working_days_between(self, t0: float, t1: float) -> float:
        """Return W(t1) - W(t0) (negative if ``t1 < t0``).

        Raises:
            ValueError: If either time is negative or not finite.

        """
        return self.working_time(t1) - self.working_time(t0)

    def add_working_days(self, t: float, wd: float) -> float:
        """Return the earliest time t' >= t with W(t') = W(t) + wd.

        A task needing ``wd`` working days that starts at ``t`` ends at the
        returned time; e.g. one working day started Friday 00:00 ends Saturday
        00:00, and started Saturday 09:00 it ends Tuesday 00:00.

        Args:
            t: Start time, calendar days since ``start_date`` 00:00.
            wd: Working days of effort, fractional allowed.

        Returns:
            The completion time; ``t`` itself when ``wd`` is 0.

        Raises:
            ValueError: If ``t`` or ``wd`` is negative or not finite.

        """
        if not 0.0 <= wd < _INF:
            raise ValueError(f"working days must be finite and >= 0, got {wd!r}")
        # W(t) inlined (same as working_time): this is the simulation's hot path.
        k = self._k
        t += k
        if not 0.0 <= t < _INF:
            raise ValueError(f"time must be finite and >= {-k}, got {t - k!r}")
        d = int(t)
        if d >= self._n:
            self._extend_to(d + 1)
        cum = self._cum
        if wd == 0:
            return float(t - k)
        target = cum[d] + (t - d) + wd if self._work[d] else cum[d] + wd
        if target > cum[-1]:
            self._extend_to_working(target)
            cum = self._cum
        # First j with cum[j] >= target; day j - 1 is then working and contains
        # (or, for an integral target, ends at) the completion time.
        d = bisect_left(cum, target) - 1
        end = d + (target - cum[d])
        # Rounding of W(t) + tiny wd could land before t inside a non-working day.
        return (end if end > t else float(t)) - k

    # -- vectorised ----------------------------------------------------------------

    def working_time_array(self, t: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Return W elementwise for an array of times; NaN entries stay NaN.

        Raises:
            ValueError: If a non-NaN entry is negative or infinite.

        """
        ta = np.asarray(t, dtype=np.float64) + self._k
        ok = ~np.isnan(ta)
        valid = ta[ok]
        if valid.size and not (np.all(valid >= 0.0) and np.all(np.isfinite(valid))):
            raise ValueError("times must be finite and >= 0 (NaN allowed)")
        if valid.size:
            self._extend_to(int(valid.max()) + 1)
        work, cum = self._arrays()
        out = np.full(ta.shape, np.nan)
        d = valid.astype(np.intp)
        out[ok] = cum[d] + np.where(work[d], valid - d, 0.0)
        return out

    def _arrays(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        """Numpy copies of the tables, rebuilt only after the calendar grew."""
        if self._np_cache is None:
            self._np_cache = (
                np.array(self._work, dtype=np.bool_),
                np.array(self._cum, dtype=np.float64),
            )
        return self._np_cache

    def __repr__(self) -> str:
        """Short description with span and projected years."""
        return (
            f"WorkCalendar(start_date={self.start_date.isoformat()}, span_days={self._n}, "
            f"closures={len(self._closures)}, projected_years={self.projected_years})"
        )
