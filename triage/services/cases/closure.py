"""The end of a case (the census episode): its primary need, and closing it with every clock
still running on it stopped."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.codes import AssessmentOutcome, ClosureReason, PrimaryNeed
from triage.extensions import db
from triage.models import Assessment, Referral, StrategyDiscussion
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.cases.commands import Closure, ReferralDetails
from triage.services.cases.common import CASE_WORKERS, MANAGERS, load
from triage.services.errors import Conflict, Invalid
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work

CLOSING_OUTCOMES = {AssessmentOutcome.NO_FURTHER_ACTION: ClosureReason.NFA_AFTER_ASSESSMENT,
                    AssessmentOutcome.EARLY_HELP: ClosureReason.EARLY_HELP_AFTER_ASSESSMENT}
AFTER_ASSESSMENT = {ClosureReason.NFA_AFTER_ASSESSMENT, ClosureReason.EARLY_HELP_AFTER_ASSESSMENT}


def close_referral(referral: Referral, actor: Actor, now: datetime, on: date, reason: str,
                   note: str | None = None) -> None:
    """Mark the referral closed; the caller stops its clocks and audits."""
    referral.closed_at, referral.closed_on, referral.closure_reason = now, on, reason
    referral.closed_by_id, referral.closure_note = actor.user_id, note


def has_s47(referral_id: int) -> bool:
    return db.session.scalar(select(func.count(StrategyDiscussion.id)).where(
        StrategyDiscussion.referral_id == referral_id, StrategyDiscussion.s47_started_on.is_not(None))) > 0


@unit_of_work("referral")
def record_referral_details(actor: Actor, now: datetime, referral_id: int, command: ReferralDetails) -> Referral:
    """The referral's primary need (N0-N9), which may be known before authorisation."""
    require(actor, CASE_WORKERS, "record a referral's primary need")
    referral = load(Referral, referral_id, "referral")
    check_version(referral, command.version, "referral")
    if command.primary_need not in PrimaryNeed._value2member_map_:
        raise Invalid("The primary need needs correcting", {"primary_need": ["Choose a primary need, N0 to N9"]})
    referral.primary_need = command.primary_need
    audit.record(actor, now, "update", "referral", referral.id, child_id=referral.child_id,
                 detail=f"primary need {command.primary_need}")
    return referral


def _closure_problems(command: Closure, referral: Referral, now: datetime, assessment: Assessment | None,
                      discussions: list[StrategyDiscussion]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    reason, closed_on = command.reason, command.closed_on
    if reason not in ClosureReason._value2member_map_:
        errors["reason"] = [f"Choose one of: {', '.join(c.value for c in ClosureReason)}"]
    if closed_on is None or closed_on > local_date(now):
        errors["closed_on"] = ["Enter the closure date: today or earlier"]
    elif closed_on < referral.referral_date:
        errors["closed_on"] = [f"The case cannot close before its referral on {referral.referral_date:%-d %B %Y}"]
    open_s47 = [d for d in discussions if d.s47_started_on and d.icpc_held_on is None
                and d.icpc_not_needed_reason is None]
    if open_s47:
        errors["reason"] = errors.get("reason", []) + [
            "A section 47 enquiry is still open: record its conference date, or that none is needed, first"]
    started = assessment is not None and assessment.started_on is not None
    open_assessment = assessment is not None and assessment.authorised_at is None and started
    if open_assessment and not (command.open_work_reason or "").strip():
        errors["open_work_reason"] = ["The assessment is still open: say why the case is closing without it"]
    if command.nfa and (started or discussions or (assessment is not None and assessment.authorised_at)):
        errors["nfa"] = ["Work has started on this referral, so it is not a referral with no further action"]
    if reason in AFTER_ASSESSMENT and not (assessment is not None and assessment.authorised_at):
        errors["reason"] = errors.get("reason", []) + ["RC8 and RC9 are for cases closed after an authorised assessment"]
    return errors


@unit_of_work("referral")
def close_case(actor: Actor, now: datetime, referral_id: int, command: Closure) -> Referral:
    """A manager closes the case (the census episode): every clock still running on it stops.

    An assessment still open needs the manager to say why it is closing anyway; an s47 must
    first have its conference date or "not required". `nfa` marks a referral on which nothing
    further was done (census ReferralNFA): no assessment started and no strategy discussion.
    A new referral for the child after this is a new episode."""
    require(actor, MANAGERS, "close cases: only a manager can")
    referral = load(Referral, referral_id, "referral")
    check_version(referral, command.version, "referral")
    if referral.closed_at is not None:
        raise Conflict(f"This case is already closed ({referral.closure_reason}, "
                       f"{referral.closed_on or local_date(referral.closed_at):%-d %B %Y})")
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    discussions = list(db.session.scalars(select(StrategyDiscussion).where(
        StrategyDiscussion.referral_id == referral.id)))
    errors = _closure_problems(command, referral, now, assessment, discussions)
    if errors:
        raise Invalid("The closure needs correcting", errors)
    note = (command.open_work_reason or "").strip() or None
    close_referral(referral, actor, now, command.closed_on, command.reason, note)
    referral.nfa = bool(command.nfa)
    # Closing stops what still runs on the case; a clock already past due stays breached.
    stopped = min(now, clock_rules.end_of_day(command.closed_on))
    running = [(ClockKind.ICPC, "strategy_discussion", d.id) for d in discussions]
    if assessment is not None:
        running.append((ClockKind.ASSESSMENT, "assessment", assessment.id))
        running += [(ClockKind.CASE_DISCUSSION, "case_discussion", d.id) for d in assessment.case_discussions]
    for kind, subject, subject_id in running:
        clocks.stop_clock(kind, subject, subject_id, stopped)
    audit.record(actor, now, "close", "referral", referral.id, child_id=referral.child_id,
                 detail=f"{command.reason}{' NFA' if command.nfa else ''}{' with open work' if note else ''}")
    return referral
