"""Safe staffing plans: the cheapest staffing found that meets a target and harms nothing.

A plan is advice a county acts on, so the search is built to never advise harm.
:func:`plan_staff` records each decision in its ``steps`` table:

1. **Start** from the scenario's own staff. A pool Erlang C expects to run
   busier than the utilisation ceiling (default 0.85) is raised to the ceiling
   first: those people are needed whatever the target.
2. **Bound**: one simulation with every government pool staffed so amply that
   Erlang C expects almost no queue (mean wait under 1 % of a touch). If the
   target is missed even there, staffing alone cannot reach it: the plan says
   so at once and proposes nothing beyond what the ceiling needs.
3. **Add** while the target is missed: the pools where Erlang C expects one
   more person to remove the most waiting per unit cost (and the mechanisms'
   pools, which it does not cover) are simulated with one more person each, on
   common random numbers, and the best improvement per cost is kept. When no
   single person helps (pools in series pass a queue on), pairs are tried.
4. **Trim** only once the target is met: a person is removed where Erlang C
   and the simulation both keep the pool under the ceiling, the target still
   holds, and no key output gets worse than in the starting scenario (beyond a
   small tolerance; ``allow_worse`` lifts this).
5. **Explain**: at the plan, the days one more person saves, with a paired
   95 % interval, for the pools Erlang C ranks as holding files up (every pool
   with ``marginal="all"``); Erlang C's own estimate of the wait saved for all
   pools; and, for each meeting calendar, what deciding without waiting for a
   sitting would save. The bottleneck is where the saving is largest and its
   interval excludes zero.

The target statistic is taken over all projects of all replications pooled
(signed after the warm-up, not the pipeline), e.g.
``p90(government_prestart) <= 60`` means 90 % of projects get from project
filing to the construction permit within 60 days of government time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from model.analysis.aggregate import confidence_interval
from model.analysis.outputs import KEY_OUTPUTS, output
from model.analysis.queueing import mmc_mean_wait
from model.experiments.backends import Progress
from model.experiments.batch import Replications, open_batch
from model.experiments.staffing import (
    SCREENED,
    Target,
    parse_target,
    pool_level,
    resolve_costs,
    screen,
    staff_pools,
    with_staff,
)
from model.scenario.overrides import apply_overrides
from model.scenario.schema import Scenario

#: Default utilisation ceiling: above it, waits grow steeply and any surge overloads.
MAX_UTILISATION = 0.85
#: A key output is "worse" when it moves the wrong way by more than this share of its
#: starting value, or by more than its unit's floor below (whichever is larger).
WORSE_TOLERANCE = 0.01
_WORSE_FLOOR = {"days": 0.5, "working_days": 0.5, "trips": 0.05, "rounds": 0.05, "share": 0.01}
#: The bound's "almost no queue": Erlang-C mean wait under this fraction of a touch.
_AMPLE_WAIT_FRACTION = 0.01
#: Most rounds of raising the mechanisms' pools found over the ceiling by simulation.
_MAX_CEILING_ROUNDS = 10
#: Prefix of the marginal rows that are meeting calendars, not pools.
MEETING = "meeting:"

Staffing = dict[str, int]


@dataclass(frozen=True)
class Evaluation:
    """One staffing (or variant) simulated on the common random numbers."""

    statistic: float
    """The target statistic over all replications' projects pooled."""
    per_replication: np.ndarray
    """The target statistic of each replication (for paired intervals)."""
    summary: pd.DataFrame
    """Per-replication key outputs."""
    utilisation: dict[str, float]
    """Mean simulated utilisation per pool."""


