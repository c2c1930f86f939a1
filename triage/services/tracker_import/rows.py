"""Writing one tracker row: a referral, its assessment and clocks, and the review item when doubtful."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update

from triage.clock import local_date
from triage.domain import tracker
from triage.domain.clocks import ClockKind, ClockState, end_of_day
from triage.extensions import db
from triage.models import (
    Assessment,
    CaseDiscussion,
    Child,
    Clock,
    ClockEvent,
    Referral,
    Team,
    TrackerReviewItem,
    User,
)
from triage.services import audit, clocks
from triage.services.cases import open_assessment
from triage.services.contacts import had_referral_within_a_year
from triage.services.tracker_import.children import (
    check_child,
    fill_census_details,
    match_child,
    matched_before,
    new_child,
)
from triage.services.tracker_import.mapping import Targets
from triage.services.tracker_import.results import RowResult, Words, noon, start_of


def import_row(actor, now, row: tracker.TrackerRow, targets: Targets, words: Words,
                hand_allocated: set) -> RowResult:
    result = RowResult(row.row_number, "imported", list(row.warnings), row.child_id, row.review)
    referral = db.session.scalar(select(Referral).where(Referral.import_key == row.import_key))
    if referral is not None:
        result.review = ()
        _reallocate(actor, now, row, referral, targets, words, result, hand_allocated)
        return result
    _write_row(actor, now, row, targets, words, result)
    return result


def _reallocate(actor, now, row, referral: Referral, targets: Targets, words: Words, result: RowResult,
                hand_allocated: set) -> None:
    """A row imported before: follow the current mapping and accounts, unless allocated by hand since."""
    result.status, result.messages = "unchanged", ["Already imported"]
    if referral.closed_at is not None or referral.id in hand_allocated:
        return
    team_id, _ = targets.team_and_locality(row.team_key, result.messages)
    worker_id = targets.worker(row.worker_key)
    team_id = team_id or referral.team_id  # the import fills and corrects allocations, never empties one
    worker_id = worker_id or referral.worker_id
    if (team_id, worker_id) == (referral.team_id, referral.worker_id):
        return
    changes = []
    if team_id != referral.team_id:
        changes.append(f"team {db.session.get(Team, team_id).name}")
    if worker_id != referral.worker_id:
        changes.append(f"worker {db.session.get(User, worker_id).display_name}")
        referral.allocated_at = now
    referral.team_id, referral.worker_id = team_id, worker_id
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    if assessment is not None:
        assessment.team_id, assessment.worker_id = team_id, worker_id
        discussions = select(CaseDiscussion.id).where(CaseDiscussion.assessment_id == assessment.id)
        db.session.execute(update(Clock).where(
            (and_(Clock.subject == "assessment", Clock.subject_id == assessment.id))
            | (and_(Clock.subject == "case_discussion", Clock.subject_id.in_(discussions))))
            .values(owner_id=worker_id, team_id=team_id))
    audit.record(actor, now, "allocate", "referral", referral.id, child_id=referral.child_id,
                 detail=f"tracker import: team {team_id}, worker {worker_id}")
    result.status = "updated"
    result.messages = [words.did("Allocation updated: ", "Would update the allocation: ") + ", ".join(changes)]


def _write_row(actor, now, row: tracker.TrackerRow, targets: Targets, words: Words, result: RowResult) -> None:
    existing = _existing_child(actor, now, row, words, result)
    if result.status != "imported" or _imported_under_another_key(existing, row, result):
        return
    team_id, locality_id = targets.team_and_locality(row.team_key, result.messages)
    child = _child_for(actor, now, row, existing, locality_id, words, result)
    worker_id = targets.worker(row.worker_key)
    if row.worker_key and worker_id is None:
        result.messages.append(f"No account for worker '{row.worker}': "
                               + words.did("left unallocated", "would be left unallocated"))
    referral = _new_referral(now, row, child, team_id, worker_id)
    assessment = _new_assessment(now, row, referral)
    if row.assessment_completed:
        _complete(row, assessment)
    _close(now, row, referral, assessment, result)
    if row.assessment_target_end and row.assessment_target_end != assessment.due_date:
        result.messages.append(f"The tracker's target end {row.assessment_target_end:%d/%m/%Y} differs from "
                               f"the 45th working day, {assessment.due_date:%d/%m/%Y}, which the service uses")
    result.overdue = _history(assessment, now)
    if result.overdue:
        result.messages.append(words.did("Already overdue: its breach is recorded as history, not notified",
                                         "Already overdue: its breach would be recorded as history, not notified"))
    if result.review:
        _put_on_review_list(now, row, referral, child, words, result)
    audit.record(actor, now, "create", "referral", referral.id, child_id=child.id, detail="tracker import")


def _existing_child(actor, now, row: tracker.TrackerRow, words: Words, result: RowResult) -> Child | None:
    """The child record the row is about, if there is one; a row with no id that matches no
    single child is rejected here."""
    if row.child_id is not None:
        return check_child(row, result) or matched_before(actor, now, row, words, result)
    existing, problem = match_child(row)
    if problem:
        result.status, result.messages, result.review = "rejected", [problem], ()
        return None
    result.messages = [m.replace("to be matched to", "matched to", 1) if m.startswith("No child id") else m
                       for m in result.messages]
    return existing


def _imported_under_another_key(existing: Child | None, row: tracker.TrackerRow, result: RowResult) -> bool:
    """Imported before under another key (the tracker has gained the child's id since)."""
    if existing is None or not db.session.scalar(select(Referral.id).where(
            Referral.child_id == existing.id, Referral.referral_date == row.referral_date,
            Referral.import_key.is_not(None))):
        return False
    gained = [m for m in result.messages if "an earlier import matched" in m]
    result.status, result.review = ("updated" if gained else "unchanged"), ()
    result.messages = [*gained, "Already imported for this child and date"]
    return True


def _child_for(actor, now, row: tracker.TrackerRow, existing: Child | None, locality_id: int | None,
               words: Words, result: RowResult) -> Child:
    if existing is None:
        return new_child(actor, now, row, locality_id, words, result)
    if locality_id and existing.locality_id is None:
        existing.locality_id = locality_id
    fill_census_details(actor, now, row, existing, words, result)
    return existing


def _new_referral(now: datetime, row: tracker.TrackerRow, child: Child, team_id: int | None,
                  worker_id: int | None) -> Referral:
    referral = Referral(child_id=child.id, referral_date=row.referral_date, outcome="assessment",
                        source_code=row.source_code.value if row.source_code else None,
                        is_re_referral=had_referral_within_a_year(child.id, row.referral_date),
                        created_at=now, team_id=team_id, worker_id=worker_id,
                        # Allocated in the tracker already, not news: dated when the work began.
                        allocated_at=noon(row.assessment_start or row.referral_date) if worker_id else None,
                        import_key=row.import_key, primary_need=row.primary_need)
    db.session.add(referral)
    db.session.flush()
    return referral


def _new_assessment(now: datetime, row: tracker.TrackerRow, referral: Referral) -> Assessment:
    """The assessment, its clocks started on the referral date, and a case discussion the tracker dated."""
    assessment = open_assessment(now, referral, started_on=row.assessment_start,
                                 clocks_started_at=start_of(row.referral_date))
    notes = row.notes
    if row.noted_completion:
        noted = f"The tracker gave the completion date {row.noted_completion:%d/%m/%Y}, not used: the case is open"
        notes = f"{notes} | {noted}" if notes else noted
    assessment.import_key, assessment.notes = row.import_key, notes
    if row.case_discussion_date and row.case_discussion_date <= local_date(now):
        first = assessment.case_discussions[0] if assessment.case_discussions else None
        if first is not None:
            first.held_on, first.recorded_at = row.case_discussion_date, now
            clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", first.id,
                              min(now, end_of_day(row.case_discussion_date)))
    return assessment


