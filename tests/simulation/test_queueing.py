"""One department as a multi-server queue, against queueing theory.

The department works on working days only and its effort is in working days,
while signings happen in calendar time. In working time ``W`` (the calendar's
clock, :class:`model.simulation.calendar.WorkCalendar`), the department is an ordinary
FCFS c-server queue whose service times are the drawn efforts; only the arrival
process needs care:

* Poisson signings in *calendar* time are **not** Poisson in working time:
  everything signed on a Saturday, Sunday or holiday arrives at the same W as
  Monday 00:00, a batch. This biases the wait upwards systematically. Measured
  with this file's two cases set up that way (calendar Poisson signings at
  lambda x 248 working days a year): the mean working-time wait came out 60 %
  (M/M/1) and 90 % (M/M/3) above Erlang C, 7-9 standard errors, and P(wait)
  12-23 % above; with a mean effort of 1 wd the wait bias was still 30 %. The
  shorter the efforts relative to a weekend, the worse. Widening the tolerance
  is no answer.
* Exact alternative used here: sign ``K_d ~ Poisson(r)`` projects on every
  *working* day ``d`` (a schedule the test generates) and give each a handoff
  ``Uniform(0, 1)`` calendar days, so it reaches the department uniformly
  inside its signing day. On a working day W advances one-for-one with calendar
  time, so the arrivals in W are independent Poisson(r) counts on consecutive
  unit intervals, each spread uniformly: exactly a Poisson process of rate r
  per working day. With exponential efforts, the department is then exactly
  M/M/c in working time and Erlang C applies without approximation.

Waits are measured in working time from the event log (``W(start) - W(schedule)``
of each review), not from the calendar-day ``waiting_days`` column.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import one_department_scenario, reviewer_holds
from model.simulation.draws import draw_project, signings
from model.analysis.metrics import pool_visits
from model.experiments.batch import replicate
from model.simulation.rng import Streams
from model.simulation.calendar import WorkCalendar

START = dt.date(2026, 1, 1)
#: One calendar for all W computations (it grows on demand).
CALENDAR = WorkCalendar(START, 6 * 366)


# -- textbook formulas ------------------------------------------------------------------


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a = lambda/mu < c (Erlang C)."""
    assert a < c
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


def mmc_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue Wq = C(c, a) / (c mu - lambda)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def test_erlang_c_formula_sanity() -> None:
    """The test's own formula reproduces known special cases."""
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
    assert erlang_c(1, 0.6) == pytest.approx(0.6)
    assert mmc_mean_wait(0.6, 1.0, 1) == pytest.approx(1.5)
    # M/M/2 with a = 1: C = (1/2 * 2) / (1 + 1 + 1) = 1/3; Wq = (1/3) / (2 - 1).
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mmc_mean_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)


# -- helpers ----------------------------------------------------------------------------


def working_day_schedule(rate_per_wd: float, horizon_days: int, seed: int) -> list[dict[str, Any]]:
    """Poisson(rate) signings on every working day before the horizon, none on other days."""
    rng = np.random.default_rng(seed)
    projects: list[dict[str, Any]] = []
    for day in range(horizon_days):
        if CALENDAR.is_working_day(day):
            date = (START + dt.timedelta(days=day)).isoformat()
            projects += [{"date": date, "type": "T"}] * int(rng.poisson(rate_per_wd))
    return projects


def review_times(events: pd.DataFrame, warmup_days: float = 0.0) -> pd.DataFrame:
    """One row per review (one per project here): calendar and working-time stamps.

    Rows are in queue-arrival (log) order; only projects signed on or after the
    warm-up are kept.
    """
    holds = reviewer_holds(events)
    signed = events[events["activity"] == "signed"].set_index("project_id")["time"]
    wide = holds.pivot_table(
        index="project_id", columns="lifecycle", values="time", aggfunc="first", sort=False
    )
    wide = wide.loc[holds[holds["lifecycle"] == "schedule"]["project_id"]]  # log order
    wide = wide[signed.reindex(wide.index).to_numpy() >= warmup_days]
    for column in ("schedule", "start", "complete"):
        wide[f"w_{column}"] = CALENDAR.working_time_array(wide[column].to_numpy(float))
    wide["w_wait"] = wide["w_start"] - wide["w_schedule"]
    return wide


def t_interval(values: list[float], level: float) -> tuple[float, float, float]:
    """Mean and Student-t interval of replication means."""
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


# -- M/M/c against Erlang C -----------------------------------------------------------

#: (servers c, mean effort 1/mu in working days, arrivals per working day lambda)
MMC_CASES = {
    "M/M/1 rho=0.6": (1, 0.25, 2.4),
    "M/M/3 rho=0.7": (3, 0.5, 4.2),
    # The same queue with the work given as touch hours (8-hour working days).
    "M/M/2 rho=0.65, hours": (2, 0.375, 3.4667),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(MMC_CASES))
