"""The out-of-hours handover: what the Emergency Duty Team logged while the Front Door was closed,
waiting for the morning Front Door to accept it, item by item.

A contact is on the list when it came through the EDT handover channel at a time the Front Door
was closed (outside its opening hours, or on a day that is not a working day); it waits for the
morning of the next working day. The list is gathered as it is read, set-based and idempotent, so
nothing in intake has to know about it. Accepting says who took it over and when; a second
accept is a 409 that names who got there first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from triage.clock import to_london
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.codes import ContactChannel
from triage.domain.opening_hours import handover_day
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Contact, ContactChild, OutOfHoursHandover
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.paging import Page, paginate
from triage.services.token_holders import acting_person_id
from triage.services.unit_of_work import unit_of_work

H = OutOfHoursHandover
STAFF = (Role.ERA, Role.PRACTITIONER, Role.MANAGER)
STATES = ("waiting", "accepted", "all")
# How far back the list is gathered from: longer than any run of closed days (Christmas).
LOOKBACK = timedelta(days=14)


@dataclass(frozen=True)
class Hours:
    """When the Front Door is open (London), and which days are working days."""
    opens: time
    closes: time
    calendar: WorkingDayCalendar


def hours_from(settings, calendar: WorkingDayCalendar) -> Hours:
    """Hours from the Front Door's settings (triage.settings.front_door_settings)."""
    return Hours(settings.opens, settings.closes, calendar)


def _insert(table):
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def gather(now: datetime, hours: Hours) -> int:
    """Put every EDT contact received while closed (and not yet listed) on the list; returns how many."""
    found = db.session.execute(
        select(Contact.id, Contact.received_at).outerjoin(H, H.contact_id == Contact.id)
        .where(Contact.channel == ContactChannel.EDT_HANDOVER.value, Contact.received_at >= now - LOOKBACK,
               Contact.received_at <= now, H.id.is_(None))).all()
    rows = []
    for contact_id, received_at in found:
        day = handover_day(received_at, hours.calendar, hours.opens, hours.closes)
        if day is not None:
            rows.append({"contact_id": contact_id, "received_at": received_at, "handover_date": day,
                         "listed_at": now, "version": 1})
    if rows:  # a list read at the same moment elsewhere may have listed some already
        db.session.execute(_insert(H.__table__).values(rows).on_conflict_do_nothing())
    return len(rows)


def handover_list(actor: Actor, now: datetime, hours: Hours, state: str = "waiting", day: date | None = None,
                  page: int = 1, per_page: int = 50) -> Page:
    """The handover list: waiting items oldest first; accepted or all by morning, newest morning
    first. Each child shown is audited."""
    require(actor, STAFF, "see the out-of-hours handover")
    if state not in STATES:
        raise Invalid("Choose which items", {"state": [f"One of {', '.join(STATES)}"]})
    with unit_of_work("handover", keep_loaded=True):
        gather(now, hours)
        query = select(H).options(selectinload(H.accepted_by), selectinload(H.contact).selectinload(Contact.children)
                                  .selectinload(ContactChild.child))
        if state == "waiting":
            query = query.where(H.accepted_at.is_(None)).order_by(H.received_at, H.id)
        else:
            if state == "accepted":
                query = query.where(H.accepted_at.is_not(None))
            query = query.order_by(H.handover_date.desc(), H.received_at, H.id)
        if day is not None:
            query = query.where(H.handover_date == day)
        result = paginate(query, page, per_page)
        audit.record_shown(actor, now, "read", "contact",
                           [(item.contact_id, link.child_id) for item in result.items for link in item.contact.children],
                           detail="out-of-hours handover")
    return result


def accept(actor: Actor, now: datetime, hours: Hours, contact_id: int, version: int | None) -> OutOfHoursHandover:
    """The morning Front Door takes over one contact from the EDT: who and when, audited per child."""
    require(actor, STAFF, "accept out-of-hours contacts")
    with unit_of_work("handover item"):
        gather(now, hours)
        item = db.session.scalar(select(H).where(H.contact_id == contact_id))
        if item is None:
            raise NotFound(f"Contact {contact_id} is not on the out-of-hours handover list")
        if item.accepted_at is not None:
            who = item.accepted_by.display_name if item.accepted_by else "someone else"
            at = to_london(item.accepted_at)
            raise Conflict(f"Contact {contact_id} was already accepted by {who} at {at:%H:%M} on {at.day} {at:%B}",
                           {"version": [f"Already accepted (now version {item.version})"]})
        check_version(item, version, "handover item")
        item.accepted_at, item.accepted_by_id, item.accepted_by_token_id = now, acting_person_id(actor), actor.token_id
        for link in item.contact.children:
            audit.record(actor, now, "update", "out_of_hours_handover", item.id, child_id=link.child_id,
                         detail=f"accepted contact {contact_id} from the EDT")
    return item


@dataclass(frozen=True)
class HandoverCounts:
    handed_over: int  # logged by the EDT while closed, for this morning
    accepted: int  # of those, accepted so far
    waiting: int  # everything still waiting by this morning, this one's and any earlier


def counts_for(day: date, now: datetime, hours: Hours) -> HandoverCounts:
    """What the morning report says about the night: one statement after gathering."""
    with unit_of_work("handover"):
        gather(now, hours)
        handed_over, accepted, waiting = db.session.execute(select(
            func.count().filter(H.handover_date == day),
            func.count().filter(H.handover_date == day, H.accepted_at.is_not(None)),
            func.count().filter(H.handover_date <= day, H.accepted_at.is_(None))).select_from(H)).one()
    return HandoverCounts(handed_over or 0, accepted or 0, waiting or 0)
