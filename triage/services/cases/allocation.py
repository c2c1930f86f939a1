"""Who holds a case: a manager allocates it to a team and a worker, and the case's clocks follow."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Assessment, Clock, Referral, StrategyDiscussion, Team, User
from triage.services import audit
from triage.services.actor import Actor
from triage.services.cases.commands import Allocation
from triage.services.cases.common import CASE_WORKERS, MANAGERS, load
from triage.services.errors import Conflict, Invalid
from triage.services.guards import check_version, require
from triage.services.unit_of_work import unit_of_work


def _allocation_problems(team_id: int | None, worker_id: int | None) -> dict[str, list[str]]:
    errors = {}
    if team_id is None or db.session.get(Team, team_id) is None:
        errors["team_id"] = ["Unknown team"]
    worker = db.session.get(User, worker_id) if worker_id is not None else None
    if worker_id is not None and (worker is None or not worker.active
                                  or Role(worker.role) not in CASE_WORKERS):
        errors["worker_id"] = ["Choose an active practitioner or manager"]
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
