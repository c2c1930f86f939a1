"""Planning and running a meeting: the agenda that builds itself, attendance, start and close."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

import triage.services.meetings.pathways as pathways
from triage.clock import local_date
from triage.domain.agenda import Agenda, AgendaRule, Candidate, ItemSource, build_agenda
from triage.domain.contact_states import ContactState
from triage.domain.meetings import InvalidMeetingStep, ItemState, MeetingState, check_meeting_move
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Agency,
    Contact,
    Locality,
    Meeting,
    MeetingAttendance,
    MeetingItem,
    User,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.meetings.clocks import decision_clock, stamp_item, stamp_items, stamped
from triage.services.meetings.common import (
    RUNNERS,
    agency_by_code,
    audit_contact,
    audit_item,
    conflict_from,
    ensure_open_for_changes,
    load_meeting,
    move_item,
    require_chair,
    touch,
)
from triage.services.meetings.settings import MeetingType, ensure_meeting_agencies, meeting_type
from triage.services.unit_of_work import unit_of_work

MODES = ("in_person", "virtual")
MODE_LABELS = {"in_person": "In person", "virtual": "Virtual"}


class DuplicateMeeting(Conflict):
    """The series already meets that day: `meeting_id` is that meeting (None when it was
    planned at the same moment and is not visible yet), so a page can link to it."""

    def __init__(self, kind: MeetingType, meeting_date: date, meeting_id: int | None):
        super().__init__(f"There is already a {kind.name} on {meeting_date.isoformat()}",
                         {"meeting_date": ["A meeting of this type is already planned for this day"]})
        self.meeting_id = meeting_id


def series_key(type_code: str, locality_id: int | None) -> str:
    return f"{type_code}:{locality_id or 'all'}"


def _move(meeting: Meeting, target: MeetingState) -> None:
    try:
        meeting.state = check_meeting_move(meeting.state, target)
    except InvalidMeetingStep as exc:
        raise conflict_from(exc) from None


def _reason(reason: str | None, field: str = "reason", what: str = "Give the reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise Invalid(what, {field: [what]})
    return text


# ---------------------------------------------------------------- planning

@unit_of_work("meeting")
def plan_meeting(actor: Actor, now: datetime, type_code: str, meeting_date: date,
                 locality_id: int | None = None, chair_id: int | None = None,
                 notes: str | None = None) -> Meeting:
    """Plan a meeting of a configured type on a date (and locality, for per-locality types)."""
    require(actor, RUNNERS, "plan triage meetings")
    errors: dict[str, list[str]] = {}
    try:
        kind = meeting_type(type_code)
    except Invalid as exc:
        errors.update(exc.errors)
        kind = None
    if meeting_date < local_date(now):
        errors["meeting_date"] = ["A meeting cannot be planned for a day that has passed"]
    if kind is not None and kind.per_locality and locality_id is None:
        errors["locality_id"] = [f"Choose the locality: the {kind.name} meets per locality"]
    if locality_id is not None and db.session.get(Locality, locality_id) is None:
        errors["locality_id"] = ["Unknown locality"]
    chair_id = chair_id or actor.user_id
    chair = db.session.get(User, chair_id) if chair_id else None
    if chair is None or Role(chair.role) not in RUNNERS or not chair.active:
        errors["chair_id"] = ["The chair must be an active MASH practitioner or Front Door manager"]
    if errors:
        raise Invalid("The meeting needs correcting", errors)
    ensure_meeting_agencies()
    series = series_key(type_code, locality_id)
    existing = db.session.scalar(select(Meeting.id).where(Meeting.series == series, Meeting.meeting_date == meeting_date))
    if existing:
        raise DuplicateMeeting(kind, meeting_date, existing)
    meeting = Meeting(type_code=type_code, series=series, meeting_date=meeting_date, locality_id=locality_id,
                      chair_id=chair.id, state=MeetingState.PLANNED,
                      planned_start_at=kind.start_on(meeting_date), notes=(notes or "").strip() or None,
                      created_at=now, created_by_id=actor.user_id)
    db.session.add(meeting)
    try:
        db.session.flush()  # a meeting planned at the same moment by someone else fails here
    except IntegrityError:
        raise DuplicateMeeting(kind, meeting_date, None) from None
    meeting.cut_off = previous_start(meeting)
    audit.record(actor, now, "create", "meeting", meeting.id, detail=f"{type_code} {meeting_date.isoformat()}")
    return meeting


@unit_of_work("meeting")
def update_meeting(actor: Actor, now: datetime, meeting_id: int, version: int,
                   chair_id: int | None = None, notes: str | None = None) -> Meeting:
    """Change the chair or the notes (optimistic locking: a stale version is a 409)."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "change triage meetings")
    require_chair(actor, meeting, "change the meeting")
    check_version(meeting, version, "meeting")
    ensure_open_for_changes(meeting)
    if chair_id is not None and chair_id != meeting.chair_id:
        chair = db.session.get(User, chair_id)
        if chair is None or Role(chair.role) not in RUNNERS or not chair.active:
            raise Invalid("The meeting needs correcting",
                          {"chair_id": ["The chair must be an active MASH practitioner or Front Door manager"]})
        meeting.chair_id = chair.id
    if notes is not None:
        meeting.notes = notes.strip() or None
    audit.record(actor, now, "update", "meeting", meeting.id, detail="details changed")
    touch(meeting.id)
    return meeting