def test_department_matches_erlang_c(case: str) -> None:
    """Mean wait, chance of waiting and utilisation agree with M/M/c theory.

    Each replication has its own schedule (its own arrival realisation) and its
    own service draws, so replication means are i.i.d. estimates of the
    stationary quantities. Tolerance: the theoretical value must lie in the 99 %
    Student-t interval over the replications. That interval reflects the actual
    run-to-run noise (waits are strongly autocorrelated within a run, so a
    per-customer standard error would be far too narrow). With 12 replications
    of ~1.9 years after a 30-day warm-up (these queues relax within days) the
    half-width was 16-21 % of Wq, 4-8 % of P(wait) and under 4 % of the
    utilisation: wide enough for a fixed seed to be robust, narrow enough to
    reject the 60-90 % weekend batching bias of the naive set-up.
    """
    c, mean_effort, lam = MMC_CASES[case]
    mu = 1 / mean_effort
    horizon, warmup, replications = 730, 30, 12
    theory_wait = mmc_mean_wait(lam, mu, c)
    theory_p_wait = erlang_c(c, lam / mu)
    theory_util = lam / (c * mu)

    waits, p_waits, utils = [], [], []
    for rep in range(replications):
        work = (
            {"work_hours": {"kind": "exponential", "mean": 8 * mean_effort}}
            if case.endswith("hours")
            else {"effort_wd": {"kind": "exponential", "mean": mean_effort}}
        )
        scenario = one_department_scenario(
            staff=c,
            **work,
            arrivals={
                "kind": "schedule",
                "projects": working_day_schedule(lam, horizon, 1000 + rep),
            },
            handoff_days={"kind": "uniform", "low": 0, "high": 1},
            horizon_days=horizon,
            warmup_days=warmup,
            seed=77,
        )
        tables = replicate(scenario, rep, seed=77)
        reviews = review_times(tables.events, warmup)
        assert len(reviews) > 0.9 * lam * CALENDAR.working_days_in(warmup, horizon)
        # Every arrival falls on a working day, strictly inside its signing day.
        days = np.floor(reviews["schedule"].to_numpy()).astype(int)
        assert all(CALENDAR.is_working_day(int(d)) for d in days)
        waits.append(float(reviews["w_wait"].mean()))
        p_waits.append(float((reviews["w_wait"] > 1e-9).mean()))
        utils.append(float(tables.resources.set_index("resource").loc["D", "utilisation"]))

    for name, observed, theory in (
        ("mean wait (wd)", waits, theory_wait),
        ("P(wait > 0)", p_waits, theory_p_wait),
        ("utilisation", utils, theory_util),
    ):
        mean, low, high = t_interval(observed, 0.99)
        assert low <= theory <= high, (
            f"{case} {name}: theory {theory:.4f}, 99% CI [{low:.4f}, {high:.4f}], mean {mean:.4f}"
        )


# -- exact sample path -----------------------------------------------------------------


def fcfs_start_times(arrivals: np.ndarray, services: np.ndarray, c: int) -> np.ndarray:
    """Kiefer-Wolfowitz: start times of an FCFS c-server queue, customers in arrival order."""
    free_at = np.zeros(c)
    starts = np.empty(len(arrivals))
    for n, (a, s) in enumerate(zip(arrivals, services, strict=True)):
        j = int(np.argmin(free_at))
        starts[n] = max(a, free_at[j])
        free_at[j] = starts[n] + s
    return starts


@pytest.mark.parametrize("staff", [1, 2, 3])
def test_department_is_fcfs_c_server_queue_in_working_time(staff: int) -> None:
    """Sample path: every review starts exactly when an FCFS c-server queue says.

    Poisson signings in calendar time (weekend batches included), a random
    handoff, and efforts taken from ``model.simulation.draws`` (not from the log): in
    working time each review must start at max(arrival, earliest free reviewer)
    and take exactly its drawn effort.
    """
    lam_wd, mean_effort = 0.8 * staff, 0.9
    scenario = one_department_scenario(
        staff=staff,
        effort_wd={"kind": "exponential", "mean": mean_effort},
        arrivals={"kind": "poisson", "rate_per_year": lam_wd * 248},
        handoff_days={"kind": "exponential", "mean": 2},
        horizon_days=240,
        seed=4242,
    )
    tables = replicate(scenario, 0, seed=4242)
    reviews = review_times(tables.events)
    streams = Streams(4242, 0)
    drawn = {
        pid: draw_project(scenario, streams, pid, kind, day).items["A"].effort_wd
        for pid, (day, kind) in enumerate(signings(scenario, streams))
    }
    assert sorted(reviews.index) == sorted(drawn)
    services = np.array([drawn[pid] for pid in reviews.index])
    expected = fcfs_start_times(reviews["w_schedule"].to_numpy(), services, staff)
    np.testing.assert_allclose(reviews["w_start"].to_numpy(), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        (reviews["w_complete"] - reviews["w_start"]).to_numpy(), services, rtol=0, atol=1e-9
    )
    assert (reviews["w_wait"] > 1e-9).mean() > 0.2  # the queue really was exercised


