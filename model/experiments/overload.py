"""Overload warnings before anything runs: the pools a scenario would keep (nearly) always busy.

Every command that simulates says first, from the scenario's own numbers,
which government pools (case officers and sign-off levels) are offered as
much work as their staff can do or nearly so. The offered load is the
Erlang-C screen's (:func:`model.experiments.staffing.offered_loads`: arrival
rate × type shares × mean touch time, rework, conversions and background work
included), divided by the pool's largest staff over the run:

- utilisation ≥ 1: **unstable**, the queue grows without bound and a run's
  means describe a transient;
- utilisation above :data:`NEAR_CAPACITY`: **near capacity**, waits are long
  and move a lot with small changes in arrivals or effort.

The mechanisms' pools (window clerks, on-site teams, agents) are not screened:
agents give up waiting, and their loads depend on the run. Experiments that
simulate many variants (a sweep, a sensitivity screen, the coalitions of an
attribution) are screened variant by variant and reported one line per pool,
naming the variants where it is overloaded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from model.scenario.schema import Scenario

__all__ = [
    "NEAR_CAPACITY",
    "PoolLoad",
    "attribution_variants",
    "overload_warnings",
    "pool_loads",
    "sensitivity_variants",
    "sweep_variants",
]

#: Offered utilisation above which a pool is reported as near capacity.
NEAR_CAPACITY = 0.95
#: Variants named in one warning line before "and N more".
_NAMED_VARIANTS = 3


@dataclass(frozen=True)
class PoolLoad:
    """A government pool's offered load against its staff.

    Attributes:
        pool: ``department`` or ``department/level``.
        offered_load: People's worth of work offered (mean number kept busy).
        staff: The pool's largest size over the run (``staff_changes`` included).

    """

    pool: str
    offered_load: float
    staff: int

    @property
    def utilisation(self) -> float:
        """Offered load per member (infinite for work offered to nobody)."""
        return self.offered_load / self.staff if self.staff else math.inf


def pool_loads(scenario: Scenario) -> list[PoolLoad]:
    """Each government pool that is offered work, with its offered load and staff."""
    from model.experiments.staffing import offered_loads

    loads = []
    for row in offered_loads(scenario).itertuples(index=False):
        department = scenario.departments[str(row.department)]
        if row.kind == "department":
            sizes = [department.staff, *(c.staff for c in department.staff_changes)]
        else:
            level = next(x for x in department.signoff if f"{row.department}/{x.name}" == row.pool)
            sizes = [level.staff, *(c.staff for c in level.staff_changes)]
        if float(row.offered_load) > 0:
            loads.append(PoolLoad(str(row.pool), float(row.offered_load), max(sizes)))
    return loads


def _level(load: PoolLoad, near: float) -> str | None:
    if load.utilisation >= 1:
        return "unstable"
    if load.utilisation > near:
        return "near capacity"
    return None


def _message(load: PoolLoad, near: float, where: str) -> str:
    if load.utilisation >= 1:
        return (
            f"unstable: {load.pool} is offered {load.offered_load:.1f} people's worth of work "
            f"but has {load.staff}{where}; its queue will grow without bound "
            "(add staff, e.g. with plan-staff, or lower arrivals.rate_per_year)"
        )
    return (
        f"near capacity: {load.pool} would be {load.utilisation:.0%} busy "
        f"({load.offered_load:.2f} people's worth of work for {load.staff}{where}); above "
        f"{near:.0%} waits are long and swing with small changes in arrivals or effort "
        "(add staff, e.g. with plan-staff)"
    )


def overload_warnings(
    scenarios: Sequence[Scenario],
    labels: Sequence[str] | None = None,
    near: float = NEAR_CAPACITY,
) -> list[str]:
    """One line per overloaded pool, prefixed by the scenario's name.

    Args:
        scenarios: The scenarios to screen (nothing is simulated).
        labels: With variants of one experiment, each variant's label (e.g.
            ``staff=1``); pools are then reported once per scenario name, at the
            variant where they are busiest, naming the variants concerned.
        near: Utilisation above which a pool is "near capacity".

    Returns:
        Lines such as ``parallel: unstable: 人防办 is offered 1.4 people's worth
        of work but has 1; ...``, in the order the pools first appear.

    """
    found: dict[tuple[str, str], list[tuple[PoolLoad, str | None]]] = {}
    for index, scenario in enumerate(scenarios):
        label = labels[index] if labels is not None else None
        for load in pool_loads(scenario):
            if _level(load, near) is not None:
                found.setdefault((scenario.name, load.pool), []).append((load, label))
    lines = []
    for (name, _), hits in found.items():
        worst, worst_label = max(hits, key=lambda hit: hit[0].utilisation)
        where = ""
        if labels is not None:
            where = f" at {worst_label or 'the base'}"
            if len(hits) > 1:
                named = [label or "the base" for _, label in hits]
                shown = ", ".join(named[:_NAMED_VARIANTS])
                if len(named) > _NAMED_VARIANTS:
                    shown += f" and {len(named) - _NAMED_VARIANTS} more"
                where += f" (busiest of {len(hits)} of the {len(scenarios)} variants: {shown})"
        lines.append(f"{name}: {_message(worst, near, where)}")
    return lines


def sweep_variants(
    base: Scenario, axes: Mapping[str, Sequence[Any]]
) -> tuple[list[Scenario], list[str]]:
    """The variants a sweep would run, and their labels (``staff=1, count=2``)."""
    from model.experiments.sweep import build_variants

    variants, scenarios = build_variants(base, axes)
    return scenarios, [str(text) for text in variants["label"]]


def sensitivity_variants(
    base: Scenario, parameters: Mapping[str, tuple[float, float]]
) -> tuple[list[Scenario], list[str]]:
    """The base and each parameter at the ends of its range, one at a time, with labels.

    A Morris design visits every parameter's lowest and highest level, so these
    are the points most likely to overload a pool (the design itself depends on
    the seed; combinations of extremes are not screened). Ends the scenario
    refuses are left out: the screening itself reports them.
    """
    from model.scenario.overrides import apply_overrides
    from model.scenario.problems import ScenarioError

    scenarios, labels = [base], [""]
    current = base.model_dump(mode="python")
    for path, (low, high) in parameters.items():
        node: Any = current
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        integer = isinstance(node, int) and not isinstance(node, bool)
        for value in (low, high):
            setting = int(round(value)) if integer else float(value)
            try:
                scenarios.append(apply_overrides(base, {path: setting}, "--param"))
            except ScenarioError:
                continue
            labels.append(f"{path.split('.')[-1]}={setting}")
    return scenarios, labels


def attribution_variants(base: Scenario, reformed: Scenario) -> tuple[list[Scenario], list[str]]:
    """The coalitions an attribution would run (all of them up to 6 factors), with labels.

    Above six factors, the base, the reformed scenario and each factor added to
    the base alone. Scenarios the attribution would refuse are left to it.
    """
    from model.experiments.attribution import coalitions_needed, mechanism_factors
    from model.scenario.overrides import apply_overrides
    from model.scenario.problems import ScenarioError

    try:
        factors = mechanism_factors(base, reformed)
    except ValueError:
        return [base, reformed], ["the base", "the reform"]
    names = list(factors)
    if len(names) <= 6:
        sets = coalitions_needed(len(names), None)
    else:
        sets = [frozenset(), *(frozenset({k}) for k in range(len(names)))]
    scenarios, labels = [], []
    for members in sets:
        overrides = {p: v for i in sorted(members) for p, v in factors[names[i]].items()}
        try:
            scenarios.append(apply_overrides(base, overrides, "coalition") if overrides else base)
        except ScenarioError:
            continue
        labels.append("+".join(names[i] for i in sorted(members)) or "the base")
    if len(names) > 6:
        scenarios.append(reformed)
        labels.append("the reform")
    return scenarios, labels