def previous_start(meeting: Meeting) -> datetime | None:
    """The cut-off: when the previous meeting of the same series started (froze its agenda)."""
    return db.session.scalar(select(func.max(Meeting.started_at)).where(
        Meeting.series == meeting.series, Meeting.id != meeting.id, Meeting.meeting_date < meeting.meeting_date,
        Meeting.started_at.is_not(None)))


# ---------------------------------------------------------------- the agenda

@dataclass
class AgendaLine:
    """One contact on a planned meeting's agenda (before it is frozen into items)."""

    contact: Contact
    source: ItemSource
    item: MeetingItem | None  # the chair's addition, when it was added by hand
    time_left: str = ""  # on the decision clock, as of the preview


@dataclass
class AgendaPreview:
    meeting: Meeting
    lines: list[AgendaLine]
    removed: list[MeetingItem]  # taken off by the chair, each with its reason
    cut_off: datetime | None


def _candidates(meeting: Meeting, kind: MeetingType, cut_off: datetime | None, until: datetime,
                extra_ids: set[int]) -> tuple[list[Candidate], dict[int, Contact]]:
    """Contacts the rule might take: a query or two, then the pure rules decide."""
    conditions = []
    if kind.channels:
        by_channel = Contact.channel.in_(sorted(kind.channels))
        conditions.append(and_(by_channel, Contact.received_at > cut_off) if cut_off else by_channel)
    if kind.takes_put_forward:
        conditions.append(Contact.put_forward_to_meeting.is_(True))
    carried = (select(MeetingItem.contact_id).join(Meeting, Meeting.id == MeetingItem.meeting_id)
               .where(Meeting.series == meeting.series, MeetingItem.state == ItemState.NOT_REACHED,
                      MeetingItem.meeting_id != meeting.id))
    conditions.append(Contact.id.in_(carried))
    if extra_ids:
        conditions.append(Contact.id.in_(sorted(extra_ids)))
    in_scope = _in_scope(meeting, or_(Contact.id.in_(sorted(extra_ids)), Contact.id.in_(carried)))
    routed = _routed(meeting, cut_off, until, in_scope)
    if routed:
        conditions.append(Contact.id.in_(sorted(routed)))
    query = select(Contact).where(Contact.received_at <= until, or_(*conditions), in_scope)
    contacts = list(db.session.scalars(query.options(pathways.contact_loads())))
    earlier = _earlier_item_states(meeting, [c.id for c in contacts])
    return [Candidate(contact_id=c.id, channel=c.channel, received_at=c.received_at, rag=c.rag,
                      decision_due_at=c.decision_due_at, decided=c.state == ContactState.DECIDED.value,
                      put_forward=bool(c.put_forward_to_meeting), earlier_item_state=earlier.get(c.id),
                      routed=c.id in routed)
            for c in contacts], {c.id: c for c in contacts}


def _in_scope(meeting: Meeting, kept):
    """A locality's meeting takes its locality's contacts; a county-wide meeting takes every
    contact except those of a locality holding its own meeting of the same type that day.
    `kept` (the chair's additions, the series' carried-over items) stay whatever their locality."""
    if meeting.locality_id is not None:
        return or_(Contact.locality_id == meeting.locality_id, kept)
    local = (select(Meeting.locality_id)
             .where(Meeting.type_code == meeting.type_code, Meeting.meeting_date == meeting.meeting_date,
                    Meeting.locality_id.is_not(None), Meeting.state != MeetingState.CANCELLED))
    return or_(Contact.locality_id.is_(None), Contact.locality_id.not_in(local), kept)


