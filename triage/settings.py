"""The council's settings, read from configuration in one place: one frozen dataclass per area
and one function returning it. Services and the domain take these, never the app's config."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from types import MappingProxyType

from flask import current_app

from triage.domain.clocks import ClockSettings, DecisionPolicy
from triage.domain.meetings import MeetingType, read_meeting_type

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
class MailSettings:
    """Email: off unless an SMTP host is set; how senders claim, batch and retry."""

    smtp_host: str | None
    smtp_port: int
    smtp_timeout_seconds: int
    mail_from: str
    service_url: str  # links in messages point here
    batch_size: int
    claim: timedelta
    retry: timedelta  # after a first failed attempt; doubled after each further one...
    retry_max: timedelta  # ...up to this


def mail_settings() -> MailSettings:
    c = current_app.config
    return MailSettings(
        smtp_host=c.get("SMTP_HOST") or None,
        smtp_port=int(c.get("SMTP_PORT", 25)),
        smtp_timeout_seconds=int(c["SMTP_TIMEOUT_SECONDS"]),
        mail_from=c["MAIL_FROM"],
        service_url=c["SERVICE_URL"],
        batch_size=int(c["EMAIL_BATCH_SIZE"]),
        claim=timedelta(seconds=int(c["EMAIL_CLAIM_SECONDS"])),
        retry=timedelta(seconds=int(c["EMAIL_RETRY_SECONDS"])),
        retry_max=timedelta(seconds=int(c["EMAIL_RETRY_MAX_SECONDS"])),
    )


@dataclass(frozen=True)
class MeetingSettings:
    types: MappingProxyType  # code -> MeetingType, in the order the council listed them
    partner_access_hours: int  # how long attending partners keep a closed meeting's items
    agencies: MappingProxyType  # agencies the types need beyond the standard ones: code -> (name, kind)

    def type(self, code: str) -> MeetingType | None:
        return self.types.get(code)


def meeting_settings() -> MeetingSettings:
    c = current_app.config
    types = {code: read_meeting_type(code, raw) for code, raw in c["MEETING_TYPES"].items()}
    agencies = {code: tuple(pair) for code, pair in dict(c.get("MEETING_AGENCIES", {})).items()}
    return MeetingSettings(types=MappingProxyType(types),
                           partner_access_hours=int(c["MEETING_PARTNER_ACCESS_HOURS"]),
                           agencies=MappingProxyType(agencies))


@dataclass(frozen=True)
class PartnerSettings:
    # How long an agency may still read a request (and its contact) after it was answered or withdrawn.
    read_days: int


def partner_settings() -> PartnerSettings:
    return PartnerSettings(read_days=int(current_app.config["PARTNER_READ_DAYS"]))
