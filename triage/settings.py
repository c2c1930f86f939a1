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
from triage.domain.retention import RetentionRules
from triage.domain.signin import DelayPolicy, TokenLifetime
from triage.domain.signposting import DEFAULT_SIGNPOSTING
from triage.domain.step_down import STEP_DOWN_WARN_WORKING_DAYS, STEP_DOWN_WORKING_DAYS


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


@dataclass(frozen=True)
class PartnerSettings:
    # How long an agency may still read a request (and its contact) after it was answered or withdrawn.
    read_days: int


def partner_settings() -> PartnerSettings:
    return PartnerSettings(read_days=int(current_app.config["PARTNER_READ_DAYS"]))


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


@dataclass(frozen=True)
class FrontDoorSettings:
    """What referrers are told the council is called, and when the Front Door is open (London)."""
    council_name: str
    opens: time
    closes: time


def front_door_settings() -> FrontDoorSettings:
    c = current_app.config
    return FrontDoorSettings(council_name=str(c["COUNCIL_NAME"]),
                             opens=time.fromisoformat(str(c["FRONT_DOOR_OPENS"])),
                             closes=time.fromisoformat(str(c["FRONT_DOOR_CLOSES"])))


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


@dataclass(frozen=True)
class StepDownSettings:
    # The early help team answers a handover within this many working days; warned this many before.
    working_days: int
    warn_working_days: int


def step_down_settings() -> StepDownSettings:
    c = current_app.config
    return StepDownSettings(working_days=int(c.get("STEP_DOWN_WORKING_DAYS", STEP_DOWN_WORKING_DAYS)),
                            warn_working_days=int(c.get("STEP_DOWN_WARN_WORKING_DAYS", STEP_DOWN_WARN_WORKING_DAYS)))


@dataclass(frozen=True)
class ContactSettings:
    # code -> label: where a family may be signposted with no further action (the council's list)
    signposting: dict[str, str]


def contact_settings() -> ContactSettings:
    c = current_app.config
    return ContactSettings(signposting=dict(c.get("SIGNPOSTING") or DEFAULT_SIGNPOSTING))
