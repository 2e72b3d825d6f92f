"""Calibration from approval records: fit item durations and deficiency rates.

Input is an event log in the CSV form of :mod:`model.outputs.event_logs` (what
``approvalsim run --event-log csv`` writes, or a county's own records put in
the same columns):

* ``case_id`` - one approval case (a project);
* ``item`` and ``event`` - the approval item and what happened (``review``,
  ``returned``, ``intermediary``, ``preparation``, ``elapsed``, ...); when they
  are missing they are read from ``activity`` as ``"<event> <item>"``;
* ``lifecycle`` - ``schedule``, ``start`` or ``complete`` (default ``complete``);
* ``timestamp`` - ISO 8601 date-time (with offset; taken as China time if none).

What is fitted, per item:

* ``effort_wd``: first-round review, start to complete, in working days on
  the Chinese working-day calendar (:class:`model.simulation.calendar.WorkCalendar`);
* ``intermediary_days``, ``preparation_days``, ``elapsed_days``: start to complete
  of ``intermediary``, ``preparation`` and ``elapsed`` events, calendar days (the
  intermediary's time and the enterprise's own preparation are fitted apart, as
  the scenario holds them apart);
* ``fix_days``: a ``returned`` event to the next review submission, calendar days;
* ``deficiency_probability``: first reviews followed by ``returned`` over first
  reviews completed; ``resubmission_deficiency_probability`` likewise for later
  rounds; ``rework_effort_fraction``: mean later-round effort over mean
  first-round effort.

A duration that started but had not ended when the log ends is *censored*: it
lasted at least until the end of the log. Dropping such cases would bias every
estimate down (the long ones are the ones still open), so the likelihood uses
the density for complete durations and the survival function for censored ones.

Family choice: every supported family (fixed, uniform, triangular,
exponential, lognormal, gamma) is fitted by maximum likelihood and the one
with the smallest AIC = 2k - 2 log L wins (k = number of parameters). A sample
whose values are all equal is ``fixed``. With fewer than ``min_n`` complete
observations, or with at most :data:`MAX_DISCRETE_VALUES` distinct values
(a discrete law: whole days, a table of efforts), no family is fitted and the
observed values become an ``empirical`` distribution. The fit quality (n,
censored, AIC of the winner and the runner-up, Kolmogorov-Smirnov p-value on
the complete observations - optimistic, as the parameters were estimated from
the same data) goes into the ``source:`` note of each fitted value.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml
from scipy import optimize, special, stats

from model.files import write_atomic
from model.simulation.calendar import WorkCalendar

Array = npt.NDArray[np.float64]

#: Families compared by AIC, with their number of parameters.
FAMILIES: dict[str, int] = {
    "uniform": 2,
    "triangular": 3,
    "exponential": 1,
    "lognormal": 2,
    "gamma": 2,
}
#: Fewest complete observations for a parametric fit (below: empirical).
MIN_N = 8
#: A sample with at most this many distinct values (each seen three times on
#: average) is discrete and kept as an ``empirical`` distribution.
MAX_DISCRETE_VALUES = 10

REQUIRED = ("case_id", "timestamp")
#: Spans fitted start to complete in calendar days: the log's event → the item's field.
#: Intermediary time (choosing and waiting for an EIA or design institute) has its own
#: field: folded into ``preparation_days`` it would be counted twice by a scenario that
#: extends a base with its own ``intermediary_days``.
SPANS: dict[str, str] = {
    "intermediary": "intermediary_days",
    "preparation": "preparation_days",
    "elapsed": "elapsed_days",
}
CHINA = dt.timezone(dt.timedelta(hours=8))


class FitError(ValueError):
    """The log cannot be read or holds nothing to fit (a user error)."""


@dataclass(frozen=True)
class Fit:
    """A fitted distribution in the model's own parametrisation.

    Attributes:
        family: ``kind`` of :mod:`model.scenario.distributions`.
        params: Its parameters (e.g. ``{"mean": 4.1, "sd": 1.6}``).
        n: Complete observations used.
        censored: Censored observations used.
        aic: AIC of the chosen family (NaN for fixed and empirical).
        ks_p: Kolmogorov-Smirnov p-value on the complete observations (NaN if n/a).
        candidates: AIC of every family tried.

    """

    family: str
    params: dict[str, Any]
    n: int
    censored: int
    aic: float = float("nan")
    ks_p: float = float("nan")
    candidates: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    """Why an ``empirical`` law was kept (e.g. ``3 distinct values``); empty: too few."""

    @property
    def mean(self) -> float:
        """Mean of the fitted distribution."""
        p = self.params
        if self.family == "fixed":
            return float(p["value"])
        if self.family == "uniform":
            return float(p["low"] + p["high"]) / 2
        if self.family == "triangular":
            return float(p["low"] + p["mode"] + p["high"]) / 3
        if self.family == "empirical":
            values, weights = np.asarray(p["values"]), np.asarray(p["weights"], dtype=float)
            return float(np.dot(values, weights / weights.sum()))
        return float(p["mean"])

    def spec(self, source: str | None = None) -> dict[str, Any]:
        """The scenario-file form, e.g. ``{"kind": "gamma", "mean": 4.1, "sd": 1.6}``."""
        out: dict[str, Any] = {"kind": self.family}
        for key, value in self.params.items():
            out[key] = _round(value)
        if source:
            out["source"] = source
        return out

    def describe(self, origin: str) -> str:
        """The fit quality as a ``source:`` note."""
        text = f"fitted from {origin}: n={self.n}"
        if self.censored:
            text += f" (+{self.censored} censored)"
        if self.family in FAMILIES:
            others = sorted(
                (a, f) for f, a in self.candidates.items() if f != self.family and math.isfinite(a)
            )
            text += f", {self.family} by AIC {self.aic:.1f}"
            if others:
                text += f" (next: {others[0][1]} {others[0][0]:.1f})"
            if math.isfinite(self.ks_p):
                text += f", KS p={self.ks_p:.2f}"
        elif self.family == "fixed":
            text += ", all values equal"
        elif self.reason:
            text += f", {self.reason}: empirical"
        else:
            text += f", fewer than {MIN_N} complete observations: empirical"
        return text


def _round(value: Any) -> Any:
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(f"{float(value):.5g}")
    return value


# -- maximum likelihood with right censoring ---------------------------------------


def _loglik(dist: Any, x: Array, c: Array) -> float:
    """Return log L = sum log f(x) + sum log S(c) (complete x, right-censored c)."""
    value = float(np.sum(dist.logpdf(x)) + np.sum(dist.logsf(c)))
    return value if math.isfinite(value) else -math.inf


def _minimise(
    objective: Callable[[Array], float], starts: Iterable[Sequence[float]]
) -> Array | None:
    best: tuple[float, Array] | None = None
    for start in starts:
        result = optimize.minimize(
            objective, np.asarray(start, float), method="Nelder-Mead",
            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 3000, "maxfev": 6000},
        )  # fmt: skip
        if math.isfinite(result.fun) and (best is None or result.fun < best[0]):
            best = (float(result.fun), result.x)
    return None if best is None else best[1]


def _fit_exponential(x: Array, c: Array) -> tuple[dict[str, float], Any] | None:
    # Closed form: total time at risk over the number of complete observations.
    mean = (x.sum() + c.sum()) / len(x)
    if mean <= 0:
        return None
    return {"mean": float(mean)}, stats.expon(scale=mean)


def _fit_lognormal(x: Array, c: Array) -> tuple[dict[str, float], Any] | None:
    if np.any(x <= 0) or np.any(c <= 0):
        return None
    logs = np.log(x)
    sd0 = max(float(logs.std()), 1e-3)

    lx, lc = np.log(x), np.log(c)

    def nll(p: Array) -> float:
        # Closed-form log-density and log-survival: scipy.stats objects are too
        # slow to build at every step of the optimiser.
        mu, s = p[0], math.exp(p[1])
        z = (lx - mu) / s
        total = float(np.sum(-lx - math.log(s) - 0.5 * math.log(2 * math.pi) - 0.5 * z * z))
        total += float(np.sum(special.log_ndtr(-(lc - mu) / s)))
        return -total if math.isfinite(total) else math.inf

    best = _minimise(nll, [(float(logs.mean()), math.log(sd0))])
    if best is None:
        return None
    mu, sigma = float(best[0]), math.exp(float(best[1]))
    mean = math.exp(mu + sigma**2 / 2)
    sd = mean * math.sqrt(math.expm1(sigma**2))
    return {"mean": mean, "sd": sd}, stats.lognorm(s=sigma, scale=math.exp(mu))


def _fit_gamma(x: Array, c: Array) -> tuple[dict[str, float], Any] | None:
    if np.any(x <= 0) or np.any(c <= 0):
        return None
    mean0, var0 = float(x.mean()), max(float(x.var()), 1e-9)

    lx = np.log(x)

    def nll(p: Array) -> float:
        k, theta = math.exp(p[0]), math.exp(p[1])
        total = float(
            np.sum((k - 1) * lx - x / theta) - len(x) * (special.gammaln(k) + k * math.log(theta))
        )
        if len(c):
            total += float(np.sum(np.log(np.maximum(special.gammaincc(k, c / theta), 1e-300))))
        return -total if math.isfinite(total) else math.inf

    best = _minimise(nll, [(math.log(mean0**2 / var0), math.log(var0 / mean0))])
    if best is None:
        return None
    shape, scale = math.exp(float(best[0])), math.exp(float(best[1]))
    return {"mean": shape * scale, "sd": math.sqrt(shape) * scale}, stats.gamma(
        a=shape, scale=scale
    )


def _fit_uniform(x: Array, c: Array) -> tuple[dict[str, float], Any] | None:
    low = float(x.min())
    top = max(float(x.max()), float(c.max()) if len(c) else -math.inf)
    if top <= low:
        return None
    relevant = c[c > low]
    if len(relevant) == 0:
        high = top  # no censoring above the minimum: the maximum is the MLE
    else:
        span = top - low

        def nll(h: float) -> float:
            return -(
                -len(x) * math.log(h - low) + float(np.sum(np.log((h - relevant) / (h - low))))
            )

        result = optimize.minimize_scalar(
            nll, bounds=(top + 1e-9 * span, top + 20 * span), method="bounded"
        )
        high = float(result.x)
    return {"low": low, "high": high}, stats.uniform(loc=low, scale=high - low)


def _fit_triangular(x: Array, c: Array) -> tuple[dict[str, float], Any] | None:
    lo, hi = float(x.min()), max(float(x.max()), float(c.max()) if len(c) else -math.inf)
    span = hi - lo
    if span <= 0:
        return None

    def unpack(p: Array) -> tuple[float, float, float]:
        # Bounds just outside the data keep every observation's density positive.
        low = max(lo - math.exp(p[0]) * span, 0.0)
        high = hi + math.exp(p[1]) * span
        mode = low + float(special.expit(p[2])) * (high - low)
        return low, mode, high

    def nll(p: Array) -> float:
        low, mode, high = unpack(p)
        width = high - low
        left, right = mode - low, high - mode
        below = x < mode
        with np.errstate(divide="ignore", invalid="ignore"):
            density = np.where(
                below, 2 * (x - low) / (width * left), 2 * (high - x) / (width * right)
            )
            cb = c < mode
            survival = np.where(
                cb, 1 - (c - low) ** 2 / (width * left), (high - c) ** 2 / (width * right)
            )
            survival = np.where(c <= low, 1.0, survival)
            total = float(np.sum(np.log(density)) + np.sum(np.log(survival)))
        return -total if math.isfinite(total) else math.inf

    starts = [
        (math.log(0.01), math.log(0.01), float(special.logit(q))) for q in (0.1, 0.4, 0.7, 0.95)
    ]
    best = _minimise(nll, starts)
    if best is None:
        return None
    low, mode, high = unpack(best)
    dist = stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
    return {"low": low, "mode": mode, "high": high}, dist


FITTERS: dict[str, Callable[[Array, Array], tuple[dict[str, float], Any] | None]] = {
    "uniform": _fit_uniform,
    "triangular": _fit_triangular,
    "exponential": _fit_exponential,
    "lognormal": _fit_lognormal,
    "gamma": _fit_gamma,
}


def fit_durations(
    observed: npt.ArrayLike,
    censored: npt.ArrayLike = (),
    families: Sequence[str] = tuple(FAMILIES),
    min_n: int = MIN_N,
) -> Fit | None:
    """Fit one sample of durations, choosing the family by AIC.

    Args:
        observed: Complete durations.
        censored: Durations known only to be at least this long (still open).
        families: Families to compare (keys of :data:`FAMILIES`).
        min_n: Fewest complete observations for a parametric fit.

    Returns:
        The fit, or None when there is no complete observation at all.

    """
    x = np.asarray(observed, dtype=float)
    c = np.asarray(censored, dtype=float)
    x, c = x[np.isfinite(x)], c[np.isfinite(c)]
    if len(x) == 0:
        return None
    scale = max(1.0, float(np.abs(x).max()))
    if float(np.ptp(x)) <= 1e-9 * scale and not np.any(c > x[0] + 1e-9 * scale):
        return Fit("fixed", {"value": float(x[0])}, len(x), len(c))
    values, counts = np.unique(np.round(x, 4), return_counts=True)
    # Few distinct values among many observations is a discrete law (whole days, a
    # table of fixed efforts): a continuous family would smear it (KS p = 0).
    discrete = len(values) <= MAX_DISCRETE_VALUES and len(x) >= 3 * len(values)
    if len(x) < min_n or discrete:
        return Fit(
            "empirical",
            {"values": [float(v) for v in values], "weights": [float(k) for k in counts]},
            len(x),
            len(c),
            reason=f"{len(values)} distinct values" if discrete and len(x) >= min_n else "",
        )
    candidates: dict[str, float] = {}
    fitted: dict[str, tuple[dict[str, float], Any]] = {}
    for family in families:
        if family not in FITTERS:
            raise FitError(f"unknown family {family!r}; supported: {', '.join(FITTERS)}")
        result = FITTERS[family](x, c)
        if result is None:
            continue
        loglik = _loglik(result[1], x, c)
        if not math.isfinite(loglik):
            continue
        candidates[family] = 2 * FAMILIES[family] - 2 * loglik
        fitted[family] = result
    if not candidates:
        raise FitError("no family could be fitted to the durations")
    best = min(candidates, key=lambda f: candidates[f])
    params, dist = fitted[best]
    # KS against the fitted distribution is only meaningful without censoring:
    # the complete observations of a censored sample are a truncated sample.
    ks_p = float(stats.kstest(x, dist.cdf).pvalue) if len(x) >= 3 and len(c) == 0 else float("nan")
    return Fit(best, params, len(x), len(c), candidates[best], ks_p, candidates)


# -- reading a log ------------------------------------------------------------------


#: Longest time an event log may span: working days are counted over it.
MAX_LOG_SPAN_DAYS = 100 * 365
#: Largest event log ``fit`` reads (a county's years of events are far smaller).
MAX_LOG_BYTES = 1024**3


def read_log(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check an event-log CSV; adds ``day`` (float days since the first date).

    Only a regular file of at most :data:`MAX_LOG_BYTES` is read: a device
    (``/dev/zero``), a named pipe or a folder is refused before it is opened.

    Raises:
        FitError: The file cannot be read, is not a regular file, is too large
            or lacks the needed columns.

    """
    try:
        mode = os.stat(path)
    except OSError as error:
        raise FitError(f"{path}: cannot read the log: {error.strerror or error}") from None
    if stat.S_ISDIR(mode.st_mode):
        raise FitError(f"{path} is a folder; give the event-log CSV file")
    if not stat.S_ISREG(mode.st_mode):
        raise FitError(f"{path} is not a regular file (a device or a named pipe); give a CSV file")
    if mode.st_size > MAX_LOG_BYTES:
        raise FitError(
            f"{path} is larger than {MAX_LOG_BYTES // 1024**2} MB; refusing to read it "
            "(fit a sample of the log)"
        )
    try:
        log = pd.read_csv(path, dtype={"case_id": str, "item": str, "event": str, "resource": str})
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise FitError(f"{path}: cannot read the log: {error}") from None
    return prepare_log(log, str(path))