# -- Little's law and staffing ---------------------------------------------------------


def test_littles_law_on_resource_table() -> None:
    """L = lambda W in calendar time, for the system and for the queue.

    ``mean_in_system`` / ``mean_queue`` are time averages of the resource table;
    the arrival rate and the mean time in system come from the event log of the
    same run. Poisson signings in calendar time (Little's law needs no Poisson
    in working time). Tolerance 2 %: the two sides differ only by reviews that
    straddle the window ends, a few reviews of a few days against ~680 reviews
    over 670 days (0.15 % here); a wrong area (e.g. service only, or working
    instead of calendar days) is off by 30 % or more.
    """
    horizon, warmup = 730, 60
    scenario = one_department_scenario(
        staff=2,
        effort_wd={"kind": "exponential", "mean": 1.0},
        arrivals={"kind": "poisson", "rate_per_year": 1.5 * 248},
        horizon_days=horizon,
        warmup_days=warmup,
        seed=99,
    )
    tables = replicate(scenario, 0, seed=99)
    resource = tables.resources.set_index("resource").loc["D"]
    reviews = review_times(tables.events)
    in_window = reviews[(reviews["schedule"] >= warmup) & (reviews["schedule"] < horizon)]
    assert int(resource["arrivals"]) == len(in_window)
    rate = len(in_window) / (horizon - warmup)
    sojourn = float((in_window["complete"] - in_window["schedule"]).mean())
    wait = float((in_window["start"] - in_window["schedule"]).mean())
    assert resource["mean_in_system"] == pytest.approx(rate * sojourn, rel=0.02)
    assert resource["mean_queue"] == pytest.approx(rate * wait, rel=0.02)
    assert resource["mean_wait_days"] == pytest.approx(wait, rel=1e-9)
    # Little's law on the resource table alone, too.
    assert resource["mean_queue"] == pytest.approx(rate * resource["mean_wait_days"], rel=0.02)


def test_littles_law_per_pool_with_competing_workload() -> None:
    """L = lambda W for a case-officer pool and a sign-off pool carrying background load.

    The department's other applications share the people, so every visit to a
    pool (project files and background applications alike) counts; the arrival
    rate and mean time in system come from the pool visits of the event log.
    Tolerance 2 %, as above.
    """
    horizon, warmup = 730, 60
    scenario = one_department_scenario(
        staff=2,
        effort_wd={"kind": "exponential", "mean": 0.5},
        arrivals={"kind": "poisson", "rate_per_year": 0.8 * 248},
        horizon_days=horizon,
        warmup_days=warmup,
        seed=5,
        **{
            "departments.D.background": {
                "rate_per_year": 300,
                "hours": {"kind": "exponential", "mean": 3},
            },
            "departments.D.signoff": [{"name": "chief", "staff": 1, "hours": 1}],
        },
    )
    tables = replicate(scenario, 0, seed=5)
    visits = pool_visits(tables.events)
    resources = tables.resources.set_index("resource")
    for pool in ("D", "D/chief"):
        mine = visits[(visits["resource"] == pool) & visits["complete"].notna()]
        window = mine[(mine["schedule"] >= warmup) & (mine["schedule"] < horizon)]
        assert (window["item"] == "background").sum() > 300  # the other work is there
        row = resources.loc[pool]
        assert int(row["arrivals"]) == len(window)
        rate = len(window) / (horizon - warmup)
        sojourn = float((window["complete"] - window["schedule"]).mean())
        wait = float((window["start"] - window["schedule"]).mean())
        assert row["mean_in_system"] == pytest.approx(rate * sojourn, rel=0.02), pool
        assert row["mean_queue"] == pytest.approx(rate * wait, rel=0.02), pool


def test_more_staff_lowers_waits() -> None:
    """Same seed, more reviewers: no review waits longer, and the mean wait falls.

    With common random numbers the signings and efforts are identical, so FCFS
    with one more server can only start each review earlier (in working time).
    """
    waits = {}
    for staff in (3, 4, 5):
        scenario = one_department_scenario(
            staff=staff,
            effort_wd={"kind": "exponential", "mean": 1.0},
            arrivals={"kind": "poisson", "rate_per_year": 2.4 * 248},
            horizon_days=365,
            seed=5,
        )
        tables = replicate(scenario, 0, seed=5)
        waits[staff] = (review_times(tables.events)["w_wait"], tables)
    for fewer, more in ((3, 4), (4, 5)):
        w_fewer, t_fewer = waits[fewer]
        w_more, t_more = waits[more]
        assert w_fewer.index.tolist() == w_more.index.tolist()  # same projects, same order
        assert np.all(w_more.to_numpy() <= w_fewer.to_numpy() + 1e-9)
        assert w_more.mean() < w_fewer.mean()
        assert t_more.items["waiting_days"].mean() < t_fewer.items["waiting_days"].mean()
        assert t_more.summary["signing_to_start_days"] < t_fewer.summary["signing_to_start_days"]