@dataclass(frozen=True)
class StaffPlan:
    """The outcome of :func:`plan_staff`.

    Attributes:
        target: The target.
        met: Whether the plan meets it.
        feasible: Whether ample staff meet it (False: staffing alone cannot).
        statistic: The target statistic under the plan.
        start_statistic: The target statistic of the scenario as given.
        bound_statistic: The target statistic with ample staff everywhere.
        pools: One row per pool: ``current``, Erlang-C ``offered_load``,
            ``stable_min``, ``ceiling_min`` (fewest people under the ceiling),
            ``screen``, ``planned``, ``cost`` and simulated ``utilisation`` under the plan.
        steps: The search, one row per decision.
        marginal: Per pool (and meeting calendar): ``with_one_more``, ``saved``
            and its 95 % interval ``saved_low``/``saved_high`` (simulated;
            NaN where not simulated), ``saved_per_cost``, Erlang C's
            ``erlang_wait_saved_wd`` per file, and ``source``.
        bottleneck: The pool or meeting calendar (``meeting:<department>``)
            where one more person (or no wait for a sitting) saves most; ``""``
            when nothing saves significantly.
        scenario: The planned scenario.
        cost: Total cost of the plan (Σ planned × cost).
        max_utilisation: The ceiling the plan respects.
        over_ceiling: Pools still simulated above the ceiling under the plan.
        worse: Key outputs worse under the plan than in the starting scenario.

    """

    target: Target
    met: bool
    feasible: bool
    statistic: float
    start_statistic: float
    bound_statistic: float
    pools: pd.DataFrame
    steps: pd.DataFrame
    marginal: pd.DataFrame
    bottleneck: str
    scenario: Scenario
    cost: float
    max_utilisation: float = MAX_UTILISATION
    over_ceiling: tuple[str, ...] = ()
    worse: tuple[str, ...] = field(default_factory=tuple)

    @property
    def bottleneck_level(self) -> str:
        """Which people hold files up: case officers, a sign-off level, a meeting calendar.

        E.g. ``case officers (承办) of 住建局``, ``leader (签发) of 住建局`` or
        ``the meeting calendar of 自然资源和规划局``; ``none`` when nothing saves
        significantly.
        """
        if not self.bottleneck:
            return "none (no one more person saves significantly)"
        if self.bottleneck.startswith(MEETING):
            return f"the meeting calendar of {self.bottleneck.removeprefix(MEETING)}"
        return pool_level(self.scenario, self.bottleneck)


# -- simulating staffings ------------------------------------------------------------------


class _Evaluator:
    """Simulates variants on common random numbers, each once (cached by its key)."""

    def __init__(
        self, batch: Replications, base: Scenario, pools: pd.DataFrame, target: Target, n: int
    ) -> None:
        self.batch = batch
        self.base = base
        self.pools = pools
        self.target = target
        self.n = n
        self.cache: dict[tuple[Any, ...], Evaluation] = {}

    def staffings(self, staffings: Sequence[Staffing]) -> list[Evaluation]:
        """Each staffing's evaluation."""
        return self.variants([(tuple(sorted(s.items())), s, None) for s in staffings])

    def variants(
        self, variants: Sequence[tuple[tuple[Any, ...], Staffing, Mapping[str, Any] | None]]
    ) -> list[Evaluation]:
        """Evaluate (key, staffing, extra overrides) variants, simulating the uncached ones."""
        todo = {key: (staffing, extra) for key, staffing, extra in variants}
        todo = {k: v for k, v in todo.items() if k not in self.cache}
        if todo:
            scenarios = []
            for staffing, extra in todo.values():
                scenario = with_staff(self.base, self.pools, staffing)
                if extra:
                    scenario = apply_overrides(scenario, extra, "staffing plan")
                scenarios.append(scenario)
            batch = self.batch.with_scenarios(scenarios)
            batch.extend(self.n)
            for key, result in zip(todo, batch.results(), strict=True):
                self.cache[key] = self._evaluation(
                    result.projects, result.summary, result.resources
                )
        return [self.cache[key] for key, _, _ in variants]

    def _evaluation(
        self, projects: pd.DataFrame, summary: pd.DataFrame, resources: pd.DataFrame
    ) -> Evaluation:
        by_replication = dict(iter(projects.groupby("replication")))
        per_replication = np.array(
            [self.target.evaluate(by_replication.get(r, projects.iloc[:0])) for r in range(self.n)]
        )
        utilisation = (
            resources.groupby("resource")["utilisation"].mean().to_dict()
            if not resources.empty
            else {}
        )
        return Evaluation(
            statistic=self.target.evaluate(projects),
            per_replication=per_replication,
            summary=summary,
            utilisation={str(k): float(v) for k, v in utilisation.items()},
        )


# -- what Erlang C expects ------------------------------------------------------------------


