"""The child and family assessment on its working-day clock: opened with the referral, started,
the child seen, its case discussions held, and authorised with its outcome."""
from __future__ import annotations

from datetime import date, datetime

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.codes import AssessmentOutcome, ClosureReason, PrimaryNeed, assessment_factors_problem
from triage.extensions import db
from triage.models import Assessment, CaseDiscussion, Referral, User
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.cases.closure import AFTER_ASSESSMENT, CLOSING_OUTCOMES, close_referral, has_s47
from triage.services.cases.commands import Authorisation, CaseDiscussionHeld, ChildSeen, StartAssessment
from triage.services.cases.common import CASE_WORKERS, MANAGERS, load, past_or_today
from triage.services.cases.step_down import early_help_team, hand_over
from triage.services.errors import Conflict, Invalid
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings

NEEDS_SUPPORT = {AssessmentOutcome.CHILD_IN_NEED_PLAN: True, AssessmentOutcome.S47: True,
                 AssessmentOutcome.NO_FURTHER_ACTION: False, AssessmentOutcome.EARLY_HELP: False}


def open_assessment(now: datetime, referral: Referral, started_on: date | None = None,
                    clocks_started_at: datetime | None = None) -> Assessment:
    """Start the assessment clock at the referral date (not the start date), with its planned
    case discussions. Joins the caller's transaction. `clocks_started_at` (default `now`) is
    when the clocks say they started: the tracker import gives the referral date."""
    settings, calendar = clock_settings(), working_day_calendar()
    due = clock_rules.assessment_due_date(referral.referral_date, calendar, settings.assessment_working_days)
    assessment = Assessment(referral_id=referral.id, child_id=referral.child_id, team_id=referral.team_id,
                            worker_id=referral.worker_id, due_date=due, started_on=started_on,
                            created_at=now)
    db.session.add(assessment)
    db.session.flush()
    links = {"child_id": referral.child_id, "owner_id": referral.worker_id, "team_id": referral.team_id}
    started_at = clocks_started_at or now
    clocks.start_subject_date_clock(ClockKind.ASSESSMENT, assessment, started_at, due, settings, calendar, **links)
    planned = clock_rules.case_discussion_due_dates(referral.referral_date, calendar,
                                                    settings.case_discussion_working_days)
    for sequence, day in enumerate(planned, start=1):
        discussion = CaseDiscussion(assessment_id=assessment.id, sequence=sequence, planned_on=day)
        db.session.add(discussion)
        db.session.flush()
        clocks.start_subject_date_clock(ClockKind.CASE_DISCUSSION, discussion, started_at, day, settings, calendar,
                                        **links)
    return assessment


@unit_of_work("assessment", keep_loaded=True)
def get_assessment(actor: Actor, now: datetime, assessment_id: int) -> Assessment:
    require(actor, CASE_WORKERS, "open assessments")
    assessment = load(Assessment, assessment_id, "assessment")
    audit.record(actor, now, "read", "assessment", assessment.id, child_id=assessment.child_id)
    return assessment


def start_assessment(actor: Actor, now: datetime, assessment_id: int, command: StartAssessment) -> Assessment:
    return _record_date(actor, now, assessment_id, "started_on", command.started_on, command.version,
                        "start assessments", "started")


def record_child_seen(actor: Actor, now: datetime, assessment_id: int, command: ChildSeen) -> Assessment:
    return _record_date(actor, now, assessment_id, "child_seen_on", command.child_seen_on, command.version,
                        "record that the child was seen", "child seen")


@unit_of_work("assessment")
def _record_date(actor: Actor, now: datetime, assessment_id: int, field: str, value: date | None,
                 version: int | None, doing: str, detail: str) -> Assessment:
    """A date in the assessment's life: not in the future, not before the referral."""
    require(actor, CASE_WORKERS, doing)
    assessment = load(Assessment, assessment_id, "assessment")
    check_version(assessment, version, "assessment")
    past_or_today(value, field, now, not_before=assessment.referral.referral_date)
    setattr(assessment, field, value)
    audit.record(actor, now, "update", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=detail)
    return assessment


