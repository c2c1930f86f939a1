"""Reading meetings: the record, the live state screens poll, history, actions and minutes.

Every read that shows a child's details is audited, one row per child (architecture rule 10);
the live state carries no personal data, so polling it writes nothing.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from triage.clock import local_date
from triage.domain.meetings import ItemState, MeetingState
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Agency,
    Child,
    Contact,
    ContactChild,
    ItemContribution,
    Meeting,
    MeetingAction,
    MeetingAttendance,
    MeetingItem,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Forbidden, Invalid
from triage.services.guards import require
from triage.services.meetings.clocks import stamp_actions, stamp_items
from triage.services.meetings.common import (
    READERS,
    RUNNERS,
    audit_item,
    audit_items,
    load_item,
    load_meeting,
)
from triage.services.meetings.planning import absent_core_agencies, agenda_order
from triage.services.meetings.settings import MeetingType, meeting_type, partner_access_hours
from triage.services.paging import Page, paginate
from triage.services.unit_of_work import unit_of_work

ITEM_LOADS = (selectinload(MeetingItem.contact).selectinload(Contact.children).selectinload(ContactChild.child),
              selectinload(MeetingItem.contributions).selectinload(ItemContribution.agency),
              selectinload(MeetingItem.actions).selectinload(MeetingAction.owner_agency),
              selectinload(MeetingItem.lead_agency))


def _with_items(meeting_id: int) -> None:
    """Load the meeting's items and what hangs off them in a handful of queries, not one per row."""
    list(db.session.scalars(select(MeetingItem).where(MeetingItem.meeting_id == meeting_id).options(*ITEM_LOADS)))


def item_digest(item: MeetingItem) -> str:
    """Changes whenever anything shown on the item changes: screens refetch only those items."""
    parts = [f"i{item.version}{item.state}"]
    parts += [f"c{c.id}.{c.version}" for c in item.contributions]
    parts += [f"a{a.id}.{a.version}" for a in item.actions]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def etag_for(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}-r{meeting.revision}"


@unit_of_work("meeting", keep_loaded=True)
def get_meeting(actor: Actor, now: datetime, meeting_id: int) -> Meeting:
    """The meeting with its items; every child shown is audited."""
    meeting = load_meeting(actor, now, meeting_id)
    _with_items(meeting.id)
    audit_items(actor, now, [item for item in meeting.items
                             if meeting.state != MeetingState.PLANNED or item.state != ItemState.REMOVED],
                "read", f"meeting {meeting.id}")
    return meeting


@unit_of_work("meeting", keep_loaded=True)
def get_item(actor: Actor, now: datetime, item_id: int, meeting_id: int | None = None) -> MeetingItem:
    item = load_item(actor, now, item_id, meeting_id)
    audit_item(actor, now, item, "read")
    stamp_items([item], now)
    return item


@unit_of_work("meeting", keep_loaded=True)
def items_for(actor: Actor, now: datetime, meeting_id: int, include_removed: bool = False) -> list[MeetingItem]:
    meeting = load_meeting(actor, now, meeting_id)
    _with_items(meeting.id)
    items = agenda_order(meeting.items)
    if include_removed:
        items += [i for i in meeting.items if i.state == ItemState.REMOVED]
    audit_items(actor, now, items, "read", f"meeting {meeting.id}")
    stamp_items(items, now)
    return items


@dataclass
class LiveState:
    meeting: Meeting
    kind: MeetingType
    items: list[MeetingItem]
    etag: str
    absent: list[Agency]
    partner_access_until: datetime | None


def live_state(actor: Actor, now: datetime, meeting_id: int) -> LiveState:
    """What screens poll: states, positions, the chair's current item, attendance. No child's
    details, so no audit row per poll; access is checked on every call all the same."""
    meeting = load_meeting(actor, now, meeting_id)
    _with_items(meeting.id)
    until = (meeting.closed_at + timedelta(hours=partner_access_hours())
             if meeting.closed_at is not None else None)
    return LiveState(meeting=meeting, kind=meeting_type(meeting.type_code), items=agenda_order(meeting.items),
                     etag=etag_for(meeting), absent=absent_core_agencies(meeting), partner_access_until=until)


def current_revision(actor: Actor, now: datetime, meeting_id: int) -> tuple[Meeting, str]:
    """The meeting (access checked) and its ETag: enough to answer a poll with 304."""
    meeting = load_meeting(actor, now, meeting_id)
    return meeting, etag_for(meeting)


# ---------------------------------------------------------------- history

@dataclass(frozen=True)
class MeetingSearch:
    date_from: date | None = None
    date_to: date | None = None
    type_code: str | None = None
    state: str | None = None
    child_id: int | None = None
    child_name: str | None = None