def _erlang_wait(row: Any, staff: int) -> float:
    """Erlang C's mean wait (working days) of a file at ``staff`` people (inf if unstable)."""
    if row.offered_load <= 0:
        return 0.0
    if staff <= 0:
        return math.inf
    return mmc_mean_wait(staff, row.offered_load, row.mean_effort_wd)


def _ceiling_minimum(load: float, ceiling: float, floor: int) -> int:
    """The fewest people keeping ``load`` at or under ``ceiling`` utilisation."""
    return max(floor, math.ceil(load / ceiling - 1e-9) if load > 0 else 0)


def _ample(row: Any, floor: int) -> int:
    """People enough that Erlang C expects almost no wait."""
    c = max(floor, math.floor(float(row.offered_load)) + 1)
    while _erlang_wait(row, c) > _AMPLE_WAIT_FRACTION * row.mean_effort_wd:
        c += 1
    return c


def _waiting_removed(row: Any, staff: int) -> float:
    """File-days of waiting per working day Erlang C expects one more person to remove."""
    return float(row["applications_per_wd"]) * _erlang_wait_saved(row, staff)


def _erlang_wait_saved(row: Any, staff: int) -> float:
    """Working days of waiting Erlang C expects one more person to save per file."""
    now, plus = _erlang_wait(row, staff), _erlang_wait(row, staff + 1)
    if math.isinf(now):
        return math.inf
    return now - plus


# -- the search --------------------------------------------------------------------------------


def _over(evaluation: Evaluation, pool: str, ceiling: float) -> bool:
    """Whether the simulation found ``pool`` busier than ``ceiling``."""
    return evaluation.utilisation.get(pool, 0.0) > ceiling + 1e-9


def _worse_outputs(reference: pd.DataFrame, candidate: pd.DataFrame) -> list[str]:
    """Key outputs whose mean is worse in ``candidate`` than in ``reference`` beyond tolerance."""
    worse = []
    for name in KEY_OUTPUTS:
        if name not in reference or name not in candidate:
            continue
        before, after = float(reference[name].mean()), float(candidate[name].mean())
        if not (math.isfinite(before) and math.isfinite(after)):
            continue
        definition = output(name)
        allowed = max(WORSE_TOLERANCE * abs(before), _WORSE_FLOOR[definition.unit])
        change = before - after if definition.is_share else after - before
        if change > allowed:
            worse.append(name)
    return worse


def _paired_saving(goal: Target, base: Evaluation, other: Evaluation) -> tuple[float, float]:
    """Mean per-replication improvement of ``other`` over ``base``, and its 95 % half-width."""
    pairs = zip(base.per_replication, other.per_replication, strict=True)
    saved = np.array([goal.improvement(b, o) for b, o in pairs])
    return confidence_interval(saved)


