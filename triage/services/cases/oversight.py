"""The manager's oversight of casework: caseloads, every clock due soon or breached, one case's
clocks, and what each clock notification is about."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Assessment,
    Child,
    Clock,
    ContactChild,
    Referral,
    StrategyDiscussion,
    Team,
    User,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.cases.clock_views import cases_for_clocks, clock_view, label
from triage.services.cases.common import CASE_WORKERS, MANAGERS, load
from triage.services.guards import require
from triage.services.paging import Page
from triage.services.unit_of_work import unit_of_work


@dataclass(frozen=True)
class Caseload:
    worker_id: int | None
    worker: str | None
    team_id: int | None
    team: str | None
    open_assessments: int


def caseload(actor: Actor) -> list[Caseload]:
    """Open assessments per worker and team, counted in one grouped query."""
    require(actor, CASE_WORKERS + (Role.PERFORMANCE,), "see caseloads")
    rows = db.session.execute(
        select(Assessment.worker_id, User.display_name, Assessment.team_id, Team.name,
               func.count(Assessment.id))
        .outerjoin(User, User.id == Assessment.worker_id).outerjoin(Team, Team.id == Assessment.team_id)
        .where(Assessment.authorised_at.is_(None))
        .group_by(Assessment.worker_id, User.display_name, Assessment.team_id, Team.name)
        .order_by(Team.name, User.display_name)).all()
    return [Caseload(*row) for row in rows]


@unit_of_work("referral", keep_loaded=True)
def clocks_for_referral(actor: Actor, now: datetime, referral_id: int) -> list[Clock]:
    """Every clock on one case: the decision that made it, the assessment and its discussions, ICPCs."""
    require(actor, CASE_WORKERS, "see a case's clocks")
    referral = load(Referral, referral_id, "referral")
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    subjects = [("strategy_discussion", s.id) for s in db.session.scalars(
        select(StrategyDiscussion).where(StrategyDiscussion.referral_id == referral.id))]
    if assessment is not None:
        subjects += [("assessment", assessment.id)] + [("case_discussion", d.id) for d in assessment.case_discussions]
    if referral.contact_id:
        subjects.append(("contact", referral.contact_id))
    found = []
    for subject, subject_id in subjects:
        found += db.session.scalars(select(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id))
    audit.record(actor, now, "read", "referral", referral.id, child_id=referral.child_id, detail="clocks")
    return sorted(found, key=lambda c: (c.due_at, c.id))


def _names_by_contact(found: list[Clock]) -> tuple[dict[int, list[str]], dict[int, list[int]]]:
    """The children of each contact whose clock has no child of its own: names, and ids to audit."""
    by_contact: dict[int, list[str]] = {}
    contact_children: dict[int, list[int]] = {}
    for contact_id, child_id, name in db.session.execute(
            select(ContactChild.contact_id, Child.id, Child.first_name + " " + Child.last_name)
            .join(Child, Child.id == ContactChild.child_id)
            .where(ContactChild.contact_id.in_({c.contact_id for c in found if c.contact_id and not c.child_id}))
            .order_by(ContactChild.id)):
        by_contact.setdefault(contact_id, []).append(name)
        contact_children.setdefault(contact_id, []).append(child_id)
    return by_contact, contact_children


@unit_of_work("clock", keep_loaded=True)
def due_clocks(actor: Actor, now: datetime, team_id: int | None = None, page: int = 1,
               per_page: int = 100, imported_overdue: bool = False) -> Page:
    """The manager's view, a page at a time, with the child, worker, team and case of each clock:
    every running clock now due soon or past due, soonest first (breached ones come first).
    Clocks already overdue when the tracker import brought them in are history, shown apart:
    `imported_overdue=True` lists only those, False everything else."""
    require(actor, MANAGERS, "see the due and breached view")
    page, per_page = max(1, page), max(1, per_page)
    history = and_(Clock.imported_at.is_not(None), Clock.due_at < Clock.imported_at)
    conditions = [Clock.stopped_at.is_(None), Clock.warn_at <= now, history if imported_overdue else ~history]
    if team_id:
        conditions.append(Clock.team_id == team_id)
    total = db.session.scalar(select(func.count(Clock.id)).where(*conditions)) or 0
    found = list(db.session.scalars(select(Clock).where(*conditions).order_by(Clock.due_at, Clock.id)
                                    .limit(per_page).offset((page - 1) * per_page)))
    links = cases_for_clocks(found)
    children = {i: n for i, n in db.session.execute(
        select(Child.id, Child.first_name + " " + Child.last_name)
        .where(Child.id.in_({c.child_id for c in found if c.child_id})))}
    by_contact, contact_children = _names_by_contact(found)
    people = {i: n for i, n in db.session.execute(
        select(User.id, User.display_name).where(User.id.in_({c.owner_id for c in found if c.owner_id})))}
    teams = {i: n for i, n in db.session.execute(
        select(Team.id, Team.name).where(Team.id.in_({c.team_id for c in found if c.team_id})))}
    calendar = working_day_calendar()
    items = [clock_view(c, now, calendar, label(c, links[c.id][1]), referral_id=links[c.id][0],
                        who=children.get(c.child_id) or ", ".join(by_contact.get(c.contact_id, [])) or None,
                        owner=people.get(c.owner_id), team=teams.get(c.team_id)) for c in found]
    audit.record_shown(actor, now, "list", "clock",
                       [(c.id, child_id) for c in found
                        for child_id in ([c.child_id] if c.child_id else contact_children.get(c.contact_id, []))],
                       detail=f"{len(items)} due or breached clocks shown")
    return Page(items=items, total=total, page=page, per_page=per_page)
