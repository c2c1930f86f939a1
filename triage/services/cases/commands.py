"""What a person asks of a case, as typed values: the API's schemas and the case page's forms
both build these, and the use cases take nothing else. Ids from the address (the referral, the
assessment, the discussion) are passed beside the command, not inside it.

`version` is the version the person read; None when the caller sent none (the version column
still catches a race at commit)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Allocation:
    team_id: int | None
    worker_id: int | None = None  # None: the team only, no worker yet
    version: int | None = None


@dataclass(frozen=True)
class Transfer:
    """Move an open case to another team (and worker), saying why."""

    team_id: int | None
    worker_id: int | None = None
    reason: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class StartAssessment:
    started_on: date | None
    version: int | None = None


@dataclass(frozen=True)
class ChildSeen:
    child_seen_on: date | None
    version: int | None = None


@dataclass(frozen=True)
class CaseDiscussionHeld:
    held_on: date | None
    note: str | None = None
    held_by_id: int | None = None  # None: the person recording it
    version: int | None = None


@dataclass(frozen=True)
class Authorisation:
    outcome: str
    factors: tuple[str, ...]
    closure_reason: str | None = None
    late_reason: str | None = None
    version: int | None = None
    primary_need: str | None = None
    needs_support: bool | None = None  # None: as the outcome says
    early_help_team: str | None = None  # early help: the agency code of the team the family goes to


@dataclass(frozen=True)
class ReferralDetails:
    primary_need: str | None
    version: int | None = None


@dataclass(frozen=True)
class Closure:
    closed_on: date | None
    reason: str
    open_work_reason: str | None = None
    nfa: bool = False
    version: int | None = None


@dataclass(frozen=True)
class StrategyDiscussionHeld:
    held_on: date | None
    agencies: tuple[str, ...]
    s47_started: bool


@dataclass(frozen=True)
class S47OutcomeGiven:
    outcome: str
    on: date | None
    version: int | None = None


@dataclass(frozen=True)
class Conference:
    """The initial child protection conference: held on a date, or not needed with a reason."""

    held_on: date | None = None
    not_needed_reason: str | None = None
    version: int | None = None
    resulted_in_plan: bool | None = None
    plan_category: str | None = None
    plan_start_date: date | None = None


@dataclass(frozen=True)
class PlanRecord:
    resulted_in_plan: bool
    plan_category: str | None = None
    plan_start_date: date | None = None
    plan_end_date: date | None = None
    version: int | None = None


@dataclass(frozen=True)
class StepDownAnswer:
    """The early help team's answer to a handover: accept the family, or return it saying why."""

    accepted: bool | None
    reason: str | None = None
    version: int | None = None