@unit_of_work("meeting", keep_loaded=True)
def search_meetings(actor: Actor, now: datetime, criteria: MeetingSearch = MeetingSearch(),
                    page: int = 1, per_page: int = 25) -> Page[Meeting]:
    """Meetings by date, type and child, newest first. Partners see only meetings they attend,
    while open and for the short time after."""
    require(actor, READERS, "see triage meetings")
    if criteria.date_from and criteria.date_to and criteria.date_from > criteria.date_to:
        raise Invalid("The dates need correcting", {"date_to": ["The end date must be on or after the start date"]})
    if criteria.state and criteria.state not in MeetingState._value2member_map_:
        raise Invalid("Unknown state", {"state": [f"Choose one of: {', '.join(s.value for s in MeetingState)}"]})
    query = select(Meeting)
    used = []
    if criteria.date_from:
        query = query.where(Meeting.meeting_date >= criteria.date_from)
        used.append("from")
    if criteria.date_to:
        query = query.where(Meeting.meeting_date <= criteria.date_to)
        used.append("to")
    if criteria.type_code:
        meeting_type(criteria.type_code)
        query = query.where(Meeting.type_code == criteria.type_code)
        used.append("type")
    if criteria.state:
        query = query.where(Meeting.state == criteria.state)
    if criteria.child_id or criteria.child_name:
        if actor.role is Role.PARTNER:
            raise Forbidden("Partner representatives cannot search meetings by child")
        child_filter = []
        if criteria.child_id:
            child_filter.append(ContactChild.child_id == criteria.child_id)
            used.append("child id")
        if criteria.child_name:
            for word in criteria.child_name.split():
                # autoescape: % and _ typed by a person are letters, not wildcards.
                child_filter.append(or_(func.lower(Child.first_name).contains(word.lower(), autoescape=True),
                                        func.lower(Child.last_name).contains(word.lower(), autoescape=True)))
            used.append("child name")
        query = query.where(exists().where(
            MeetingItem.meeting_id == Meeting.id, MeetingItem.state != ItemState.REMOVED,
            ContactChild.contact_id == MeetingItem.contact_id, Child.id == ContactChild.child_id,
            *child_filter))
    if actor.role is Role.PARTNER:
        since = now - timedelta(hours=partner_access_hours())
        query = query.where(
            exists().where(MeetingAttendance.meeting_id == Meeting.id, MeetingAttendance.user_id == actor.user_id),
            or_(Meeting.state == MeetingState.OPEN,
                and_(Meeting.state == MeetingState.CLOSED, Meeting.closed_at >= since)))
    query = query.options(selectinload(Meeting.locality), selectinload(Meeting.chair))
    result = paginate(query.order_by(Meeting.meeting_date.desc(), Meeting.id.desc()), page, per_page)
    audit.record_shown(actor, now, "search", "meeting", [(None, criteria.child_id)] if criteria.child_id else [],
                       detail=f"by {', '.join(used) or 'nothing'}: {result.total} found")
    return result


def meetings_on(actor: Actor, now: datetime, day: date) -> list[Meeting]:
    """The day's meetings (for the meetings page): staff see all, partners the ones they attend."""
    return search_meetings(actor, now, MeetingSearch(date_from=day, date_to=day), per_page=100).items


# ---------------------------------------------------------------- actions

@dataclass(frozen=True)
class ActionFilters:
    overdue: bool = False
    open_only: bool = True
    agency_code: str | None = None
    meeting_id: int | None = None


@unit_of_work("meeting", keep_loaded=True)
def list_actions(actor: Actor, now: datetime, filters: ActionFilters = ActionFilters(), page: int = 1,
                 per_page: int = 50) -> Page[MeetingAction]:
    """Actions from meetings, soonest due first; overdue = not done and due before today."""
    require(actor, RUNNERS, "see meeting actions")
    today = local_date(now)
    query = select(MeetingAction)
    if filters.open_only or filters.overdue:
        query = query.where(MeetingAction.done_at.is_(None))
    if filters.overdue:
        query = query.where(MeetingAction.due_date < today)
    if filters.agency_code:
        agency_id = db.session.scalar(select(Agency.id).where(Agency.code == filters.agency_code))
        if agency_id is None:
            raise Invalid("Unknown agency", {"agency": [f"No agency with the code {filters.agency_code!r}"]})
        query = query.where(MeetingAction.owner_agency_id == agency_id)
    if filters.meeting_id:
        query = query.where(MeetingAction.meeting_id == filters.meeting_id)
    query = query.options(
        selectinload(MeetingAction.owner_agency), selectinload(MeetingAction.owner_user),
        selectinload(MeetingAction.item).selectinload(MeetingItem.contact).selectinload(Contact.children)
        .selectinload(ContactChild.child),
        selectinload(MeetingAction.item).selectinload(MeetingItem.meeting))
    result = paginate(query.order_by(MeetingAction.due_date, MeetingAction.id), page, per_page)
    audit.record_shown(actor, now, "list", "meeting_action",
                       [(a.id, link.child_id) for a in result.items if a.item for link in a.item.contact.children],
                       detail=f"{len(result.items)} shown")
    stamp_actions(result.items, now)
    return result


# ---------------------------------------------------------------- minutes

@dataclass
class Minutes:
    meeting: Meeting
    kind: MeetingType
    attendance: list[MeetingAttendance]
    absent: list[Agency]
    items: list[MeetingItem]  # in agenda order
    removed: list[MeetingItem]
    draft: bool  # the meeting has not closed yet
    produced_at: datetime
    actions: list[MeetingAction] = field(default_factory=list)


@unit_of_work("meeting", keep_loaded=True)
def minutes(actor: Actor, now: datetime, meeting_id: int, export: bool = False) -> Minutes:
    """The meeting's record: who came, who did not, each item and what was agreed, actions."""
    meeting = load_meeting(actor, now, meeting_id)
    if meeting.state in (MeetingState.PLANNED, MeetingState.CANCELLED):
        raise Conflict(f"This meeting is {MeetingState(meeting.state).label.lower()}: it has no minutes",
                       {"state": ["No minutes yet"]})
    _with_items(meeting.id)
    items = agenda_order(meeting.items)
    removed = [i for i in meeting.items if i.state == ItemState.REMOVED]
    # A download leaves the building: marked as an export, with its format (the Word document).
    audit_items(actor, now, items + removed, "export" if export else "read",
                f"minutes of meeting {meeting.id}" + (" docx" if export else ""))
    actions = [a for i in items for a in i.actions]
    stamp_items(items + removed, now)
    return Minutes(meeting=meeting, kind=meeting_type(meeting.type_code), attendance=list(meeting.attendance),
                   absent=absent_core_agencies(meeting), items=items, removed=removed,
                   draft=meeting.state != MeetingState.CLOSED, produced_at=now, actions=actions)
