"""Simulated approval's change risk is a project's: a changed project re-reviews its items.

The scenario says "10 % of projects change after the land transfer"; drawn per
item instead, nearly half the projects of a type with several simulated items
would see a re-review.
"""

from __future__ import annotations

import datetime as dt

from test_exact import LISTING, MONDAY, THREE_ITEMS, scenario
from model.experiments.batch import run
from model.simulation.eventlog import REREVIEW

CHANGE_PROBABILITY = 0.3
SIGNINGS = 400


def test_the_share_of_projects_with_a_rereview_is_the_change_probability() -> None:
    s = scenario(
        {**LISTING, **THREE_ITEMS},
        mode="parallel",
        land="new",
        simulated=True,
        signings=[MONDAY + dt.timedelta(days=k % 200) for k in range(SIGNINGS)],
        staff=400,
    ).with_overrides(
        {"simulated_approval_options": {"change_probability": CHANGE_PROBABILITY},
         "run.horizon_days": 200}
    )  # fmt: skip
    events = run(s).events
    rereviews = events[(events["activity"] == REREVIEW) & (events["lifecycle"] == "start")]
    per_project = rereviews.groupby("project_id")["item"].nunique()
    share = len(per_project) / SIGNINGS
    se = (CHANGE_PROBABILITY * (1 - CHANGE_PROBABILITY) / SIGNINGS) ** 0.5
    assert abs(share - CHANGE_PROBABILITY) < 4 * se
    # A changed project re-reviews every one of its simulated items (a, b and c).
    assert (per_project == 3).all()
