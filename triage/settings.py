"""The council's clock settings, read from configuration in one place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from triage.domain.clocks import DecisionPolicy
from triage.domain.step_down import STEP_DOWN_WARN_WORKING_DAYS, STEP_DOWN_WORKING_DAYS


@dataclass(frozen=True)
class ClockSettings:
    decision_policy: DecisionPolicy
    decision_hours: int
    decision_warn: timedelta
    partner_hours_by_rag: dict
    assessment_working_days: int
    assessment_warn_working_days: int
    case_discussion_working_days: tuple[int, ...]
    icpc_working_days: int


def clock_settings() -> ClockSettings:
    c = current_app.config
    return ClockSettings(
        decision_policy=DecisionPolicy(c["DECISION_POLICY"]),
        decision_hours=int(c["DECISION_HOURS"]),
        decision_warn=timedelta(hours=int(c["DECISION_WARN_HOURS"])),
        partner_hours_by_rag=dict(c["PARTNER_HOURS_BY_RAG"]),
        assessment_working_days=int(c["ASSESSMENT_WORKING_DAYS"]),
        assessment_warn_working_days=int(c["ASSESSMENT_WARN_WORKING_DAYS"]),
        case_discussion_working_days=tuple(c["CASE_DISCUSSION_WORKING_DAYS"]),
        icpc_working_days=int(c["ICPC_WORKING_DAYS"]),
    )


@dataclass(frozen=True)
class PartnerSettings:
    # How long an agency may still read a request (and its contact) after it was answered or withdrawn.
    read_days: int


def partner_settings() -> PartnerSettings:
    return PartnerSettings(read_days=int(current_app.config["PARTNER_READ_DAYS"]))


@dataclass(frozen=True)
class StepDownSettings:
    # The early help team answers a handover within this many working days; warned this many before.
    working_days: int
    warn_working_days: int


def step_down_settings() -> StepDownSettings:
    c = current_app.config
    return StepDownSettings(working_days=int(c.get("STEP_DOWN_WORKING_DAYS", STEP_DOWN_WORKING_DAYS)),
                            warn_working_days=int(c.get("STEP_DOWN_WARN_WORKING_DAYS", STEP_DOWN_WARN_WORKING_DAYS)))
