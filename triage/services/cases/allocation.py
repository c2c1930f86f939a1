"""Who holds a case: a manager allocates it to a team and a worker, or transfers it to another
team with the reason; either way the case's clocks follow, keeping their due dates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Assessment,
    CaseTransfer,
    Clock,
    Notification,
    Referral,
    StrategyDiscussion,
    Team,
    User,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.cases.commands import Allocation, Transfer
from triage.services.cases.common import CASE_WORKERS, MANAGERS, load
from triage.services.errors import Conflict, Invalid
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work


def _allocation_problems(team_id: int | None, worker_id: int | None) -> dict[str, list[str]]:
    """The team must exist and the worker (if any) be an active case worker in that team."""
    errors = {}
    if team_id is None or db.session.get(Team, team_id) is None:
        errors["team_id"] = ["Unknown team"]
    worker = db.session.get(User, worker_id) if worker_id is not None else None
    if worker_id is not None and (worker is None or not worker.active
                                  or Role(worker.role) not in CASE_WORKERS):
        errors["worker_id"] = ["Choose an active practitioner or manager"]
    elif worker is not None and "team_id" not in errors and worker.team_id != team_id:
        errors["worker_id"] = ["Choose a worker in the chosen team"]
    return errors


@unit_of_work("referral")
def allocate(actor: Actor, now: datetime, referral_id: int, command: Allocation) -> Referral:
    """A manager gives the case to a team and a worker; their clocks now notify that worker."""
    require(actor, MANAGERS, "allocate cases: only a Front Door manager can")
    referral = load(Referral, referral_id, "referral")
    check_version(referral, command.version, "referral")
    if referral.closed_at is not None:
        raise Conflict("This referral is closed; it cannot be allocated")
    team_id, worker_id = command.team_id, command.worker_id
    errors = _allocation_problems(team_id, worker_id)
    if errors:
        raise Invalid("The allocation needs correcting", errors)
    referral.team_id, referral.worker_id, referral.allocated_at = team_id, worker_id, now
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    if assessment is not None:
        assessment.team_id, assessment.worker_id = team_id, worker_id
    reassign_clocks(referral, assessment, team_id, worker_id)
    audit.record(actor, now, "allocate", "referral", referral.id, child_id=referral.child_id,
                 detail=f"team {team_id}, worker {worker_id}")
    return referral


def reassign_clocks(referral: Referral, assessment: Assessment | None, team_id, worker_id) -> None:
    """Every clock on the case now belongs to this team and worker: their notifications follow."""
    subjects = [("strategy_discussion", s.id) for s in db.session.scalars(
        select(StrategyDiscussion).where(StrategyDiscussion.referral_id == referral.id))]
    if assessment is not None:
        subjects.append(("assessment", assessment.id))
        subjects += [("case_discussion", d.id) for d in assessment.case_discussions]
    for subject, subject_id in subjects:
        db.session.execute(update(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id)
                           .values(owner_id=worker_id, team_id=team_id))


@unit_of_work("referral")
def transfer(actor: Actor, now: datetime, referral_id: int, command: Transfer) -> Referral:
    """Move an open case to another team and worker, saying why. Its clocks keep their due dates
    and now belong to the new team and worker; the managers of both teams (and the new worker)
    are told, and the move is kept with the case."""
    require(actor, MANAGERS, "transfer cases: only a manager can")
    referral = load(Referral, referral_id, "referral")
    check_version(referral, command.version, "referral")
    if referral.closed_at is not None:
        raise Conflict("This case is closed; it cannot be transferred")
    errors = _allocation_problems(command.team_id, command.worker_id)
    if command.team_id is not None and command.team_id == referral.team_id:
        errors["team_id"] = ["The case is already with this team: choose another team (or allocate it "
                             "to another worker in this one)"]
    reason = (command.reason or "").strip()
    if not reason:
        errors["reason"] = ["Say why the case is moving to another team"]
    if errors:
        raise Invalid("The transfer needs correcting", errors)
    moved = CaseTransfer(referral_id=referral.id, from_team_id=referral.team_id, from_worker_id=referral.worker_id,
                         to_team_id=command.team_id, to_worker_id=command.worker_id, reason=reason,
                         transferred_at=now, transferred_by_id=actor.user_id)
    db.session.add(moved)
    referral.team_id, referral.worker_id, referral.allocated_at = command.team_id, command.worker_id, now
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    if assessment is not None:
        assessment.team_id, assessment.worker_id = command.team_id, command.worker_id
    reassign_clocks(referral, assessment, command.team_id, command.worker_id)
    _tell_about_transfer(actor, now, referral, moved)
    audit.record(actor, now, "transfer", "referral", referral.id, child_id=referral.child_id,
                 detail=f"team {moved.from_team_id} to team {moved.to_team_id}, worker {moved.to_worker_id}")
    return referral


def _tell_about_transfer(actor: Actor, now: datetime, referral: Referral, moved: CaseTransfer) -> None:
    """The managers of the team the case left and of the one it joined (and the workers' own
    managers), and the worker it now belongs to; not the manager who made the move. The message
    names teams and the case number only: no personal data leaves in a notification."""
    workers = [w for w in (moved.from_worker_id, moved.to_worker_id) if w is not None]
    line_managers = set(db.session.scalars(select(User.manager_id).where(User.id.in_(workers or [-1]))))
    team_managers = set(db.session.scalars(select(User.id).where(
        User.role == Role.MANAGER.value, User.active,
        or_(User.team_id.in_([t for t in (moved.from_team_id, moved.to_team_id) if t is not None]),
            User.id.in_([m for m in line_managers if m is not None] or [-1])))))
    people = (team_managers | ({moved.to_worker_id} if moved.to_worker_id else set())) - {actor.user_id}
    names = dict(db.session.execute(select(Team.id, Team.name).where(
        Team.id.in_([t for t in (moved.from_team_id, moved.to_team_id) if t is not None]))).all())
    left = names.get(moved.from_team_id, "no team")
    message = f"Case {referral.id} was transferred from {left} to {names[moved.to_team_id]}"
    db.session.add_all(Notification(user_id=person, clock_event_id=None, created_at=now, message=message[:300],
                                    link=f"/cases/{referral.id}") for person in sorted(people))