def _routed(meeting: Meeting, cut_off: datetime | None, until: datetime, in_scope) -> set[int]:
    """Undecided contacts in this meeting's window that a pathway's routing rule sends here."""
    if not pathways.has_rules(meeting.type_code):
        return set()
    window = [Contact.received_at <= until, Contact.state != ContactState.DECIDED.value, in_scope]
    if cut_off is not None:
        window.append(Contact.received_at > cut_off)
    contacts = db.session.scalars(select(Contact).where(*window).options(pathways.contact_loads()))
    return pathways.routed_ids(meeting.type_code, contacts)


def _earlier_item_states(meeting: Meeting, contact_ids: list[int]) -> dict[int, str]:
    """Each contact's latest item at another meeting that has started."""
    if not contact_ids:
        return {}
    rows = db.session.execute(
        select(MeetingItem.contact_id, MeetingItem.state)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(MeetingItem.contact_id.in_(contact_ids), MeetingItem.meeting_id != meeting.id,
               Meeting.started_at.is_not(None))
        .order_by(Meeting.started_at, MeetingItem.id)).all()
    return {contact_id: state for contact_id, state in rows}  # the latest wins


def _build(meeting: Meeting, until: datetime, cut_off: datetime | None) -> tuple[Agenda, dict[int, Contact]]:
    kind = meeting_type(meeting.type_code)
    added = {i.contact_id for i in meeting.items if i.state != ItemState.REMOVED}
    removed = {i.contact_id for i in meeting.items if i.state == ItemState.REMOVED}
    candidates, contacts = _candidates(meeting, kind, cut_off, until, added | removed)
    rule = AgendaRule(channels=kind.channels, takes_put_forward=kind.takes_put_forward, cut_off=cut_off, until=until)
    return build_agenda(candidates, rule, added=added, removed=removed), contacts


@unit_of_work("meeting", keep_loaded=True)
def agenda_preview(actor: Actor, now: datetime, meeting_id: int) -> AgendaPreview:
    """What the agenda would be if the meeting started now (for a planned meeting)."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "see a meeting's agenda before it starts")
    if meeting.state != MeetingState.PLANNED:
        raise Conflict(f"This meeting is {MeetingState(meeting.state).label.lower()}: its agenda is frozen; "
                       "read its items instead", {"state": ["The agenda is frozen"]})
    cut_off = previous_start(meeting)
    agenda, contacts = _build(meeting, now, cut_off)
    by_contact = {i.contact_id: i for i in meeting.items}
    lines = [AgendaLine(contact=contacts[e.candidate.contact_id], source=e.source,
                        item=by_contact.get(e.candidate.contact_id),
                        time_left=decision_clock(contacts[e.candidate.contact_id], now).time_left)
             for e in agenda.entries]
    removed = [i for i in meeting.items if i.state == ItemState.REMOVED]
    stamp_items(removed, now)
    for line in lines:
        audit_contact(actor, now, line.contact, "read", f"agenda of meeting {meeting.id}")
    return AgendaPreview(meeting=meeting, lines=lines, removed=removed, cut_off=cut_off)


@stamped(stamp_item)
@unit_of_work("item")
def add_item(actor: Actor, now: datetime, meeting_id: int, contact_id: int, reason: str) -> MeetingItem:
    """The chair adds a contact by hand, with a reason (kept). While the meeting is in progress
    the item goes straight after the one being discussed."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "change a meeting's agenda")
    require_chair(actor, meeting, "add items to the agenda")
    reason = _reason(reason, what="Say why this contact is being added")
    ensure_open_for_changes(meeting)
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise Invalid("The item needs correcting", {"contact_id": [f"No contact {contact_id}"]})
    if contact.state == ContactState.DECIDED.value:
        raise Conflict("This contact is decided; there is nothing left for the meeting to decide",
                       {"contact_id": ["Already decided"]})
    item = next((i for i in meeting.items if i.contact_id == contact_id), None)
    if item is not None and item.state != ItemState.REMOVED:
        raise Conflict("This contact is already on the agenda", {"contact_id": ["Already on the agenda"]})
    if item is None:
        item = MeetingItem(meeting_id=meeting.id, contact_id=contact.id, position=0,
                           state=ItemState.PENDING, added_at=now)
        db.session.add(item)
        meeting.items.append(item)
    else:  # put back after a removal: the removal and its reason stay in the audit trail
        move_item(item, ItemState.PENDING)
        item.removed_at = item.removed_reason = item.removed_by_id = None
    item.source, item.added_reason, item.added_by_id, item.added_at = ItemSource.ADDED, reason, actor.user_id, now
    if meeting.state == MeetingState.OPEN:
        _insert_after_current(meeting, item)
    db.session.flush()
    audit_contact(actor, now, contact, "update", f"added to meeting {meeting.id}: {reason}")
    touch(meeting.id)
    return item


