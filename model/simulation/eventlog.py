"""The event log: the immutable facts a simulation emits.

Processes append one tuple per fact and do no KPI arithmetic; everything the
user sees is computed from this log by :mod:`model.analysis.metrics`. Columns follow the
process-mining convention (case, activity, timestamp, resource, lifecycle).
"""

from __future__ import annotations

import pandas as pd

#: Columns of the log, one tuple per fact: ``time`` (calendar days since the
#: scenario's start date), ``project_id``, ``item`` (the approval item; the stage
#: label for stage events; the project type for ``signed``), ``activity``,
#: ``lifecycle`` (``schedule`` = queued, ``start``, ``complete``) and ``resource``
#: (the department or other pool involved, or ``""``).
COLUMNS: tuple[str, ...] = ("time", "project_id", "item", "activity", "lifecycle", "resource")

# Activities, so that metrics and processes share one vocabulary.
MILESTONES: tuple[str, ...] = (
    "signed",
    "land_obtained",
    "construction_start",
    "completed",
    "accepted",
    "production",
)
REVIEW = "review"  # a reviewer examines a submission
RETURNED = "returned"  # a deficient submission goes back to the enterprise
DECISION = "decision"  # the item is approved (after any elapsed delay)
CONVERSION = "conversion"  # a simulated opinion becomes a formal approval
REREVIEW = "rereview"  # partial re-review after a project change
PREPARATION = "preparation"  # enterprise prepares an application
ELAPSED = "elapsed"  # expert review / public notice, no reviewer held
TRIP = "trip"  # the enterprise visits a government office
OPINION = "simulated_opinion"  # simulated review finished before land
STAGE = "stage"  # a stage starts (start) and ends (complete)
INTAKE = "intake"  # a clerk or department window takes an application
CHECK = "commitment_check"  # formal check of an application on commitment (承诺制)
VERIFICATION = "verification"  # post-approval inspection of a commitment
BREACH = "breach"  # the inspection found a breach; rectification follows
SUPPLEMENT = "supplement"  # a minor deficiency supplemented under conditional acceptance
SUPPLEMENT_MISSED = "supplement_missed"  # ... and the supplement missed its deadline
ESCALATED = "escalated"  # an item near its limit jumped the queue
DEEMED_CONSENT = "deemed_consent"  # no answer within the limit counts as approval
MISROUTE = "misroute"  # an enquiry bounced to the wrong office
VISIT = "onsite_visit"  # a service team takes an application at the enterprise
AGENT = "agent"  # an agent (代办员) carries the project
COMMISSIONER = "commissioner"  # an investment commissioner follows the project (签约即落地)
TEAM = "service_team"  # a service-team member follows the project (包干服务团)
TEAM_SCHEDULE = "team_schedule"  # the member sets up the next stage
AGENT_TRIP = "agent_trip"  # an agent, not the enterprise, visits an office
PRECHECK = "agent_precheck"  # the agent found a gap before submission; it is fixed first
IN_TRAY = "in_tray"  # an accepted file waits in the department's in-tray (its pace)
SIGNOFF = "signoff"  # a sign-off level (审核, 签发) touches the decision
MEETING = "meeting"  # the file waits for the next sitting of the deciding meeting
BACKGROUND = "background"  # one of the department's other applications
INTERMEDIARY = "intermediary"  # the enterprise chooses and waits for an intermediary
#: Activities that hold a department reviewer.
REVIEWER_WORK = (REVIEW, CONVERSION, REREVIEW, INTAKE, CHECK, VERIFICATION)
#: Activities that decide an item, on its government clock.
ITEM_WORK = (REVIEW, CONVERSION, REREVIEW, CHECK)
#: Activities that hold a member of any pool (schedule / start / complete).
POOL_WORK = (*REVIEWER_WORK, VISIT, AGENT, COMMISSIONER, TEAM, SIGNOFF, BACKGROUND)


class EventLog:
    """An append-only list of events."""

    def __init__(self) -> None:
        """Start empty."""
        self.records: list[tuple[float, int, str, str, str, str]] = []
        self.emit = self.records.append  # bound once: this is the hot path

    def __len__(self) -> int:
        """Number of events."""
        return len(self.records)

    def to_frame(self) -> pd.DataFrame:
        """The log as a DataFrame with :data:`COLUMNS`."""
        return pd.DataFrame.from_records(self.records, columns=list(COLUMNS))
