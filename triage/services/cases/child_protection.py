"""Child protection on a case: strategy discussions, the section 47 enquiries they start, the
initial child protection conference on its working-day clock, and whether it made a plan."""
from __future__ import annotations

from datetime import date, datetime

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.codes import CategoryOfAbuse, S47Outcome
from triage.extensions import db
from triage.models import Referral, StrategyDiscussion
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.cases.commands import Conference, PlanRecord, S47OutcomeGiven, StrategyDiscussionHeld
from triage.services.cases.common import CASE_WORKERS, load, past_or_today
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings


@unit_of_work("strategy discussion")
def record_strategy_discussion(actor: Actor, now: datetime, referral_id: int,
                               command: StrategyDiscussionHeld) -> StrategyDiscussion:
    """When an s47 starts, the conference is due on the 15th working day after the discussion."""
    require(actor, CASE_WORKERS, "record strategy discussions")
    referral = load(Referral, referral_id, "referral")
    held_on = command.held_on
    past_or_today(held_on, "held_on", now, not_before=referral.referral_date)
    if not command.agencies:
        raise Invalid("Say which agencies took part", {"agencies": ["Choose at least one agency"]})
    discussion = StrategyDiscussion(referral_id=referral.id, child_id=referral.child_id, held_on=held_on,
                                    agencies_present=",".join(command.agencies), recorded_by_id=actor.user_id,
                                    recorded_at=now, s47_started_on=held_on if command.s47_started else None)
    db.session.add(discussion)
    db.session.flush()
    if command.s47_started:
        settings, calendar = clock_settings(), working_day_calendar()
        clocks.start_subject_date_clock(ClockKind.ICPC, discussion, now, settings.icpc_due(held_on, calendar),
                                        settings, calendar, child_id=referral.child_id, owner_id=referral.worker_id,
                                        team_id=referral.team_id)
    audit.record(actor, now, "create", "strategy_discussion", discussion.id, child_id=referral.child_id)
    return discussion


def discussion_on_case(discussion_id: int, referral_id: int | None) -> StrategyDiscussion:
    """The strategy discussion, checked to belong to the case the caller is looking at."""
    discussion = load(StrategyDiscussion, discussion_id, "strategy discussion")
    if referral_id is not None and discussion.referral_id != referral_id:
        raise NotFound(f"No strategy discussion {discussion_id} on this case")
    return discussion


@unit_of_work("strategy discussion")
def record_s47_outcome(actor: Actor, now: datetime, discussion_id: int, command: S47OutcomeGiven,
                       referral_id: int | None = None) -> StrategyDiscussion:
    require(actor, CASE_WORKERS, "record s47 outcomes")
    discussion = discussion_on_case(discussion_id, referral_id)
    check_version(discussion, command.version, "strategy discussion")
    if discussion.s47_started_on is None:
        raise Conflict("No section 47 enquiry was started at this strategy discussion")
    outcome = command.outcome
    if outcome not in S47Outcome._value2member_map_:
        raise Invalid("Unknown outcome", {"outcome": [f"Choose one of: {', '.join(o.value for o in S47Outcome)}"]})
    past_or_today(command.on, "on", now, not_before=discussion.s47_started_on)
    discussion.s47_outcome, discussion.s47_outcome_on = S47Outcome(outcome), command.on
    if outcome != S47Outcome.SUBSTANTIATED_ICPC and discussion.icpc_held_on is None:
        discussion.icpc_not_needed_reason = discussion.icpc_not_needed_reason or S47Outcome(outcome).label
        clocks.stop_clock(ClockKind.ICPC, "strategy_discussion", discussion.id, now)
    audit.record(actor, now, "update", "strategy_discussion", discussion.id, child_id=discussion.child_id,
                 detail=f"s47 {outcome}")
    return discussion