def _insert_after_current(meeting: Meeting, item: MeetingItem) -> None:
    live = [i for i in meeting.items if i.state != ItemState.REMOVED and i is not item]
    live.sort(key=lambda i: (i.position, i.id or 0))
    at = next((n + 1 for n, i in enumerate(live) if i.id == meeting.current_item_id), len(live))
    live.insert(at, item)
    for n, i in enumerate(live, start=1):
        if i.position != n:
            i.position = n


@stamped(stamp_item)
@unit_of_work("item")
def remove_item(actor: Actor, now: datetime, meeting_id: int, contact_id: int, reason: str) -> MeetingItem:
    """The chair takes a contact off the agenda, with a reason (kept, and shown in the minutes)."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "change a meeting's agenda")
    require_chair(actor, meeting, "remove items from the agenda")
    reason = _reason(reason, what="Say why this contact is being taken off the agenda")
    ensure_open_for_changes(meeting)
    item = next((i for i in meeting.items if i.contact_id == contact_id), None)
    if item is None:
        if meeting.state != MeetingState.PLANNED:
            raise NotFound(f"Contact {contact_id} is not on this meeting's agenda")
        agenda, contacts = _build(meeting, now, previous_start(meeting))
        entry = next((e for e in agenda.entries if e.candidate.contact_id == contact_id), None)
        if entry is None:
            raise NotFound(f"Contact {contact_id} is not on this meeting's agenda")
        item = MeetingItem(meeting_id=meeting.id, contact_id=contact_id, position=0, source=entry.source,
                           state=ItemState.PENDING, added_at=now)
        db.session.add(item)
        meeting.items.append(item)
    move_item(item, ItemState.REMOVED)
    item.removed_reason, item.removed_by_id, item.removed_at = reason, actor.user_id, now
    db.session.flush()
    audit_contact(actor, now, item.contact or db.session.get(Contact, contact_id), "update",
                  f"removed from meeting {meeting.id}: {reason}")
    touch(meeting.id)
    return item


# ---------------------------------------------------------------- attendance

@unit_of_work("meeting")
def record_attendance(actor: Actor, now: datetime, meeting_id: int, agency_code: str, mode: str,
                      user_id: int | None = None, name: str | None = None) -> MeetingAttendance:
    """Who is at the meeting for which agency, in the room or joining virtually.

    Recording a partner representative here is what lets them see the meeting's items.
    """
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "record attendance")
    ensure_open_for_changes(meeting)
    errors: dict[str, list[str]] = {}
    agency = None
    try:
        agency = agency_by_code(agency_code, "agency")
    except Invalid as exc:
        errors.update(exc.errors)
    if agency is None and "agency" not in errors:
        errors["agency"] = ["Choose the agency this person is here for"]
    if mode not in MODES:
        errors["mode"] = ["Choose in person or virtual"]
    name = (name or "").strip() or None
    user = db.session.get(User, user_id) if user_id is not None else None
    if user_id is not None and user is None:
        errors["user_id"] = [f"No user {user_id}"]
    elif user is None and not name:
        errors["name"] = ["Choose the person, or write their name"]
    if user is not None and agency is not None and Role(user.role) is Role.PARTNER and user.agency_id != agency.id:
        errors["agency"] = [f"{user.display_name} represents another agency"]
    if errors:
        raise Invalid("The attendance needs correcting", errors)
    if user is not None and any(a.user_id == user.id for a in meeting.attendance):
        raise Conflict(f"{user.display_name} is already recorded as attending", {"user_id": ["Already attending"]})
    row = MeetingAttendance(meeting_id=meeting.id, agency_id=agency.id, user_id=user.id if user else None,
                            name=None if user else name, mode=mode, recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, now, "create", "meeting_attendance", row.id, detail=f"meeting {meeting.id} {agency.code}")
    touch(meeting.id)
    return row


@unit_of_work("meeting")
def remove_attendance(actor: Actor, now: datetime, meeting_id: int, attendance_id: int) -> None:
    """Take off someone recorded by mistake (before the meeting closes)."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "record attendance")
    ensure_open_for_changes(meeting)
    row = db.session.get(MeetingAttendance, attendance_id)
    if row is None or row.meeting_id != meeting.id:
        raise NotFound(f"No attendance {attendance_id} at this meeting")
    audit.record(actor, now, "delete", "meeting_attendance", row.id, detail=f"meeting {meeting.id} {row.agency.code}")
    db.session.delete(row)
    touch(meeting.id)


