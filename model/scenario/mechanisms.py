"""The eighteen "three sixes" mechanisms: names, scenario keys and the output each moves.

One table used by the README generator, the reports and the mechanism tests'
documentation, so that names and outputs are written once. ``switch`` is the
dotted override that turns the mechanism on in a scenario; ``output`` the
per-replication key output that ../shared/design/mechanisms.md says should
move, and ``direction`` which way (-1 down, +1 up). ``context`` names what the
comparison needs besides the switch: one window saves trips only when a stage
is one application (parallel approval), so it is measured there.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class MechanismInfo(NamedTuple):
    """One mechanism of the notice."""

    group: str
    number: int
    chinese: str
    english: str
    key: str
    switch: dict[str, Any]
    output: str
    direction: int
    changes: str
    context: dict[str, Any] = {}
    """Overrides under which the effect shows (applied with and without the mechanism)."""


MECHANISMS: tuple[MechanismInfo, ...] = (
    MechanismInfo(
        "六个即",
        1,
        "签约即落地",
        "signing = landing",
        "landing_service",
        {"mechanisms.landing_service.enabled": True},
        "signing_to_first_application_days",
        -1,
        "units, commissioner and agent assigned at signing: the handoff wait shrinks",
    ),
    MechanismInfo(
        "六个即",
        2,
        "首问即责任",
        "first contact is responsible",
        "first_contact_responsibility",
        {"mechanisms.first_contact_responsibility.enabled": True},
        "trips",
        -1,
        "no misrouted enquiries (each misrouting costs a delay and a trip)",
    ),
    MechanismInfo(
        "六个即",
        3,
        "承诺即办结",
        "commitment = done",
        "commitment_approval",
        {"mechanisms.commitment_approval.enabled": True},
        "mean_item_days",
        -1,
        "容缺-listed items taken up at once and accepted on commitment, materials following",
    ),
    MechanismInfo(
        "六个即",
        4,
        "准入即准营",
        "entry = operation",
        "one_industry_one_license",
        {"mechanisms.one_industry_one_license.enabled": True},
        "completion_to_production_days",
        -1,
        "operating licences as one application, reviewed in parallel",
    ),
    MechanismInfo(
        "六个即",
        5,
        "拿地即开工",
        "land = start",
        "(outcome)",
        {
            "approval_mode": "parallel",
            "simulated_approval": True,
            "mechanisms.conditional_acceptance.enabled": True,
        },
        "land_to_start_days",
        -1,
        "an outcome of parallel, simulated approval and conditional acceptance",
    ),
    MechanismInfo(
        "六个即",
        6,
        "竣工即投产",
        "completion = production",
        "joint_acceptance, combined_survey, production_prep_overlap",
        {
            "mechanisms.joint_acceptance.enabled": True,
            "mechanisms.combined_survey.enabled": True,
            "mechanisms.production_prep_overlap.enabled": True,
        },
        "completion_to_production_days",
        -1,
        "one joint inspection; one as-built survey; preparation during acceptance",
    ),
    MechanismInfo(
        "六个办",
        1,
        "网上办",
        "online",
        "online",
        {"mechanisms.online.enabled": True},
        "trips",
        -1,
        "a share of applications for eligible items online: no trip, no hall queue",
    ),
    MechanismInfo(
        "六个办",
        2,
        "上门办",
        "on-site service",
        "onsite_service",
        {"mechanisms.onsite_service.enabled": True},
        "trips",
        -1,
        "service teams (a finite pool) take applications at the enterprise",
    ),
    MechanismInfo(
        "六个办",
        3,
        "容缺办",
        "conditional acceptance",
        "conditional_acceptance",
        {"mechanisms.conditional_acceptance.enabled": True},
        "rework_rounds",
        -1,
        "minor deficiencies supplemented by courier during review; missed-supplement risk",
    ),
    MechanismInfo(
        "六个办",
        4,
        "代理办",
        "agent service",
        "agents",
        {"mechanisms.agents.enabled": True},
        "trips",
        -1,
        "agents (finite pool, caseload) travel for the enterprise, fewer deficiencies",
    ),
    MechanismInfo(
        "六个办",
        5,
        "并联办",
        "parallel approval",
        "approval_mode: parallel, time_limited_feedback",
        {"approval_mode": "parallel"},
        "signing_to_start_days",
        -1,
        "one application per stage, items side by side; late answers escalated",
    ),
    MechanismInfo(
        "六个办",
        6,
        "模拟办",
        "simulated approval",
        "simulated_approval",
        {"simulated_approval": True},
        "land_to_start_days",
        -1,
        "simulatable items reviewed before land, converted when land is held",
    ),
    MechanismInfo(
        "六个一",
        1,
        "一个链长负责",
        "one chain leader / service team",
        "service_team",
        {"mechanisms.service_team.enabled": True},
        "signing_to_start_days",
        -1,
        "the enterprise's idle gap between stages shrinks",
    ),
    MechanismInfo(
        "六个一",
        2,
        "一张蓝图导引",
        "one flowchart",
        "process_map",
        {"mechanisms.process_map.enabled": True},
        "signing_to_start_days",
        -1,
        "shorter preparation, fewer misrouted enquiries",
    ),
    MechanismInfo(
        "六个一",
        3,
        "一张表格告知",
        "one checklist",
        "checklist_notice",
        {"mechanisms.checklist_notice.enabled": True},
        "rework_rounds",
        -1,
        "lower deficiency probability at first submission",
    ),
    MechanismInfo(
        "六个一",
        4,
        "一个窗口办理",
        "one window",
        "one_window",
        {"mechanisms.one_window.enabled": True},
        "trips",
        -1,
        "window clerks (a pool) take every application; one trip instead of one per department",
        {"approval_mode": "parallel"},
    ),
    MechanismInfo(
        "六个一",
        5,
        "一个系统审批",
        "one system (platform 3.0)",
        "monitoring_system",
        {"mechanisms.monitoring_system.enabled": True},
        "share_items_within_limit",
        1,
        "earliest-deadline-first queues, escalation near the limit, faster intermediaries",
    ),
    MechanismInfo(
        "六个一",
        6,
        "一套机制运行",
        "one rulebook",
        "performance_review",
        {"mechanisms.performance_review.enabled": True},
        "mean_item_days",
        -1,
        "departments scored on time (scorecard for every run); reviewer effort factor",
    ),
)
"""The eighteen mechanisms in the notice's order."""