@unit_of_work("strategy discussion")
def record_icpc(actor: Actor, now: datetime, discussion_id: int, command: Conference,
                referral_id: int | None = None) -> StrategyDiscussion:
    """The conference was held on a date, or is not needed (with the reason): its clock stops.

    A conference is never on a weekend (census rule 8875). Whether it made a child protection
    plan may be said now or later (record_plan); a plan starts on the conference day unless
    another date is given, with its category of abuse."""
    require(actor, CASE_WORKERS, "record conferences")
    discussion = discussion_on_case(discussion_id, referral_id)
    check_version(discussion, command.version, "strategy discussion")
    if discussion.s47_started_on is None:
        raise Conflict("No section 47 enquiry was started, so no conference is due")
    held_on, not_needed_reason = command.held_on, command.not_needed_reason
    if (held_on is None) == (not (not_needed_reason or "").strip()):
        raise Invalid("Give the conference date, or why none is needed",
                      {"held_on": ["Enter the date the conference was held, or a reason none is needed"]})
    if held_on is not None:
        past_or_today(held_on, "held_on", now, not_before=discussion.held_on)
        if held_on.weekday() >= 5:
            raise Invalid("A conference is not held at a weekend", {"held_on": [
                "The conference date is a Saturday or Sunday: check the date"]})
        discussion.icpc_held_on = held_on
        if command.resulted_in_plan is not None:
            _set_plan(discussion, command.resulted_in_plan, command.plan_category,
                      command.plan_start_date or held_on, now)
        stopped = min(now, clock_rules.end_of_day(held_on))
    else:
        discussion.icpc_not_needed_reason = not_needed_reason.strip()
        discussion.resulted_in_plan = False
        stopped = now
    clocks.stop_clock(ClockKind.ICPC, "strategy_discussion", discussion.id, stopped)
    audit.record(actor, now, "update", "strategy_discussion", discussion.id, child_id=discussion.child_id,
                 detail="conference held" if held_on else "conference not needed")
    return discussion


def _plan_problems(discussion: StrategyDiscussion, category: str | None, start: date | None,
                   end: date | None, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if category not in CategoryOfAbuse._value2member_map_:
        errors["plan_category"] = ["Choose the category of abuse: NEG, PHY, SAB, EMO or MUL"]
    if start is None or start > today:
        errors["plan_start_date"] = ["Enter the date the plan started: today or earlier"]
    elif discussion.icpc_held_on and start < discussion.icpc_held_on:
        errors["plan_start_date"] = ["A plan cannot start before the conference that made it"]
    if end is not None and start is not None and end <= start:
        errors["plan_end_date"] = ["A plan ends after the day it started"]
    if end is not None and end > today:
        errors["plan_end_date"] = ["The end date cannot be in the future"]
    return errors


def _set_plan(discussion: StrategyDiscussion, resulted: bool, category: str | None, start: date | None,
              now: datetime, end: date | None = None) -> None:
    if resulted:
        errors = _plan_problems(discussion, category, start, end, local_date(now))
        if errors:
            raise Invalid("The child protection plan needs correcting", errors)
    discussion.resulted_in_plan = bool(resulted)
    discussion.plan_category = CategoryOfAbuse(category) if resulted else None
    discussion.plan_start_date = start if resulted else None
    discussion.plan_end_date = end if resulted else None


@unit_of_work("strategy discussion")
def record_plan(actor: Actor, now: datetime, discussion_id: int, command: PlanRecord,
                referral_id: int | None = None) -> StrategyDiscussion:
    """Whether the conference made a child protection plan, its start and category, and its end
    date when known. The service runs no plans beyond that."""
    require(actor, CASE_WORKERS, "record child protection plans")
    discussion = discussion_on_case(discussion_id, referral_id)
    check_version(discussion, command.version, "strategy discussion")
    if discussion.icpc_held_on is None:
        raise Conflict("No conference has been recorded as held, so no plan can come from it")
    _set_plan(discussion, command.resulted_in_plan, command.plan_category,
              command.plan_start_date or discussion.icpc_held_on, now, command.plan_end_date)
    audit.record(actor, now, "update", "strategy_discussion", discussion.id, child_id=discussion.child_id,
                 detail="plan" if command.resulted_in_plan else "no plan")
    return discussion
