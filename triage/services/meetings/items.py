"""What happens on each item: agencies' information, the agreed outcome and its confirmation as
the contact's decision, actions, and which item the chair is on."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update

from triage.domain.codes import AgencyKind, DecisionOutcome, Rag
from triage.domain.meetings import InvalidMeetingStep, ItemState, MeetingState, check_item_move
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, ItemContribution, Meeting, MeetingAction, MeetingItem, User
from triage.services import contacts as contacts_service
from triage.services.actor import Actor
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.meetings.clocks import action_overdue, stamp_action, stamp_item, stamped
from triage.services.meetings.common import (
    CSC,
    READERS,
    RUNNERS,
    agency_by_code,
    audit_item,
    conflict_from,
    ensure_in_progress,
    ensure_open_for_changes,
    load_item,
    load_meeting,
    move_item,
    require_chair,
    touch,
)
from triage.services.meetings.settings import meeting_type
from triage.services.unit_of_work import unit_of_work

# What each kind of agency is asked to bring to each item.
HOLDS = {
    "police": "Police history",
    "health": "Health involvement",
    "education": "School attendance and concerns",
    "early_help": "Early help involvement",
    "childrens_social_care": "Children's social care history",
}


def holds_heading(agency) -> str:
    return HOLDS.get(agency.code) or HOLDS.get(agency.kind) or f"What {agency.name} holds"


# ---------------------------------------------------------------- agencies' information

@unit_of_work("entry")
def record_contribution(actor: Actor, now: datetime, item_id: int, text: str,
                        agency_code: str | None = None, version: int | None = None) -> ItemContribution:
    """What an agency holds about the item's children, marked as that agency's.

    A partner records for their own agency only. Staff record as children's social care, or
    type in what an agency present said (still marked as that agency's, and by whom).
    One entry per agency per item; a later save replaces it (a stale version is a 409).
    """
    require(actor, READERS, "record what an agency holds")
    item = load_item(actor, now, item_id)
    meeting = item.meeting
    text = (text or "").strip()
    if not text:
        raise Invalid("Write what your agency holds", {"text": ["Enter what is held, or 'nothing held'"]})
    if actor.role is Role.PARTNER:
        if agency_code and agency_code != _own_code(actor):
            raise Forbidden("You can record only your own agency's information")
        agency_id = actor.agency_id
        if agency_id is None:
            raise Forbidden("Your account is not tied to an agency")
        ensure_in_progress(meeting, "partners add what they hold")
    else:
        agency = agency_by_code(agency_code or CSC, "agency")
        agency_id = agency.id
        ensure_open_for_changes(meeting)
        present = {a.agency_id for a in meeting.attendance}
        if agency.code != CSC and agency_id not in present:
            raise Conflict(f"Nobody from {agency.name} is recorded as attending this meeting",
                           {"agency": [f"{agency.name} is not recorded as present"]})
    if item.state == ItemState.REMOVED:
        raise Conflict("This item was removed from the agenda", {"state": ["Removed from the agenda"]})
    entry = next((c for c in item.contributions if c.agency_id == agency_id), None)
    if entry is None:
        entry = ItemContribution(item_id=item.id, agency_id=agency_id, text=text, recorded_by=actor.label,
                                 recorded_by_id=actor.user_id, recorded_at=now, updated_at=now)
        db.session.add(entry)
        item.contributions.append(entry)
    else:
        check_version(entry, version, "entry")
        entry.text, entry.recorded_by, entry.recorded_by_id, entry.updated_at = (
            text, actor.label, actor.user_id, now)
    db.session.flush()
    audit_item(actor, now, item, "update", f"information recorded for agency {agency_id}")
    touch(meeting.id)
    return entry


def _own_code(actor: Actor) -> str | None:
    agency = db.session.get(Agency, actor.agency_id) if actor.agency_id else None
    return agency.code if agency else None


# ---------------------------------------------------------------- the outcome

@stamped(stamp_item)
@unit_of_work("item")
def agree_outcome(actor: Actor, now: datetime, item_id: int, rag: str, outcome: str, lead_agency: str,
                  rationale: str, version: int | None = None) -> MeetingItem:
    """The meeting agrees priority (RAG), outcome, lead agency and rationale for an item.

    May be revisited until a manager confirms it. A different RAG from the contact's own is
    recorded on the contact too, as a rating change with the meeting as its reason.
    """
    require(actor, RUNNERS, "record what the meeting agreed")
    item = load_item(actor, now, item_id)
    meeting = item.meeting
    require_chair(actor, meeting, "record what the meeting agreed")
    errors: dict[str, list[str]] = {}
    if rag not in Rag._value2member_map_:
        errors["rag"] = ["Choose red, amber or green"]
    if outcome not in DecisionOutcome._value2member_map_:
        errors["outcome"] = [f"Choose one of: {', '.join(o.value for o in DecisionOutcome)}"]
    rationale = (rationale or "").strip()
    if not rationale:
        errors["rationale"] = ["Write the rationale: it is always required"]
    lead = None
    try:
        lead = agency_by_code(lead_agency, "lead_agency")
    except Invalid as exc:
        errors.update(exc.errors)
    if lead is None and "lead_agency" not in errors:
        errors["lead_agency"] = ["Choose the agency that leads"]
    if errors:
        raise Invalid("The outcome needs correcting", errors)
    check_version(item, version, "item")
    ensure_in_progress(meeting, "outcomes are agreed")
    try:
        check_item_move(item.state, ItemState.AGREED)
    except InvalidMeetingStep as exc:
        raise conflict_from(exc) from None
    if item.contact.rag != rag:
        kind = meeting_type(meeting.type_code)
        # set_rag commits the rating change on its own, before anything here is changed: the
        # contact keeps every rating with its reason, and the queue sees the agreed priority.
        contacts_service.set_rag(actor, now, item.contact_id, rag,
                                 f"Agreed at the {kind.name} on {meeting.meeting_date.isoformat()}")
        item = db.session.get(MeetingItem, item_id)
        meeting = item.meeting
    move_item(item, ItemState.AGREED)
    item.rag, item.outcome, item.lead_agency_id, item.rationale = rag, outcome, lead.id, rationale
    item.agreed_at, item.agreed_by_id = now, actor.user_id
    audit_item(actor, now, item, "update", f"agreed {rag} {outcome}, lead {lead.code}")
    touch(meeting.id)
    return item


@stamped(stamp_item)
@unit_of_work("item")
def confirm_outcome(actor: Actor, now: datetime, item_id: int, delay_reason: str | None = None,
                    version: int | None = None) -> MeetingItem:
    """A Front Door manager confirms the agreed outcome as the contact's decision (the same
    outcome for every child it names). This stops the decision clock; once the clock has run
    out, the manager must say why the decision is late."""
    require(actor, (Role.MANAGER,), "confirm decisions: only a Front Door manager can")
    item = load_item(actor, now, item_id)
    meeting = item.meeting
    check_version(item, version, "item")
    if meeting.state not in (MeetingState.OPEN, MeetingState.CLOSED):
        raise Conflict(f"This meeting is {MeetingState(meeting.state).label.lower()}; nothing can be confirmed",
                       {"state": [f"The meeting is {MeetingState(meeting.state).label.lower()}"]})
    move_item(item, ItemState.CONFIRMED)
    item.confirmed_at, item.confirmed_by_id = now, actor.user_id
    audit_item(actor, now, item, "decide", f"confirmed {item.outcome} from meeting {meeting.id}")
    touch(meeting.id)
    rationale = f"{item.rationale}\n(Agreed at the triage meeting on {meeting.meeting_date.isoformat()}.)"
    # record_decision checks the clock, records the decision for every child and stops the
    # clock, in the same transaction as this item's confirmation. A step-down goes to the lead
    # agency the meeting agreed when that is an early help team (else the council's only one).
    lead = item.lead_agency
    team = lead.code if lead is not None and lead.kind == AgencyKind.EARLY_HELP else None
    contacts_service.record_decision(actor, now, item.contact_id,
                                     [{"outcome": item.outcome, "rationale": rationale}],
                                     delay_reason=delay_reason, early_help_team=team)
    return item


# ---------------------------------------------------------------- actions

@stamped(stamp_action)
@unit_of_work("action")
def add_action(actor: Actor, now: datetime, item_id: int, description: str, due_date: date | None,
               owner_agency: str | None = None, owner_user_id: int | None = None,
               owner_name: str | None = None) -> MeetingAction:
    """Something the meeting asks of an agency or a person, by a date."""
    require(actor, RUNNERS, "record actions")
    item = load_item(actor, now, item_id)
    meeting = item.meeting
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = ["Say what is to be done"]
    if due_date is None:
        errors["due_date"] = ["Give the date it is due"]
    elif due_date < meeting.meeting_date:
        errors["due_date"] = ["The due date cannot be before the meeting"]
    agency = None
    try:
        agency = agency_by_code(owner_agency, "owner_agency")
    except Invalid as exc:
        errors.update(exc.errors)
    user = db.session.get(User, owner_user_id) if owner_user_id is not None else None
    if owner_user_id is not None and user is None:
        errors["owner_user_id"] = [f"No user {owner_user_id}"]
    owner_name = (owner_name or "").strip() or None
    if agency is None and user is None and not owner_name and "owner_agency" not in errors:
        errors["owner_agency"] = ["Say who owns the action: an agency or a person"]
    if errors:
        raise Invalid("The action needs correcting", errors)
    if meeting.state not in (MeetingState.OPEN, MeetingState.CLOSED):
        raise Conflict(f"This meeting is {MeetingState(meeting.state).label.lower()}; actions are recorded "
                       "once it has started", {"state": ["The meeting has not started"]})
    if item.state == ItemState.REMOVED:
        raise Conflict("This item was removed from the agenda", {"state": ["Removed from the agenda"]})
    action = MeetingAction(meeting_id=meeting.id, item_id=item.id, description=description,
                           owner_agency_id=agency.id if agency else (user.agency_id if user else None),
                           owner_user_id=user.id if user else None, owner_name=None if user else owner_name,
                           due_date=due_date, created_at=now, created_by_id=actor.user_id)
    db.session.add(action)
    item.actions.append(action)
    db.session.flush()
    audit_item(actor, now, item, "update", f"action {action.id} added")
    touch(meeting.id)
    return action


@stamped(stamp_action)
@unit_of_work("action")
def set_action_done(actor: Actor, now: datetime, action_id: int, done: bool = True,
                    version: int | None = None) -> MeetingAction:
    """Mark an action done (or not done after all). Staff, or a partner of the owning agency
    while they can still see the meeting."""
    require(actor, READERS, "update actions")
    action = db.session.get(MeetingAction, action_id)
    if action is None:
        raise NotFound(f"No action {action_id}")
    item = load_item(actor, now, action.item_id)
    if actor.role is Role.PARTNER and action.owner_agency_id != actor.agency_id:
        raise Forbidden("You can update only your own agency's actions")
    check_version(action, version, "action")
    if done and action.done_at is None:
        action.done_at, action.done_by_id = now, actor.user_id
    elif not done:
        action.done_at = action.done_by_id = None
    audit_item(actor, now, item, "update", f"action {action.id} {'done' if done else 'reopened'}")
    touch(item.meeting_id)
    return action


def is_overdue(action: MeetingAction, now: datetime) -> bool:
    return action_overdue(action, now)


# ---------------------------------------------------------------- following the chair

@unit_of_work("meeting")
def set_current_item(actor: Actor, now: datetime, meeting_id: int, item_id: int) -> Meeting:
    """The chair moves the meeting to an item; everyone following sees it."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "run triage meetings")
    require_chair(actor, meeting, "move the meeting on")
    ensure_in_progress(meeting, "the chair moves between items")
    item = db.session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id or item.state == ItemState.REMOVED:
        raise Invalid("Choose an item on this meeting's agenda", {"item_id": [f"No item {item_id} on the agenda"]})
    if meeting.current_item_id != item.id:
        table = Meeting.__table__
        # Not an ORM change: moving on must never collide with an edit to the meeting's details.
        db.session.execute(update(table).where(table.c.id == meeting.id).values(current_item_id=item.id))
        touch(meeting.id)
        db.session.refresh(meeting)
    return meeting

