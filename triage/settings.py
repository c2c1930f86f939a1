"""The council's clock settings, read from configuration in one place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from triage.domain.clocks import DecisionPolicy
from triage.domain.signposting import DEFAULT_SIGNPOSTING


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
class ContactSettings:
    # code -> label: where a family may be signposted with no further action (the council's list)
    signposting: dict[str, str]


def contact_settings() -> ContactSettings:
    c = current_app.config
    return ContactSettings(signposting=dict(c.get("SIGNPOSTING") or DEFAULT_SIGNPOSTING))
