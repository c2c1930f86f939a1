"""The council's settings, read from configuration in one place: one frozen dataclass per area
and one function returning it. Services and the domain take these, never the app's config."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from types import MappingProxyType

from flask import current_app

from triage.domain.clocks import ClockSettings, DecisionPolicy
from triage.domain.meetings import MeetingType, read_meeting_type
from triage.domain.pathways import ConcernCategory, read_concern_category

__all__ = ["ClockSettings", "MeetingSettings", "clock_settings", "meeting_settings"]


def clock_settings() -> ClockSettings:
    """Every clock's lengths and warnings as this council set them (defaults: the domain's)."""
    c = current_app.config
    defaults = ClockSettings()
    return ClockSettings(
        decision_policy=DecisionPolicy(c["DECISION_POLICY"]),
        decision_hours=int(c["DECISION_HOURS"]),
        decision_warn=timedelta(hours=int(c["DECISION_WARN_HOURS"])),
        partner_hours_by_rag=dict(c["PARTNER_HOURS_BY_RAG"]),
        partner_warn_percent=int(c.get("PARTNER_WARN_PERCENT", defaults.partner_warn_percent)),
        assessment_working_days=int(c["ASSESSMENT_WORKING_DAYS"]),
        assessment_warn_working_days=int(c["ASSESSMENT_WARN_WORKING_DAYS"]),
        case_discussion_working_days=tuple(c["CASE_DISCUSSION_WORKING_DAYS"]),
        case_discussion_warn_working_days=int(c.get("CASE_DISCUSSION_WARN_WORKING_DAYS",
                                                    defaults.case_discussion_warn_working_days)),
        icpc_working_days=int(c["ICPC_WORKING_DAYS"]),
        icpc_warn_working_days=int(c.get("ICPC_WARN_WORKING_DAYS", defaults.icpc_warn_working_days)),
        day_ends=time.fromisoformat(str(c.get("END_OF_WORKING_DAY", defaults.day_ends.isoformat()))),
    )


@dataclass(frozen=True)
class MeetingSettings:
    types: MappingProxyType  # code -> MeetingType, in the order the council listed them
    partner_access_hours: int  # how long attending partners keep a closed meeting's items
    agencies: MappingProxyType  # agencies the types need beyond the standard ones: code -> (name, kind)
    concern_categories: tuple[ConcernCategory, ...] = ()  # what pathways' routing rules look for

    def type(self, code: str) -> MeetingType | None:
        return self.types.get(code)


def meeting_settings() -> MeetingSettings:
    c = current_app.config
    types = {code: read_meeting_type(code, raw) for code, raw in c["MEETING_TYPES"].items()}
    agencies = {code: tuple(pair) for code, pair in dict(c.get("MEETING_AGENCIES", {})).items()}
    concerns = tuple(read_concern_category(code, raw) for code, raw in dict(c.get("CONCERN_CATEGORIES", {})).items())
    return MeetingSettings(types=MappingProxyType(types),
                           partner_access_hours=int(c["MEETING_PARTNER_ACCESS_HOURS"]),
                           agencies=MappingProxyType(agencies), concern_categories=concerns)
