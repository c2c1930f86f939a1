"""What every meeting use case shares: roles, loading with access checks, the chair's say, the
live revision, and auditing each child an item names. (Role checks, version checks and the
transaction are the services' shared guards and unit of work.)"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update

from triage.domain.meetings import InvalidMeetingStep, MeetingState, check_item_move, partner_may_see
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, Contact, Meeting, MeetingAttendance, MeetingItem
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.guards import require
from triage.services.meetings.settings import partner_access_hours

RUNNERS = (Role.PRACTITIONER, Role.MANAGER)  # plan meetings, take part as children's social care
READERS = RUNNERS + (Role.PARTNER,)
CSC = "childrens_social_care"


def require_chair(actor: Actor, meeting: Meeting, doing: str) -> None:
    """The chair runs the meeting; a Front Door manager may step in."""
    if actor.user_id == meeting.chair_id or actor.has_role(Role.MANAGER):
        return
    raise Forbidden(f"Only the chair or a Front Door manager can {doing}")


def conflict_from(exc: InvalidMeetingStep) -> Conflict:
    return Conflict(str(exc), {"state": [str(exc)]})


def move_item(item: MeetingItem, target) -> None:
    try:
        item.state = check_item_move(item.state, target)
    except InvalidMeetingStep as exc:
        raise conflict_from(exc) from None


def touch(meeting_id: int) -> None:
    """Tell every screen following the meeting that something changed.

    An atomic increment, not an ORM update: two partners typing at once must not trip each
    other's version check; only edits to the same record do that.
    """
    table = Meeting.__table__
    db.session.execute(update(table).where(table.c.id == meeting_id)
                       .values(revision=table.c.revision + 1))


def attended(meeting_id: int, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.user_id == user_id))))


def partner_sees(actor: Actor, meeting: Meeting, now: datetime) -> bool:
    return partner_may_see(meeting.state, meeting.closed_at, now,
                           attended(meeting.id, actor.user_id), partner_access_hours())


def load_meeting(actor: Actor, now: datetime, meeting_id: int) -> Meeting:
    """The meeting, if this actor may see it: staff always, a partner only as an attendee while
    it is open and for a short time after; to anyone else it does not exist (404)."""
    require(actor, READERS, "see triage meetings")
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or (actor.role is Role.PARTNER and not partner_sees(actor, meeting, now)):
        raise NotFound(f"No meeting {meeting_id} that you can see")
    return meeting


def load_item(actor: Actor, now: datetime, item_id: int, meeting_id: int | None = None) -> MeetingItem:
    require(actor, READERS, "see triage meetings")
    item = db.session.get(MeetingItem, item_id)
    if item is None or (meeting_id is not None and item.meeting_id != meeting_id):
        raise NotFound(f"No meeting item {item_id} that you can see")
    if actor.role is Role.PARTNER and not partner_sees(actor, item.meeting, now):
        raise NotFound(f"No meeting item {item_id} that you can see")
    return item


def ensure_open_for_changes(meeting: Meeting) -> None:
    state = MeetingState(meeting.state)
    if state not in (MeetingState.PLANNED, MeetingState.OPEN):
        raise Conflict(f"This meeting is {state.label.lower()}; its agenda and record can no longer change",
                       {"state": [f"The meeting is {state.label.lower()}"]})


def ensure_in_progress(meeting: Meeting, doing: str) -> None:
    state = MeetingState(meeting.state)
    if state is not MeetingState.OPEN:
        raise Conflict(f"This meeting is {state.label.lower()}; {doing} while it is in progress",
                       {"state": [f"The meeting is {state.label.lower()}"]})


def agency_by_code(code: str | None, field: str) -> Agency | None:
    if not code:
        return None
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise Invalid("Unknown agency", {field: [f"No agency with the code {code!r}"]})
    return agency


def audit_item(actor: Actor, now: datetime, item: MeetingItem, action: str, detail: str | None = None) -> None:
    """One audit row per child the item's contact names."""
    audit_items(actor, now, [item], action, detail)


def audit_items(actor: Actor, now: datetime, items, action: str, detail: str | None = None) -> None:
    """One audit row per child each item's contact names, for a whole screen in one statement."""
    audit.record_shown(actor, now, action, "meeting_item",
                       [(item.id, link.child_id) for item in items for link in item.contact.children], detail)


def audit_contact(actor: Actor, now: datetime, contact: Contact, action: str, detail: str) -> None:
    for link in contact.children:
        audit.record(actor, now, action, "contact", contact.id, child_id=link.child_id, detail=detail)
