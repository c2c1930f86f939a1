"""The council's clock settings, read from configuration in one place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from triage.domain.clocks import DecisionPolicy


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
class ReportSettings:
    """When the morning report is built (London time), the child population its rates are per,
    and how many rows of a long section its page shows at a time."""

    hour: int
    minute: int
    child_population: int
    page_size: int


def report_settings() -> ReportSettings:
    c = current_app.config
    return ReportSettings(hour=int(c["MORNING_REPORT_HOUR"]), minute=int(c["MORNING_REPORT_MINUTE"]),
                          child_population=int(c["CHILD_POPULATION"]),
                          page_size=int(c.get("REPORT_PAGE_SIZE", 100)))
