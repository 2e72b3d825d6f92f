"""The commented starter scenario that ``approvalsim init`` writes.

A planner starting a county's own scenario needs a file that already
validates, says what each section means and in which unit, and shows where
the ``source:`` of each figure goes. It is kept small (three departments, six
items, two project types, a few dozen projects a year) so that it runs in
seconds and every line can be read; the bundled ``scenarios/`` show the full
county.

The text is a constant rather than a dump of a :class:`~model.scenario.schema.Scenario`
because the comments are the point, and YAML dumpers drop them. A test checks
that it validates and runs.
"""

from __future__ import annotations

__all__ = ["STARTER", "starter_text"]

#: The starter scenario; ``{name}`` is replaced by the scenario's name.
STARTER = """\
# A starter scenario written by 'approvalsim init'. Edit it into your county's own.
#
# Check it with:   approvalsim validate {file}
# Run it with:     approvalsim run {file} --replications 5
# Compare it with a changed copy:  approvalsim diff {file} reform.yaml
#
# Units: names ending in _wd are working days (the offices' clock: weekends,
# public holidays and closures excluded); names ending in _days are calendar days;
# work_hours are a case officer's touch hours.
#
# Durations are distributions, written as a number (always that value) or as
#   {{kind: triangular, low: 1, mode: 2, high: 4}}      (low, most likely, high)
#   {{kind: uniform, low: 1, high: 3}}
#   {{kind: exponential, mean: 5}}
#   {{kind: lognormal, mean: 5, sd: 2}}    {{kind: gamma, mean: 5, sd: 2}}
#   {{kind: empirical, values: [1, 2, 3], weights: [0.5, 0.3, 0.2]}}
#
# Every figure can carry a `source:` note saying where it comes from. Tag each
# note: [P] official text, [N] news report of official figures, [R] statute,
# [E] estimate (an assumption of this file). Reports count the [E] notes as
# estimates, so replace them with your county's own figures where you have them.
# The figures below are round estimates for a small county, all [E].

name: {name}
description: >-
  Starter county: about 40 signed projects a year, three departments, serial
  approval held to statutory limits. Replace with a sentence on what this
  scenario represents.
source: "[E] written by approvalsim init; not calibrated"

# How items are handled: serial (one application after another) or parallel
# (one application per stage, items reviewed at the same time, 并联审批).
approval_mode: serial
# Which decision limit departments work to: statutory or committed (the county's
# shorter promise, committed_limit_wd on each item).
time_limits: statutory
# Review simulatable items before land is obtained (模拟审批).
simulated_approval: false

# Calendar days from signing until the first formality starts.
handoff_days:
  kind: triangular
  low: 3
  mode: 10
  high: 20
  source: "[E] no one assigned to the project at signing"

# The reform mechanisms ("three sixes") are all off unless switched on here, e.g.
#   mechanisms:
#     one_window: {{enabled: true, clerks: 3, source: "[E] ..."}}
# See docs/scenario-reference.md for every mechanism and its parameters.

# Departments by name (Chinese names welcome). staff = case officers, each working
# on one file at a time for its touch hours.
departments:
  发改局:
    staff: 2
    source: "[E] two case officers in the approval section"
  自然资源局:
    staff: 3
    source: "[E] three case officers"
  住建局:
    staff: 3
    source: "[E] three case officers"

# Approval items by name. Each belongs to one department and one stage:
# land (land supply), 1 (project approval), 2 (planning permission),
# 3 (construction permit), 4 (completion acceptance) or licence (after acceptance).
# Within a stage, items are handled in the order listed (after their prerequisites).
items:
  land_supply:
    department: 自然资源局
    stage: land
    effort_wd: {{kind: triangular, low: 1, mode: 2, high: 4}}  # touch time, working days
    elapsed_days: 20                 # public notice: calendar days, holds no one
    statutory_limit_wd: 20
    source: "[E] listing and land supply"
  filing:
    department: 发改局
    stage: 1
    starts_official_clock: true      # the government clock of the targets starts here (赋码)
    effort_wd: {{kind: uniform, low: 0.5, high: 1.5}}
    statutory_limit_wd: 5
    committed_limit_wd: 2
    preparation_days: {{kind: triangular, low: 3, mode: 7, high: 15}}  # the enterprise prepares
    deficiency_probability: 0.2      # chance the first submission is returned
    fix_days: {{kind: triangular, low: 2, mode: 5, high: 10}}          # to fix a returned file
    source: "[E] project filing (备案)"
  planning_permit:
    department: 自然资源局
    stage: 2
    prerequisites: [filing]
    effort_wd: {{kind: gamma, mean: 3, sd: 1.5}}
    statutory_limit_wd: 20
    committed_limit_wd: 8
    # choosing a design institute (third-party time), then the enterprise prepares
    intermediary_days: {{kind: triangular, low: 10, mode: 20, high: 40}}
    preparation_days: {{kind: triangular, low: 10, mode: 20, high: 40}}
    deficiency_probability: 0.3
    fix_days: {{kind: triangular, low: 3, mode: 7, high: 15}}
    simulatable: true
    source: "[E] planning permit for construction land (建设用地规划许可)"
  construction_permit:
    department: 住建局
    stage: 3
    prerequisites: [planning_permit]
    effort_wd: {{kind: lognormal, mean: 2, sd: 1}}
    statutory_limit_wd: 7
    committed_limit_wd: 3
    preparation_days: {{kind: triangular, low: 5, mode: 10, high: 20}}
    deficiency_probability: 0.2
    fix_days: {{kind: triangular, low: 2, mode: 5, high: 10}}
    source: "[E] construction permit (施工许可)"
  acceptance:
    department: 住建局
    stage: 4
    effort_wd: {{kind: triangular, low: 1, mode: 2, high: 3}}
    statutory_limit_wd: 15
    deficiency_probability: 0.25
    fix_days: {{kind: triangular, low: 5, mode: 10, high: 20}}
    source: "[E] completion acceptance (竣工验收)"
  business_licence:
    department: 发改局
    stage: licence
    effort_wd: 1
    statutory_limit_wd: 5
    source: "[E] operating licence (准营)"

# Kinds of project: their share of signings (shares sum to 1), the items each
# needs, whether land must be supplied (new) or is already held (own), and the
# calendar days of construction and of production preparation.
project_types:
  industrial:
    share: 0.7
    items: [land_supply, filing, planning_permit, construction_permit, acceptance, business_licence]
    land: new
    construction_days: {{kind: triangular, low: 150, mode: 240, high: 360}}
    production_prep_days: {{kind: triangular, low: 10, mode: 30, high: 60}}
    source: "[E] new factory on newly supplied land"
  expansion:
    share: 0.3
    items: [filing, construction_permit, acceptance]
    land: own
    construction_days: {{kind: triangular, low: 60, mode: 120, high: 200}}
    source: "[E] extension on land the enterprise holds"

# How projects are signed: Poisson with a yearly rate (or a schedule of dates
# from a CSV: arrivals: {{kind: schedule, path: signed.csv}}).
arrivals:
  kind: poisson
  rate_per_year: 40
  source: "[E] about 40 signed projects a year"

# Run settings: projects are signed during horizon_days; those signed before
# warmup_days are simulated but not measured; drain keeps simulating until every
# signed project is in production. Each replication draws new random numbers
# from the seed; the same seed gives the same results.
run:
  start_date: 2026-01-01
  horizon_days: 365
  warmup_days: 0
  drain: true
  replications: 5
  seed: 20260101
"""


def starter_text(name: str = "my-county", file: str = "scenario.yaml") -> str:
    """The starter scenario named ``name``, its comments quoting ``file``.

    Args:
        name: The scenario's ``name:``.
        file: The file name the comments use in their example commands.

    """
    return STARTER.format(name=_yaml_scalar(name), file=file)


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same string."""
    import json

    import yaml

    try:
        plain = "\n" not in text and yaml.safe_load(text) == text
    except yaml.YAMLError:
        plain = False
    # A JSON string is a YAML double-quoted scalar.
    return text if plain else json.dumps(text, ensure_ascii=False)