def prepare_log(log: pd.DataFrame, origin: str = "log") -> pd.DataFrame:
    """Check columns, derive ``item``/``event`` if needed, parse times into ``day``."""
    missing = [c for c in REQUIRED if c not in log]
    if missing:
        raise FitError(
            f"{origin}: missing column(s) {', '.join(missing)}; "
            "expected case_id, item, event, lifecycle, timestamp"
        )
    log = log.copy()
    if "item" not in log or "event" not in log:
        if "activity" not in log:
            raise FitError(
                f"{origin}: needs columns item and event (or activity as '<event> <item>')"
            )
        parts = log["activity"].astype(str).str.split(" ", n=1, expand=True)
        log["event"] = parts[0]
        log["item"] = parts[1] if parts.shape[1] > 1 else ""
    log["item"] = log["item"].fillna("").astype(str)
    log["event"] = log["event"].astype(str)
    log["lifecycle"] = (
        log["lifecycle"].fillna("complete").astype(str) if "lifecycle" in log else "complete"
    )
    try:
        stamps = pd.to_datetime(log["timestamp"], utc=False, errors="coerce", format="ISO8601")
    except (ValueError, OverflowError, TypeError) as error:
        raise FitError(
            f"{origin}: unreadable timestamps ({error}); use ISO 8601 dates between the "
            "years 1678 and 2261, e.g. 2026-03-02T09:30:00+08:00"
        ) from None
    if stamps.isna().any():
        bad = log.loc[stamps.isna(), "timestamp"].iloc[0]
        raise FitError(
            f"{origin}: unreadable timestamp {bad!r} (use ISO 8601, e.g. 2026-03-02T09:30:00+08:00)"
        )
    try:
        if stamps.dt.tz is None:
            stamps = stamps.dt.tz_localize(CHINA)
        local = stamps.dt.tz_convert(CHINA).dt.tz_localize(None)
        first = local.min().normalize()
        log["day"] = (local - first) / pd.Timedelta(days=1)
    except (ValueError, OverflowError, TypeError, AttributeError) as error:
        raise FitError(
            f"{origin}: timestamps out of range or of mixed kinds ({type(error).__name__}); "
            "use ISO 8601 dates between the years 1678 and 2261, all with or all without "
            "a UTC offset"
        ) from None
    span = float(log["day"].max()) if len(log) else 0.0
    if span > MAX_LOG_SPAN_DAYS:
        raise FitError(
            f"{origin}: the log spans {span / 365.25:,.0f} years (from {first.date()} to "
            f"{local.max().date()}); more than {MAX_LOG_SPAN_DAYS // 365} years is a "
            "timestamp mistake"
        )
    log.attrs["start_date"] = first.date()
    log.attrs["origin"] = origin
    return log


