"""Step-down to early help: a family handed over to a named early help team (an agency, with an
inbox like the partners' information requests), which accepts it or returns it with the reason,
on the handover's own working-day clock. A handover comes from a case (an assessment authorised
with the early help outcome) or straight from a contact (a manager's decision to step down to
early help), one per child the contact names.

An early help team sees only its own handovers; case workers see every one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from triage.clock import local_date
from triage.domain.clocks import ClockKind
from triage.domain.codes import AgencyKind
from triage.domain.roles import Role
from triage.domain.step_down import InvalidStepDownAnswer, StepDownState, answer_due, check_answer
from triage.extensions import db
from triage.models import Agency, Contact, ContactChild, Notification, Referral, StepDown, User
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.cases.commands import StepDownAnswer
from triage.services.cases.common import CASE_WORKERS
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.paging import Page, paginate
from triage.services.unit_of_work import unit_of_work
from triage.settings import step_down_settings

READERS = CASE_WORKERS + (Role.PARTNER,)


def early_help_team(code: str | None) -> Agency:
    """The team named, or the council's only early help team; an Invalid naming the field if
    none is named among several, or the one named is not an early help team."""
    teams = list(db.session.scalars(select(Agency).where(Agency.kind == AgencyKind.EARLY_HELP.value)
                                    .order_by(Agency.code)))
    if code is None and len(teams) == 1:
        return teams[0]
    found = next((t for t in teams if t.code == code), None)
    if found is None:
        names = ", ".join(t.code for t in teams) or "none is set up"
        raise Invalid("Choose the early help team", {"early_help_team": [
            f"Choose the early help team the family goes to ({names})"]})
    return found


def hand_over(actor: Actor, now: datetime, referral: Referral, team: Agency, note: str | None = None) -> StepDown:
    """Hand a case's family over and start the clock, owned by the case's worker; joins the
    caller's transaction (the authorisation)."""
    return _start(actor, now, team, referral.child_id, note, referral_id=referral.id, owner_id=referral.worker_id,
                  team_id=referral.team_id, by_id=actor.user_id, detail=f"handed over to {team.code}")


def hand_over_from_contact(actor: Actor, now: datetime, contact: Contact, child_id: int, team: Agency,
                           decided_by_id: int | None) -> StepDown:
    """Hand over one child a contact names, straight from the manager's decision (no case): the
    clock is the deciding manager's, in the contact's team. Joins the caller's transaction."""
    return _start(actor, now, team, child_id, None, contact_id=contact.id, owner_id=decided_by_id,
                  team_id=contact.team_id, by_id=decided_by_id,
                  detail=f"handed over to {team.code} from contact {contact.id}")


def _start(actor: Actor, now: datetime, team: Agency, child_id: int, note: str | None, *, owner_id: int | None,
           team_id: int | None, by_id: int | None, detail: str, referral_id: int | None = None,
           contact_id: int | None = None) -> StepDown:
    settings, calendar = step_down_settings(), working_day_calendar()
    due = answer_due(local_date(now), calendar, settings.working_days)
    handover = StepDown(referral_id=referral_id, contact_id=contact_id, child_id=child_id, agency_id=team.id,
                        state=StepDownState.WAITING, note=note, handed_over_at=now, handed_over_by_id=by_id,
                        due_date=due)
    db.session.add(handover)
    db.session.flush()
    clocks.start_date_clock(ClockKind.STEP_DOWN, "step_down", handover.id, now, due, settings.warn_working_days,
                            calendar, child_id=child_id, contact_id=contact_id, owner_id=owner_id, team_id=team_id)
    audit.record(actor, now, "create", "step_down", handover.id, child_id=child_id, detail=detail)
    return handover


def _scope(actor: Actor):
    if actor.role is Role.PARTNER:
        if actor.agency_id is None:
            raise Forbidden("Your account is not tied to an agency")
        return [StepDown.agency_id == actor.agency_id]
    return []


def _load_for(actor: Actor, step_down_id: int) -> StepDown:
    found = db.session.scalar(select(StepDown).where(StepDown.id == step_down_id, *_scope(actor)))
    if found is None:  # another team's handover does not exist for this one
        raise NotFound(f"No handover {step_down_id} for your team")
    return found


@unit_of_work("handover", keep_loaded=True)
def step_downs_for(actor: Actor, now: datetime, state: StepDownState | str | None = StepDownState.WAITING,
                   page: int = 1, per_page: int = 25) -> Page[StepDown]:
    """An early help team's inbox (or every handover, for case workers), soonest due first."""
    require(actor, READERS, "read handovers to early help")
    query = select(StepDown).where(*_scope(actor)).options(
        selectinload(StepDown.agency), selectinload(StepDown.child), selectinload(StepDown.referral))
    if state:
        query = query.where(StepDown.state == StepDownState(state))
    result = paginate(query.order_by(StepDown.due_date, StepDown.id), page, per_page)
    audit.record_shown(actor, now, "list", "step_down", [(s.id, s.child_id) for s in result.items],
                       detail=f"step-down inbox: {len(result.items)} shown")
    return result


@unit_of_work("handover", keep_loaded=True)
def get_step_down(actor: Actor, now: datetime, step_down_id: int) -> StepDown:
    require(actor, READERS, "read handovers to early help")
    found = _load_for(actor, step_down_id)
    audit.record(actor, now, "read", "step_down", found.id, child_id=found.child_id)
    return found


@unit_of_work("handover")
def answer_step_down(actor: Actor, now: datetime, step_down_id: int, command: StepDownAnswer) -> StepDown:
    """The early help team accepts the family or returns the handover with its reason; the clock
    stops and the case's worker (or the manager who decided the contact) is told. Someone at the
    Front Door may record an answer given by phone: it is still the early help team's."""
    require(actor, READERS, "answer handovers to early help")
    found = _load_for(actor, step_down_id)
    check_version(found, command.version, "handover")
    reason = (command.reason or "").strip() or None
    if command.accepted is None:
        raise Invalid("Say whether early help takes the family on", {"accepted": ["Accept or return the handover"]})
    if not command.accepted and reason is None:
        raise Invalid("Say why the handover is returned", {"reason": ["Say why early help is not taking the family on"]})
    target = StepDownState.ACCEPTED if command.accepted else StepDownState.RETURNED
    try:
        found.state = check_answer(found.state, target)
    except InvalidStepDownAnswer as exc:
        raise Conflict(str(exc)) from None
    found.answered_at, found.answered_by, found.answer_reason = now, actor.label, reason
    clocks.stop_clock(ClockKind.STEP_DOWN, "step_down", found.id, now)
    source = f"case {found.referral_id}" if found.referral_id else f"contact {found.contact_id}"
    db.session.add_all(Notification(user_id=person, clock_event_id=None, created_at=now,
                                    message=f"Handover {found.id} to early help ({source}) was {target.value}",
                                    link=f"/requests/step-downs/{found.id}") for person in _people_to_tell(found))
    audit.record(actor, now, "update", "step_down", found.id, child_id=found.child_id, detail=str(target))
    return found


def _people_to_tell(found: StepDown) -> list[int]:
    """Who hears the answer: the case's worker, or with no worker (a handover straight from a
    contact) the manager who decided it; and that person's own manager."""
    person = found.referral.worker_id if found.referral is not None else None
    if person is None and found.contact_id is not None:
        person = db.session.scalar(select(ContactChild.decided_by_id).where(
            ContactChild.contact_id == found.contact_id, ContactChild.child_id == found.child_id))
    if person is None:
        return []
    manager = db.session.scalar(select(User.manager_id).where(User.id == person))
    return sorted({person} | ({manager} if manager else set()))
