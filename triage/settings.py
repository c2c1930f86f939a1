"""The council's settings, read from configuration in one place: one frozen dataclass per area."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from triage.domain.clocks import DecisionPolicy
from triage.domain.signin import DelayPolicy, TokenLifetime


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
class PeopleSettings:
    """Accounts, sign-in and tokens."""

    password_hash_method: str  # scrypt in service; tests choose a cheaper method for speed
    sign_in_delay: DelayPolicy
    token_lifetime: TokenLifetime
    token_approval_roles: frozenset[str]  # tokens for these roles wait for a second person


def people_settings() -> PeopleSettings:
    c = current_app.config
    return PeopleSettings(
        password_hash_method=c.get("PASSWORD_HASH_METHOD", "scrypt"),
        sign_in_delay=DelayPolicy(free_failures=c["LOGIN_FREE_FAILURES"],
                                  first_wait=timedelta(seconds=c["LOGIN_FIRST_WAIT_SECONDS"]),
                                  longest_wait=timedelta(seconds=c["LOGIN_LONGEST_WAIT_SECONDS"]),
                                  forget_after=timedelta(hours=c["LOGIN_FAILURES_FORGOTTEN_HOURS"])),
        token_lifetime=TokenLifetime(default=timedelta(days=c["TOKEN_DEFAULT_DAYS"]),
                                     longest=timedelta(days=c["TOKEN_LONGEST_DAYS"])),
        token_approval_roles=frozenset(c["TOKEN_APPROVAL_ROLES"]),
    )