def _pairs(log: pd.DataFrame, event: str, end_day: float) -> pd.DataFrame:
    """k-th start with k-th complete of ``event`` per (case, item); open ones censored."""
    part = log[(log["event"] == event) & log["lifecycle"].isin(("start", "complete"))]
    if part.empty:
        return pd.DataFrame(columns=["case_id", "item", "k", "start", "complete", "open"])
    part = part.assign(k=part.groupby(["case_id", "item", "lifecycle"]).cumcount())
    wide = part.pivot_table(
        index=["case_id", "item", "k"], columns="lifecycle", values="day", aggfunc="first"
    )
    wide = wide.reindex(columns=["start", "complete"]).reset_index()
    wide = wide[wide["start"].notna()]
    wide["open"] = wide["complete"].isna()
    wide["complete"] = wide["complete"].fillna(end_day)
    return wide


@dataclass
class ItemRecords:
    """The duration samples and counts of one item."""

    samples: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    first: tuple[int, int] = (0, 0)
    later: tuple[int, int] = (0, 0)
    rework_effort: list[float] = field(default_factory=list)


def item_records(log: pd.DataFrame) -> dict[str, ItemRecords]:
    """Collect, per item, complete and censored durations and deficiency counts."""
    end_day = float(log["day"].max())
    start = log.attrs.get("start_date", dt.date(2000, 1, 1))
    calendar = WorkCalendar(start, int(end_day) + 2)
    records: dict[str, ItemRecords] = {}

    def add(item: str, name: str, value: float, is_open: bool) -> None:
        rec = records.setdefault(item, ItemRecords())
        observed, censored = rec.samples.setdefault(name, ([], []))
        (censored if is_open else observed).append(float(value))

    reviews = _pairs(log, "review", end_day)
    if not reviews.empty:
        effort = calendar.working_time_array(
            reviews["complete"].to_numpy(float)
        ) - calendar.working_time_array(reviews["start"].to_numpy(float))
        reviews = reviews.assign(effort=effort)
        for row in reviews.itertuples():
            if row.k == 0:
                add(str(row.item), "effort_wd", row.effort, bool(row.open))
            elif not row.open:
                records.setdefault(str(row.item), ItemRecords()).rework_effort.append(
                    float(row.effort)
                )
    for event, name in SPANS.items():
        for row in _pairs(log, event, end_day).itertuples():
            add(str(row.item), name, row.complete - row.start, bool(row.open))

    # Fix time: from a return to the item's next submission (its next review queued).
    returned = log[log["event"] == "returned"][["case_id", "item", "day"]]
    submitted = log[(log["event"] == "review") & (log["lifecycle"] == "schedule")][
        ["case_id", "item", "day"]
    ]
    if not returned.empty:
        merged = pd.merge_asof(
            returned.sort_values("day"),
            submitted.sort_values("day").rename(columns={"day": "next"}),
            left_on="day", right_on="next", by=["case_id", "item"],
            direction="forward", allow_exact_matches=False,
        )  # fmt: skip
        for row in merged.itertuples():
            is_open = pd.isna(row.next)
            add(str(row.item), "fix_days", (end_day if is_open else row.next) - row.day, is_open)

    completes = (
        log[(log["event"] == "review") & (log["lifecycle"] == "complete")]
        .groupby(["case_id", "item"])
        .size()
    )
    returns = log[log["event"] == "returned"].groupby(["case_id", "item"]).size()
    counts = pd.DataFrame({"c": completes}).join(returns.rename("r"), how="left").fillna(0)
    for item, group in counts.groupby(level="item"):
        rec = records.setdefault(str(item), ItemRecords())
        c, r = (
            group["c"].to_numpy(int),
            np.minimum(group["r"].to_numpy(int), group["c"].to_numpy(int)),
        )
        rec.first = (int(np.sum(r >= 1)), int(np.sum(c >= 1)))
        rec.later = (int(np.sum(np.maximum(r - 1, 0))), int(np.sum(np.maximum(c - 1, 0))))
    return records


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def fit_log(
    log: pd.DataFrame,
    origin: str | None = None,
    families: Sequence[str] = tuple(FAMILIES),
    min_n: int = MIN_N,
) -> dict[str, Any]:
    """Fit every item of a prepared log; returns the scenario fragment as a dict.

    Args:
        log: From :func:`read_log` / :func:`prepare_log`.
        origin: Name of the log in the ``source:`` notes (default: its file name).
        families: Families compared by AIC.
        min_n: Fewest complete observations for a parametric fit.

    Raises:
        FitError: Nothing in the log can be fitted.

    """
    origin = origin or Path(str(log.attrs.get("origin", "log"))).name
    items: dict[str, dict[str, Any]] = {}
    for item, rec in sorted(item_records(log).items()):
        if not item:
            continue
        entry: dict[str, Any] = {}
        for name in ("effort_wd", *SPANS.values(), "fix_days"):
            if name not in rec.samples:
                continue
            observed, censored = rec.samples[name]
            fit = fit_durations(observed, censored, families, min_n)
            if fit is not None:
                entry[name] = fit.spec(fit.describe(origin))
        notes = []
        k, n = rec.first
        if n:
            entry["deficiency_probability"] = _round(k / n)
            low, high = _wilson(k, n)
            notes.append(f"deficiency {k}/{n} first submissions (95 % CI {low:.2f}-{high:.2f})")
        k2, n2 = rec.later
        if n2:
            entry["resubmission_deficiency_probability"] = _round(k2 / n2)
            notes.append(f"{k2}/{n2} resubmissions")
        first_effort = rec.samples.get("effort_wd", ([], []))[0]
        if len(rec.rework_effort) >= min_n and first_effort and np.mean(first_effort) > 0:
            fraction = float(np.mean(rec.rework_effort) / np.mean(first_effort))
            entry["rework_effort_fraction"] = _round(min(max(fraction, 0.0), 1.0))
            notes.append(f"rework effort fraction from {len(rec.rework_effort)} later rounds")
        if not entry:
            continue
        entry["source"] = f"fitted from {origin}" + (": " + "; ".join(notes) if notes else "")
        items[item] = entry
    if not items:
        raise FitError(
            f"{origin}: no item has review, intermediary, preparation, elapsed or return "
            "events to fit"
        )
    return {"items": items}


def write_fragment(
    fragment: dict[str, Any], path: str | os.PathLike[str] | None, origin: str
) -> str:
    """The fragment as YAML (written to ``path`` when given); returns the text."""
    header = (
        f"# Scenario fragment fitted by 'approvalsim fit' from {origin}.\n"
        "# Families chosen by AIC among fixed, uniform, triangular, exponential, lognormal,\n"
        "# gamma; censored (still open) durations enter through the survival function.\n"
        "# Use it from a scenario file: add 'extends: <your base scenario>.yaml' above\n"
        "# 'items:' (each item's fitted fields replace the base's).\n"
        "# The values are what the log shows, under the mechanisms in force when it was\n"
        "# recorded: a base whose mechanisms scale them (process_map, agents,\n"
        "# monitoring_system, performance_review, checklist_notice) applies them again.\n"
    )
    text = header + str(yaml.safe_dump(fragment, allow_unicode=True, sort_keys=False, width=100))
    if path is not None:
        write_atomic(path, text)
    return text


__all__ = [
    "FAMILIES",
    "SPANS",
    "Fit",
    "FitError",
    "fit_durations",
    "fit_log",
    "item_records",
    "prepare_log",
    "read_log",
    "write_fragment",
]
