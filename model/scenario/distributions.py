"""Duration distributions as frozen, tagged specifications.

Each distribution is a small pydantic model tagged by ``kind``; it samples from a
``numpy.random.Generator`` that the caller passes in (no global randomness) and
knows its analytic mean and variance, which the tests compare with samples.

In a scenario file a bare number means a fixed value, so ``effort_wd: 3`` and
``effort_wd: {kind: fixed, value: 3}`` are the same.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy import special

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    source: str | None = None
    """Where the figure comes from (kept for the report's list of assumptions)."""

    def quantile(self, u: float) -> float:  # pragma: no cover - abstract
        """The value at cumulative probability ``u`` (inverse-transform sampling)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator) -> float:
        """Draw one value from exactly one uniform of ``rng``.

        Sampling by inverse transform keeps common random numbers aligned: every
        draw consumes one uniform whatever the family, and a longer distribution
        maps the same uniform to a longer duration (monotone coupling).
        """
        return self.quantile(float(rng.random()))

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        """Analytic mean."""
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - abstract
        """Analytic variance."""
        raise NotImplementedError


class Fixed(_Dist):
    """A constant."""

    kind: Literal["fixed"] = "fixed"
    value: NonNegative

    def quantile(self, u: float) -> float:
        """The constant."""
        return self.value

    @property
    def mean(self) -> float:
        """The value itself."""
        return self.value

    @property
    def variance(self) -> float:
        """Zero."""
        return 0.0


class Uniform(_Dist):
    """Uniform on [low, high]."""

    kind: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("uniform needs low <= high")
        return self

    def quantile(self, u: float) -> float:
        """Linear in ``u``."""
        return self.low + u * (self.high - self.low)

    @property
    def mean(self) -> float:
        """(low + high) / 2."""
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        """(high - low)^2 / 12."""
        return (self.high - self.low) ** 2 / 12


class Triangular(_Dist):
    """Triangular with minimum ``low``, mode ``mode`` and maximum ``high``."""

    kind: Literal["triangular"] = "triangular"
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("triangular needs low <= mode <= high")
        return self

    def quantile(self, u: float) -> float:
        """Closed-form inverse of the triangular CDF."""
        a, c, b = self.low, self.mode, self.high
        if b == a:
            return a
        split = (c - a) / (b - a)
        if u < split:
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1 - u) * (b - a) * (b - c))

    @property
    def mean(self) -> float:
        """(low + mode + high) / 3."""
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        """Standard triangular variance."""
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


class Exponential(_Dist):
    """Exponential with the given mean."""

    kind: Literal["exponential"] = "exponential"
    mean_value: Positive = Field(alias="mean")

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    def quantile(self, u: float) -> float:
        """-mean * log(1 - u)."""
        return -self.mean_value * math.log1p(-u)

    @property
    def mean(self) -> float:
        """The mean parameter."""
        return self.mean_value

    @property
    def variance(self) -> float:
        """mean^2."""
        return self.mean_value**2


class Lognormal(_Dist):
    """Lognormal given by its own mean and standard deviation (not those of the log)."""

    kind: Literal["lognormal"] = "lognormal"
    mean_value: Positive = Field(alias="mean")
    sd: Positive

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    @property
    def _log_params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_value) ** 2)  # exact for tiny sd
        return math.log(self.mean_value) - sigma2 / 2, math.sqrt(sigma2)

    def quantile(self, u: float) -> float:
        """exp(mu + sigma * Phi^-1(u))."""
        mu, sigma = self._log_params
        return math.exp(mu + sigma * float(special.ndtri(u)))

    @property
    def mean(self) -> float:
        """The mean parameter."""
        return self.mean_value

    @property
    def variance(self) -> float:
        """sd^2."""
        return self.sd**2


class Gamma(_Dist):
    """Gamma given by its mean and standard deviation."""

    kind: Literal["gamma"] = "gamma"
    mean_value: Positive = Field(alias="mean")
    sd: Positive

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    def quantile(self, u: float) -> float:
        """Inverse of the regularised incomplete gamma function, shape (mean/sd)^2."""
        shape = (self.mean_value / self.sd) ** 2
        return float(special.gammaincinv(shape, u)) * self.sd**2 / self.mean_value

    @property
    def mean(self) -> float:
        """The mean parameter."""
        return self.mean_value

    @property
    def variance(self) -> float:
        """sd^2."""
        return self.sd**2


class Empirical(_Dist):
    """Draws one of the observed ``values``, optionally with ``weights``."""

    kind: Literal["empirical"] = "empirical"
    values: Annotated[list[NonNegative], Field(min_length=1)]
    weights: list[NonNegative] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("empirical weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("empirical weights must not all be zero")
        return self

    @property
    def _probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        probabilities: np.ndarray = w / w.sum()  # numpy types the sum as Any
        return probabilities

    def quantile(self, u: float) -> float:
        """The smallest value whose cumulative weight exceeds ``u``.

        Values are taken in increasing order (so a larger ``u`` never gives a
        smaller value) and values of zero weight are never returned.
        """
        order = np.argsort(self.values, kind="stable")
        p = self._probabilities[order]
        kept = order[p > 0]
        cumulative = np.cumsum(p[p > 0])
        cumulative[-1] = 1.0  # rounding must not leave a gap just below 1
        index = min(int(np.searchsorted(cumulative, u, side="right")), len(kept) - 1)
        return self.values[int(kept[index])]

    @property
    def mean(self) -> float:
        """Weighted mean of the values."""
        return float(np.dot(self._probabilities, self.values))

    @property
    def variance(self) -> float:
        """Weighted variance of the values."""
        p = self._probabilities
        v = np.asarray(self.values)
        return float(np.dot(p, (v - np.dot(p, v)) ** 2))


def _number_is_fixed(value: Any) -> Any:
    """Let a scenario write ``3`` for ``{kind: fixed, value: 3}``."""
    if isinstance(value, bool):
        return value  # let pydantic reject it with a clear message
    if isinstance(value, int | float):
        return {"kind": "fixed", "value": value}
    return value


Distribution = Annotated[
    Fixed | Uniform | Triangular | Exponential | Lognormal | Gamma | Empirical,
    Field(discriminator="kind"),
    BeforeValidator(_number_is_fixed),
]
"""Any supported distribution; a bare number is a fixed value."""

ZERO = Fixed(value=0.0)