def _complete(row: tracker.TrackerRow, assessment: Assessment) -> None:
    completed = noon(row.assessment_completed)
    if not row.needs_outcome:
        # Completed with an outcome (or transferred): authorised on the tracker's date.
        assessment.authorised_at, assessment.authorised_on = completed, row.assessment_completed
        assessment.outcome = row.outcome.value if row.outcome else None
        if row.assessment_completed > assessment.due_date:
            assessment.late_reason = "Completed late; imported from the tracker, which recorded no reason"
    # With no outcome it is not authorised: the work stopped the clocks on that date, and a
    # manager records the outcome from the review list.
    clocks.stop_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, completed)
    for discussion in assessment.case_discussions:
        if discussion.held_on is None:
            clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id, completed)


def _close(now: datetime, row: tracker.TrackerRow, referral: Referral, assessment: Assessment,
           result: RowResult) -> None:
    """Close the case where the outcome or the tracker's closure reason column says it ended."""
    if row.census_closure_reason and not row.closure_reason and row.assessment_completed and not row.needs_outcome:
        # The tracker's closure reason column: closed on the completion date, as the outcome would.
        referral.closure_reason = assessment.closure_reason = row.census_closure_reason
        referral.closed_at, referral.closed_on = noon(row.assessment_completed), row.assessment_completed
    elif row.census_closure_reason and row.closure_reason and row.census_closure_reason != row.closure_reason.value:
        result.messages.append(f"Closure reason {row.census_closure_reason} differs from the outcome's "
                               f"{row.closure_reason.value}: the outcome's used")
    if row.closure_reason:
        assessment.closure_reason = row.closure_reason.value
        referral.closure_reason = row.closure_reason.value
        referral.closed_at = noon(row.assessment_completed) if row.assessment_completed else now
        referral.closed_on = row.assessment_completed or local_date(now)  # the census closure date


def _put_on_review_list(now: datetime, row: tracker.TrackerRow, referral: Referral, child: Child, words: Words,
                        result: RowResult) -> None:
    db.session.add(TrackerReviewItem(
        referral_id=referral.id, child_id=child.id, row_number=row.row_number, kinds=",".join(result.review),
        message="; ".join(m for m in result.messages if not m.startswith(("Created", "Would create"))),
        noted_completion=row.assessment_completed if row.needs_outcome else row.noted_completion,
        created_at=now))
    result.messages.append(words.did("On the review list", "Would go on the review list"))


def _history(assessment: Assessment, now: datetime) -> bool:
    """Mark this case's clocks as imported; a running clock already past due is breached, its
    breach recorded once at its due time (so the sweep, which records only what has no event
    yet, never notifies it). True when any was."""
    db.session.flush()
    subjects = [("assessment", assessment.id)] + [("case_discussion", d.id) for d in assessment.case_discussions]
    overdue = False
    for subject, subject_id in subjects:
        clock = db.session.scalar(select(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id))
        if clock is None:
            continue
        clock.imported_at = now
        if clock.stopped_at is None and clock.due_at < now:
            clock.state, clock.breached_at = ClockState.BREACHED.value, clock.due_at
            # Recorded as of its due time: history, not news for the sweep or the next morning report.
            db.session.add(ClockEvent(clock_id=clock.id, kind=ClockState.BREACHED.value, at=clock.due_at,
                                      recorded_at=clock.due_at))
            overdue = True
    return overdue


def imported_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral).where(Referral.import_key.is_not(None))) or 0


