"""The council's clock settings, read from configuration in one place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from triage.domain.clocks import DecisionPolicy
from triage.domain.retention import RetentionRules


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
class ReturnsSettings:
    """The statutory returns: the census header's source fields and Annex A's default windows."""

    census_lea: str
    census_software_code: str
    census_release: str
    census_serial_no: str
    annex_a_contact_months: int
    annex_a_months: int


def returns_settings() -> ReturnsSettings:
    c = current_app.config
    return ReturnsSettings(
        census_lea=str(c["CENSUS_LEA"]),
        census_software_code=str(c["CENSUS_SOFTWARE_CODE"]),
        census_release=str(c["CENSUS_RELEASE"]),
        census_serial_no=str(c["CENSUS_SERIAL_NO"]),
        annex_a_contact_months=int(c["ANNEX_A_CONTACT_MONTHS"]),
        annex_a_months=int(c["ANNEX_A_MONTHS"]),
    )


def retention_rules() -> RetentionRules:
    """How long each kind of record is kept (triage.domain.retention)."""
    c = current_app.config
    return RetentionRules(contact_years=int(c["RETENTION_CONTACT_YEARS"]),
                          case_until_age=int(c["RETENTION_CASE_UNTIL_AGE"]),
                          case_years_after_closure=int(c["RETENTION_CASE_YEARS_AFTER_CLOSURE"]))