@unit_of_work("assessment")
def record_case_discussion(actor: Actor, now: datetime, assessment_id: int, sequence: int | None,
                           command: CaseDiscussionHeld) -> CaseDiscussion:
    """A management oversight point held: stops that discussion's clock."""
    require(actor, CASE_WORKERS, "record case discussions")
    assessment = load(Assessment, assessment_id, "assessment")
    check_version(assessment, command.version, "assessment")
    discussion = next((d for d in assessment.case_discussions if d.sequence == sequence), None)
    if discussion is None:
        raise Invalid("No such case discussion", {"sequence": [
            f"Choose one of: {', '.join(str(d.sequence) for d in assessment.case_discussions)}"]})
    if discussion.held_on is not None:
        raise Conflict(f"Case discussion {sequence} was already recorded as held on {discussion.held_on:%-d %B %Y}")
    past_or_today(command.held_on, "held_on", now, not_before=assessment.referral.referral_date)
    holder = command.held_by_id or actor.user_id
    if command.held_by_id is not None and db.session.get(User, command.held_by_id) is None:
        raise Invalid("Unknown person", {"held_by_id": ["Choose who held the discussion"]})
    discussion.held_on, discussion.held_by_id = command.held_on, holder
    discussion.note, discussion.recorded_at = (command.note or "").strip() or None, now
    clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id,
                      min(now, clock_rules.end_of_day(command.held_on)))
    audit.record(actor, now, "update", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=f"case discussion {sequence} held")
    return discussion


def _authorisation_problems(assessment: Assessment, command: Authorisation, had_s47: bool, need: str | None,
                            late: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    outcome, closure_reason = command.outcome, command.closure_reason
    if outcome not in AssessmentOutcome._value2member_map_:
        errors["outcome"] = [f"Choose one of: {', '.join(o.value for o in AssessmentOutcome)}"]
    else:
        problem = assessment_factors_problem(list(command.factors or []),
                                             outcome == AssessmentOutcome.NO_FURTHER_ACTION)
        if problem:
            errors["factors"] = [problem]
    if closure_reason and closure_reason not in ClosureReason._value2member_map_:
        errors["closure_reason"] = [f"Choose one of: {', '.join(c.value for c in ClosureReason)}"]
    if closure_reason in AFTER_ASSESSMENT and had_s47:
        errors["closure_reason"] = ["This case had a section 47 enquiry: RC8 and RC9 are only for cases "
                                    "closed straight after an assessment (use RC7)"]
    if need not in PrimaryNeed._value2member_map_:
        errors["primary_need"] = ["Record the child's primary need (N0 to N9)"]
    if late and not (command.late_reason or "").strip():
        errors["late_reason"] = [f"This assessment was due on {assessment.due_date:%-d %B %Y}: say why it is late"]
    if assessment.started_on is None:
        errors["started_on"] = ["Record when the assessment started before authorising it"]
    return errors


@unit_of_work("assessment")
def authorise(actor: Actor, now: datetime, assessment_id: int, command: Authorisation) -> Assessment:
    """A manager authorises the assessment with its outcome, factor codes and the referral's
    primary need (census: recorded by authorisation). Late: say why. The early help outcome
    hands the family over to an early help team (see step_down).

    An episode that had a section 47 enquiry does not close as RC8/RC9 ("after assessment"):
    the census counts that as activity on a case closed after assessment (rule 2990), so it
    closes as RC7 unless the manager gives another reason."""
    require(actor, MANAGERS, "authorise assessments: only a manager can")
    assessment = load(Assessment, assessment_id, "assessment")
    check_version(assessment, command.version, "assessment")
    if assessment.authorised_at is not None:
        raise Conflict("This assessment is already authorised")
    had_s47 = has_s47(assessment.referral_id)
    need = command.primary_need or assessment.referral.primary_need
    today = local_date(now)
    late = today > assessment.due_date
    errors = _authorisation_problems(assessment, command, had_s47, need, late)
    team = None
    if command.outcome == AssessmentOutcome.EARLY_HELP:
        try:
            team = early_help_team(command.early_help_team)
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid("The authorisation needs correcting", errors)
    outcome = AssessmentOutcome(command.outcome)
    assessment.outcome = outcome
    assessment.factors = ",".join(code.strip().upper() for code in command.factors)
    assessment.authorised_at, assessment.authorised_on, assessment.authorised_by_id = now, today, actor.user_id
    assessment.late_reason = command.late_reason.strip() if late else None
    assessment.referral.primary_need = need
    assessment.needs_support = (NEEDS_SUPPORT[outcome] if command.needs_support is None
                                else bool(command.needs_support))
    closes = command.closure_reason or CLOSING_OUTCOMES.get(outcome)
    if closes and had_s47 and closes in AFTER_ASSESSMENT:
        closes = ClosureReason.SERVICES_CEASED
    if closes:
        assessment.closure_reason = ClosureReason(closes)
        close_referral(assessment.referral, actor, now, today, str(closes))
    clocks.stop_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, now)
    if team is not None:  # the family steps down: early help is asked to take them on
        hand_over(actor, now, assessment.referral, team)
    for discussion in assessment.case_discussions:  # oversight points not yet held are moot now
        if discussion.held_on is None:
            clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id, now)
    audit.record(actor, now, "authorise", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=f"{command.outcome}{' (late)' if late else ''}")
    return assessment
