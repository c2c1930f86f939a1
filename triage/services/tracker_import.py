"""Bringing in the old Front Door spreadsheet: children by id, referrals and assessments on
the service's own clocks, row by row; a rejected row writes nothing.

A row already imported (the same child id and referral date) is left as it is, so importing
the same file twice changes nothing. A dry run does everything and then rolls it all back, so
its report says exactly what a real import would do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from triage.clock import LONDON, local_date
from triage.domain import tracker
from triage.domain.clocks import ClockKind, end_of_day
from triage.domain.roles import Role
from triage.extensions import db
from triage.importing import TrackerFileError, read_rows
from triage.models import Child, Referral, Team, User
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.assessments import open_assessment
from triage.services.contacts import had_referral_within_a_year, require
from triage.services.errors import Invalid

IMPORTERS = (Role.MANAGER, Role.ADMIN)


class RowRejected(Exception):
    pass


@dataclass
class RowResult:
    row_number: int
    status: str  # imported, unchanged, merged, rejected
    messages: list[str] = field(default_factory=list)
    child_id: str | None = None


@dataclass
class ImportReport:
    filename: str
    dry_run: bool
    header_row: int
    rows: list[RowResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("imported", "unchanged", "merged", "rejected")}


def _noon(day: date) -> datetime:
    """A civil date from the spreadsheet as an instant: midday in London, clear of any clock change."""
    return datetime.combine(day, time(12), tzinfo=LONDON)


def import_tracker(actor: Actor, now: datetime, source, filename: str | None = None,
                   dry_run: bool = False) -> ImportReport:
    require(actor, IMPORTERS, "import the tracker")
    try:
        parsed = tracker.parse_tracker(read_rows(source, filename), local_date(now))
    except (TrackerFileError, tracker.TrackerError) as exc:
        raise Invalid("The file could not be read as a tracker", {"file": [str(exc)]}) from None
    teams = {tracker.name_key(t.name): t for t in db.session.scalars(select(Team))}
    workers = {tracker.name_key(u.display_name): u for u in db.session.scalars(
        select(User).where(User.role.in_([Role.PRACTITIONER.value, Role.MANAGER.value])))}
    results = {s.row_number: RowResult(s.row_number, "merged" if s.status == "merged" else "rejected",
                                       list(s.messages))
               for s in parsed.statuses() if s.status != "ok"}
    for row in parsed.rows:
        results[row.row_number] = _import_row(actor, now, row, parsed, teams, workers)
    if dry_run:
        db.session.rollback()
    else:
        audit.record(actor, now, "import", "tracker", None,
                     detail=f"{filename or 'file'}: " + ", ".join(
                         f"{n} {s}" for s, n in _summary(results).items()))
        db.session.commit()
    return ImportReport(filename=filename or "file", dry_run=dry_run, header_row=parsed.header_row,
                        rows=[results[n] for n in sorted(results)])


def _summary(results: dict[int, RowResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def _import_row(actor, now, row: tracker.TrackerRow, parsed, teams, workers) -> RowResult:
    result = RowResult(row.row_number, "imported", list(row.warnings), row.child_id)
    if db.session.scalar(select(Referral.id).where(Referral.import_key == row.import_key)):
        result.status = "unchanged"
        result.messages.append("Already imported")
        return result
    # Every reason to reject is found before anything is written, so a rejected row writes
    # nothing without needing a savepoint (which pysqlite's legacy transactions mishandle).
    try:
        existing = _check_child(row)
    except RowRejected as exc:
        result.status, result.messages = "rejected", [str(exc)]
        return result
    _write_row(actor, now, row, existing, parsed, teams, workers, result)
    return result


def _check_child(row: tracker.TrackerRow) -> Child | None:
    """The existing child with this id if the row agrees with it; None if a new one is needed."""
    child = db.session.scalar(select(Child).where(Child.council_child_id == row.child_id))
    if child is not None:
        if row.date_of_birth and child.date_of_birth and row.date_of_birth != child.date_of_birth:
            # Not the recorded date itself: an importer may not be allowed to read child records.
            raise RowRejected(f"Child id {row.child_id} belongs to a child with a different date of birth")
        if row.last_name and tracker.name_key(row.last_name) != tracker.name_key(child.last_name):
            raise RowRejected(f"Child id {row.child_id} belongs to a child with another surname")
        return child
    if not (row.first_name and row.last_name):
        raise RowRejected("No child record has this id, and the row has no name to create one")
    if not (row.date_of_birth or row.expected_date_of_birth):
        raise RowRejected("No child record has this id, and the row has no date of birth to create one")
    return None


def _new_child(actor, now, row: tracker.TrackerRow, result: RowResult) -> Child:
    child = Child(council_child_id=row.child_id, first_name=row.first_name, last_name=row.last_name,
                  date_of_birth=row.date_of_birth, expected_date_of_birth=row.expected_date_of_birth,
                  sex="unknown", created_at=now, updated_at=now)
    db.session.add(child)
    db.session.flush()
    audit.record(actor, now, "create", "child", child.id, child_id=child.id, detail="tracker import")
    result.messages.append("New child record created")
    return child


def _write_row(actor, now, row: tracker.TrackerRow, existing: Child | None, parsed, teams, workers,
               result: RowResult) -> None:
    child = existing or _new_child(actor, now, row, result)
    team = None
    if row.team_key:
        team = teams.get(row.team_key)
        if team is None:
            # Added to the import's transaction, not committed: a dry run must leave no team behind.
            team = Team(name=parsed.teams.get(row.team_key, row.team))
            db.session.add(team)
            db.session.flush()
            teams[row.team_key] = team
            result.messages.append(f"Team '{team.name}' created")
    worker = workers.get(row.worker_key) if row.worker_key else None
    if row.worker_key and worker is None:
        result.messages.append(f"No account for worker '{row.worker}': left unallocated")
    referral = Referral(child_id=child.id, referral_date=row.referral_date, outcome="assessment",
                        source_code=row.source_code.value if row.source_code else None,
                        is_re_referral=had_referral_within_a_year(child.id, row.referral_date),
                        created_at=now, team_id=team.id if team else None,
                        worker_id=worker.id if worker else None, allocated_at=now if worker else None,
                        import_key=row.import_key)
    db.session.add(referral)
    db.session.flush()
    assessment = open_assessment(now, referral, started_on=row.assessment_start)
    assessment.import_key, assessment.notes = row.import_key, row.notes
    if row.case_discussion_date and row.case_discussion_date <= local_date(now):
        first = assessment.case_discussions[0] if assessment.case_discussions else None
        if first is not None:
            first.held_on, first.recorded_at = row.case_discussion_date, now
            clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", first.id,
                              min(now, end_of_day(row.case_discussion_date)))
    if row.assessment_completed:
        completed = _noon(row.assessment_completed)
        assessment.authorised_at, assessment.authorised_on = completed, row.assessment_completed
        assessment.outcome = row.outcome.value if row.outcome else None
        if row.assessment_completed > assessment.due_date:
            assessment.late_reason = "Completed late; imported from the tracker, which recorded no reason"
        clocks.stop_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, completed)
        for discussion in assessment.case_discussions:
            if discussion.held_on is None:
                clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id, completed)
    if row.closure_reason:
        assessment.closure_reason = row.closure_reason.value
        referral.closure_reason = row.closure_reason.value
        referral.closed_at = _noon(row.assessment_completed) if row.assessment_completed else now
        referral.closed_on = row.assessment_completed or local_date(now)  # the census closure date
    if row.assessment_target_end and row.assessment_target_end != assessment.due_date:
        result.messages.append(f"The tracker's target end {row.assessment_target_end:%d/%m/%Y} differs from "
                               f"the 45th working day, {assessment.due_date:%d/%m/%Y}, which the service uses")
    audit.record(actor, now, "create", "referral", referral.id, child_id=child.id, detail="tracker import")


def imported_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral).where(Referral.import_key.is_not(None))) or 0