def absent_core_agencies(meeting: Meeting) -> list[Agency]:
    """The meeting type's core agencies with nobody recorded as attending for them."""
    kind = meeting_type(meeting.type_code)
    present = {a.agency_id for a in meeting.attendance}
    core = {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(kind.core_agencies)))}
    return [core[code] for code in kind.core_agencies if code in core and core[code].id not in present]


# ---------------------------------------------------------------- start, close, cancel

@unit_of_work("meeting")
def start_meeting(actor: Actor, now: datetime, meeting_id: int, version: int | None = None) -> Meeting:
    """Open the meeting and freeze its agenda: what arrives from now goes to the next meeting."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "run triage meetings")
    require_chair(actor, meeting, "start the meeting")
    check_version(meeting, version, "meeting")
    _move(meeting, MeetingState.OPEN)
    cut_off = previous_start(meeting)
    agenda, contacts = _build(meeting, now, cut_off)
    meeting.started_at, meeting.cut_off = now, cut_off
    by_contact = {i.contact_id: i for i in meeting.items}
    for position, entry in enumerate(agenda.entries, start=1):
        item = by_contact.get(entry.candidate.contact_id)
        if item is None:
            item = MeetingItem(meeting_id=meeting.id, contact_id=entry.candidate.contact_id,
                               source=entry.source, state=ItemState.PENDING, added_at=now)
            db.session.add(item)
            meeting.items.append(item)
        item.position = position
    for item in list(meeting.items):
        # Added by hand, then decided before the meeting: nothing left to discuss.
        if item.state == ItemState.PENDING and contacts.get(item.contact_id) is not None \
                and contacts[item.contact_id].state == ContactState.DECIDED.value:
            move_item(item, ItemState.REMOVED)
            item.removed_reason, item.removed_at = "Decided before the meeting started", now
    db.session.flush()
    live = sorted((i for i in meeting.items if i.state == ItemState.PENDING), key=lambda i: i.position)
    meeting.current_item_id = live[0].id if live else None
    audit.record(actor, now, "update", "meeting", meeting.id, detail=f"started with {len(live)} items")
    for item in live:
        audit_item(actor, now, item, "create", "agenda frozen")
    touch(meeting.id)
    return meeting


@unit_of_work("meeting")
def close_meeting(actor: Actor, now: datetime, meeting_id: int, version: int | None = None) -> Meeting:
    """Close the meeting; items not reached carry over to the next meeting of the series."""
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "run triage meetings")
    require_chair(actor, meeting, "close the meeting")
    check_version(meeting, version, "meeting")
    _move(meeting, MeetingState.CLOSED)
    meeting.closed_at = now
    for item in meeting.items:
        if item.state == ItemState.PENDING:
            move_item(item, ItemState.NOT_REACHED)
            audit_item(actor, now, item, "update", "not reached: carried over")
    audit.record(actor, now, "update", "meeting", meeting.id, detail="closed")
    touch(meeting.id)
    return meeting


@unit_of_work("meeting")
def cancel_meeting(actor: Actor, now: datetime, meeting_id: int, reason: str,
                   version: int | None = None) -> Meeting:
    meeting = load_meeting(actor, now, meeting_id)
    require(actor, RUNNERS, "run triage meetings")
    require_chair(actor, meeting, "cancel the meeting")
    reason = _reason(reason, what="Say why the meeting is cancelled")
    check_version(meeting, version, "meeting")
    _move(meeting, MeetingState.CANCELLED)
    meeting.notes = f"Cancelled: {reason}" + (f"\n{meeting.notes}" if meeting.notes else "")
    audit.record(actor, now, "update", "meeting", meeting.id, detail="cancelled")
    touch(meeting.id)
    return meeting


def agenda_order(items: list[MeetingItem]) -> list[MeetingItem]:
    """Items as the agenda lists them (frozen positions), removed ones left out."""
    return sorted((i for i in items if i.state != ItemState.REMOVED), key=lambda i: (i.position, i.id))