def plan_staff(
    scenario: Scenario,
    target: str | Target,
    costs: Mapping[str, float] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    *,
    max_utilisation: float = MAX_UTILISATION,
    allow_worse: bool = False,
    candidates: int = 4,
    marginal: Literal["screened", "all"] = "screened",
    wait_fraction: float = 0.25,
    max_steps: int = 60,
    min_gain: float = 1e-6,
    scheduler: str | None = None,
    progress: Progress | None = None,
    on_step: Callable[[str], None] | None = None,
    checkpoint_dir: str | None = None,
) -> StaffPlan:
    """The cheapest safe staffing found that meets ``target``, and why.

    Example::

        plan = model.plan_staff(model.load_scenario("scenarios/parallel.yaml"),
                                "p90(government_prestart) <= 80", replications=5)
        plan.met, plan.pools[["pool", "current", "planned"]], plan.bottleneck_level

    Args:
        scenario: The scenario to staff; its staff are the start and the reference.
        target: A :class:`~model.experiments.staffing.Target` or its text.
        costs: Cost of one person per pool name (or path); default 1 each.
        replications: Per staffing evaluated (default: the scenario's).
        seed: Root seed (default: the scenario's).
        workers: Local processes (None: all cores; 1: inline).
        max_utilisation: No pool of the plan may be expected busier than this.
        allow_worse: Let trimming make other key outputs worse than at the start.
        candidates: Pools simulated per search step (the Erlang-C ranking's top ones).
        marginal: ``"screened"`` simulates one more person only where Erlang C
            expects a queue worth removing; ``"all"`` in every pool.
        wait_fraction: The screen column's "low wait" (Erlang-C mean wait at
            most this fraction of a touch); reported only.
        max_steps: Most people added by the search.
        min_gain: Smaller improvements count as none.
        scheduler: Dask scheduler address; replaces the local pool.
        progress: ``progress(done, total)`` after each replication.
        on_step: Called with one line per search decision (for a log).
        checkpoint_dir: Keep finished replications here, so a rerun resumes.

    Raises:
        ValueError: A bad target, cost or ceiling.

    """
    if not 0 < max_utilisation <= 1:
        raise ValueError(f"max_utilisation must be in (0, 1], got {max_utilisation}")
    goal = parse_target(target) if isinstance(target, str) else target
    replications, seed = scenario.run.resolve(replications, seed)
    pools = staff_pools(scenario)
    cost = resolve_costs(pools, costs)
    screened = screen(scenario, wait_fraction).set_index("pool")
    names = list(pools["pool"])
    kinds = dict(zip(pools["pool"], pools["kind"], strict=True))
    rows = {p: screened.loc[p] for p in names if kinds[p] in SCREENED}
    current = {p: int(c) for p, c in zip(pools["pool"], pools["current"], strict=True)}
    stable = {p: int(rows[p]["stable_min"]) if p in rows else 0 for p in names}
    ceiling = {
        p: _ceiling_minimum(float(rows[p]["offered_load"]), max_utilisation, stable[p])
        if p in rows
        else 0
        for p in names
    }
    steps: list[dict[str, Any]] = []
    statistic_text = goal.text.partition(goal.op)[0].strip()  # "p90(government_prestart)"

    def log(action: str, pool: str, state: Staffing, value: float) -> None:
        steps.append(
            {
                "step": len(steps),
                "action": action,
                "pool": pool,
                "statistic": value,
                "met": goal.met(value),
                "cost": sum(state[p] * cost[p] for p in names),
                "staffing": ", ".join(f"{p}={state[p]}" for p in names),
            }
        )
        if on_step is not None:
            where = f" {pool}" if pool else ""
            on_step(
                f"step {len(steps) - 1}: {action}{where}: {statistic_text} = {value:.1f} "
                f"({'met' if goal.met(value) else 'not met'})"
            )

    def erlang_rank(state: Staffing, pool_names: Sequence[str]) -> list[str]:
        """Pools by the waiting (file-days per working day) one more person removes, per cost."""

        def value(p: str) -> float:
            return _waiting_removed(rows[p], state[p]) / cost[p]

        return sorted((p for p in pool_names if p in rows), key=value, reverse=True)

    with open_batch(
        [],
        seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        keep_tables=True,
        checkpoint_dir=checkpoint_dir,
    ) as batch:
        evaluator = _Evaluator(batch, scenario, pools, goal, replications)
        state = {p: max(current[p], ceiling[p]) for p in names}
        ample = {
            p: max(state[p], _ample(rows[p], stable[p])) if p in rows else state[p] for p in names
        }
        start, now, bound = evaluator.staffings([current, state, ample])
        log("start (the scenario's staff)", "", current, start.statistic)
        raised = [p for p in names if state[p] > current[p]]
        if raised:
            log(
                f"raise to the {max_utilisation:.0%} ceiling",
                ", ".join(raised),
                state,
                now.statistic,
            )
        log("bound: ample staff everywhere", "", ample, bound.statistic)
        feasible = goal.met(bound.statistic)
        # Pools Erlang C does not cover (window, teams, agents) show their load only
        # in the simulation: raise those it finds over the ceiling, a person at a time.
        for _ in range(_MAX_CEILING_ROUNDS):
            over = [p for p in names if p not in rows and _over(now, p, max_utilisation)]
            if not over:
                break
            state = {**state, **{p: state[p] + 1 for p in over}}
            (now,) = evaluator.staffings([state])
            log(f"raise to the {max_utilisation:.0%} ceiling (simulated)", ", ".join(over), state,
                now.statistic)  # fmt: skip
        # Never trimmed below: the ceiling's people (government pools, at least one
        # each) and, for the mechanisms' pools, what the simulated ceiling raised.
        lowest = {p: max(ceiling[p], 1) if p in rows else state[p] for p in names}

        added = 0
        tried_pairs = False
        while feasible and not goal.met(now.statistic) and added < max_steps:
            over = [p for p in names if _over(now, p, max_utilisation)]
            mechanism_pools = [p for p in names if p not in rows]
            ranked = erlang_rank(state, names)
            chosen = None
            for first in range(0, max(len(ranked), 1), candidates):
                pool_set = list(dict.fromkeys(over + ranked[first : first + candidates]))
                if first == 0:
                    pool_set += [p for p in mechanism_pools if p not in pool_set]
                chosen = _best_move(
                    evaluator, goal, state, now, [(p,) for p in pool_set], cost, min_gain
                )
                if chosen is not None:
                    break
            if chosen is None and not tried_pairs and len(ranked) > 1:
                tried_pairs = True
                top = ranked[: max(candidates, 2)]
                pairs = [(p, q) for i, p in enumerate(top) for q in top[i + 1 :]]
                chosen = _best_move(evaluator, goal, state, now, pairs, cost, min_gain)
            if chosen is None:
                break
            move, state, now = chosen
            added += len(move)
            log("add", " + ".join(move), state, now.statistic)

        while goal.met(now.statistic):
            # Above the ceiling's people, one fewer keeps Erlang C's load under it.
            removable = [p for p in names if state[p] > lowest[p]]
            # Dearest first; among equal costs, where Erlang C expects the least harm.
            removable.sort(
                key=lambda p: (-cost[p], _erlang_wait(rows[p], state[p] - 1) if p in rows else 0.0)
            )
            removable = removable[: 2 * candidates]
            options = [{**state, p: state[p] - 1} for p in removable]
            results = evaluator.staffings(options)
            keep = [
                (cost[p], goal.improvement(now.statistic, e.statistic), p, e, o)
                for p, e, o in zip(removable, results, options, strict=True)
                if goal.met(e.statistic)
                and all(u <= max_utilisation for u in e.utilisation.values() if math.isfinite(u))
                and (allow_worse or not _worse_outputs(start.summary, e.summary))
            ]
            if not keep:
                if removable:
                    log("no safe cut (target, ceiling or another output)", ", ".join(removable),
                        state, now.statistic)  # fmt: skip
                break
            _, _, pool, now, state = max(keep, key=lambda t: (t[0], t[1]))
            log("remove", pool, state, now.statistic)

        table = _marginal(
            evaluator, goal, scenario, state, now, rows, names, cost, candidates, marginal
        )
    bottleneck = _bottleneck(table)
    over_ceiling = tuple(p for p in names if now.utilisation.get(p, 0.0) > max_utilisation)
    pools_table = pools.copy()
    pools_table["offered_load"] = [
        float(rows[p]["offered_load"]) if p in rows else float("nan") for p in names
    ]
    pools_table["stable_min"] = [stable[p] for p in names]
    pools_table["ceiling_min"] = [ceiling[p] for p in names]
    pools_table["screen"] = [int(rows[p]["screen"]) if p in rows else current[p] for p in names]
    pools_table["planned"] = [state[p] for p in names]
    pools_table["cost"] = [cost[p] for p in names]
    pools_table["utilisation"] = [now.utilisation.get(p, float("nan")) for p in names]
    return StaffPlan(
        target=goal,
        met=goal.met(now.statistic),
        feasible=feasible,
        statistic=now.statistic,
        start_statistic=start.statistic,
        bound_statistic=bound.statistic,
        pools=pools_table,
        steps=pd.DataFrame(steps),
        marginal=table,
        bottleneck=bottleneck,
        scenario=with_staff(scenario, pools, state),
        cost=sum(state[p] * cost[p] for p in names),
        max_utilisation=max_utilisation,
        over_ceiling=over_ceiling,
        worse=tuple(_worse_outputs(start.summary, now.summary)),
    )


