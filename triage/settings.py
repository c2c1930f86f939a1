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