def _best_move(
    evaluator: _Evaluator,
    goal: Target,
    state: Staffing,
    now: Evaluation,
    moves: Sequence[tuple[str, ...]],
    cost: Mapping[str, float],
    min_gain: float,
) -> tuple[tuple[str, ...], Staffing, Evaluation] | None:
    """The move (one more person in each named pool) with the best gain per cost."""
    if not moves:
        return None
    options = [{**state, **{p: state[p] + 1 for p in move}} for move in moves]
    results = evaluator.staffings(options)
    best: tuple[float, int] | None = None
    for k, (move, result) in enumerate(zip(moves, results, strict=True)):
        gain = goal.improvement(now.statistic, result.statistic) / sum(cost[p] for p in move)
        if math.isfinite(gain) and gain > min_gain and (best is None or gain > best[0]):
            best = (gain, k)
    if best is None:
        return None
    return moves[best[1]], options[best[1]], results[best[1]]


def _marginal(
    evaluator: _Evaluator,
    goal: Target,
    scenario: Scenario,
    state: Staffing,
    now: Evaluation,
    rows: Mapping[str, Any],
    names: Sequence[str],
    cost: Mapping[str, float],
    candidates: int,
    which: Literal["screened", "all"],
) -> pd.DataFrame:
    """What one more person in each pool, or no wait for each meeting, saves at the plan."""
    if which == "all":
        simulated = list(names)
    else:
        ranked = sorted(
            (p for p in names if p in rows),
            key=lambda p: _waiting_removed(rows[p], state[p]),
            reverse=True,
        )
        over = [p for p in names if now.utilisation.get(p, 0.0) > 0.7]
        simulated = list(
            dict.fromkeys([*ranked[:candidates], *over, *(p for p in names if p not in rows)])
        )
    meetings = _meeting_items(scenario)
    variants: list[tuple[tuple[Any, ...], Staffing, Mapping[str, Any] | None]] = [
        (tuple(sorted({**state, p: state[p] + 1}.items())), {**state, p: state[p] + 1}, None)
        for p in simulated
    ]
    variants += [
        (
            ("meeting", department, *sorted(state.items())),
            state,
            {f"items.{i}.at_meeting": False for i in items},
        )
        for department, items in meetings.items()
    ]
    results = dict(zip([v[0] for v in variants], evaluator.variants(variants), strict=True))
    table = []
    for p in names:
        key = tuple(sorted({**state, p: state[p] + 1}.items()))
        result = results.get(key) if p in simulated else None
        saved, half = _paired_saving(goal, now, result) if result else (float("nan"), float("nan"))
        table.append(
            {
                "pool": p,
                "kind": "government" if p in rows else "mechanism",
                "planned": state[p],
                "with_one_more": result.statistic if result else float("nan"),
                "saved": saved,
                "saved_low": saved - half,
                "saved_high": saved + half,
                "saved_per_cost": saved / cost[p],
                "erlang_wait_saved_wd": _erlang_wait_saved(rows[p], state[p])
                if p in rows
                else float("nan"),
                "utilisation": now.utilisation.get(p, float("nan")),
                "source": "simulated" if result else "Erlang C only",
            }
        )
    for department in meetings:
        result = results[("meeting", department, *sorted(state.items()))]
        saved, half = _paired_saving(goal, now, result)
        table.append(
            {
                "pool": f"{MEETING}{department}",
                "kind": "meeting",
                "planned": float("nan"),
                "with_one_more": result.statistic,
                "saved": saved,
                "saved_low": saved - half,
                "saved_high": saved + half,
                "saved_per_cost": float("nan"),
                "erlang_wait_saved_wd": float("nan"),
                "utilisation": float("nan"),
                "source": "simulated: no wait for a sitting",
            }
        )
    return pd.DataFrame(table)


def _meeting_items(scenario: Scenario) -> dict[str, list[str]]:
    """Per department with a meeting calendar, its items decided at a meeting."""
    used = {i for t in scenario.project_types.values() for i in t.items}
    found: dict[str, list[str]] = {}
    for name, item in scenario.items.items():
        if item.at_meeting and name in used and scenario.departments[item.department].meetings:
            found.setdefault(item.department, []).append(name)
    return found


def _bottleneck(marginal: pd.DataFrame) -> str:
    """The pool or meeting whose saving is largest among those significantly above zero."""
    significant = marginal[
        np.where(
            np.isfinite(marginal["saved_low"]), marginal["saved_low"] > 0, marginal["saved"] > 0
        )
    ]
    if significant.empty:
        return ""
    order = significant.sort_values(["saved", "utilisation"], ascending=False)
    return str(order["pool"].iloc[0])
