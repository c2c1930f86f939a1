"""The demo's night: three contacts the Emergency Duty Team logged after the Front Door closed
last night, on the morning's handover list; once the Front Door has opened this morning, the
first has been accepted and the other two wait."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from triage.clock import LONDON
from triage.domain.codes import ContactChannel
from triage.domain.opening_hours import handover_day
from triage.extensions import db
from triage.models import Child, Contact, ContactChild, OutOfHoursHandover
from triage.services import contacts, out_of_hours
from triage.services.calendar import working_day_calendar
from triage.settings import front_door_settings

NIGHT = (("21:40", "Police called the EDT: a child found alone at home late in the evening."),
         ("23:55", "A young person missing from home returned by police; the EDT visited."),
         ("02:20", "Hospital called the EDT: a child brought in with an injury the parents cannot explain."))
ACCEPTED_AFTER_OPENING = timedelta(minutes=10)


def seed_night(ctx) -> tuple[int, int]:
    """(added, present): the EDT's contacts from last night, once, and this morning's acceptance."""
    present = len(db.session.scalars(select(Contact.id).where(
        Contact.channel == ContactChannel.EDT_HANDOVER.value)).all())
    if present:
        return _accept_first(ctx), present
    quiet = list(db.session.scalars(
        select(Child).where(Child.council_child_id.like("DEMO%"),
                            ~Child.id.in_(select(ContactChild.child_id))).order_by(Child.id).limit(len(NIGHT))))
    yesterday = ctx.today - timedelta(days=1)
    added = 0
    for child, (clock, concern) in zip(quiet, NIGHT, strict=False):
        night = yesterday if clock >= "12:00" else ctx.today  # after midnight: early this morning
        received = datetime.combine(night, time.fromisoformat(clock), tzinfo=LONDON)
        if received > ctx.now:
            continue
        contacts.record_contact(ctx.actor("era2"), received, {
            "channel": ContactChannel.EDT_HANDOVER.value, "source_code": "9", "concern": concern,
            "received_at": received, "referrer_name": "EDT social worker", "consent": "not_required",
            "children": [{"child_id": child.id}]})
        added += 1
    return added + _accept_first(ctx), 0


def _accept_first(ctx) -> int:
    """The morning Front Door accepts the night's first contact soon after opening (if it has
    opened yet today); returns 1 when it does."""
    hours = out_of_hours.hours_from(front_door_settings(), working_day_calendar())
    accepted = datetime.combine(ctx.today, hours.opens, tzinfo=LONDON) + ACCEPTED_AFTER_OPENING
    if accepted > ctx.now:
        return 0
    if db.session.scalar(select(OutOfHoursHandover.id).where(
            OutOfHoursHandover.handover_date == ctx.today, OutOfHoursHandover.accepted_at.is_not(None)).limit(1)):
        return 0
    night = db.session.scalars(select(Contact).where(
        Contact.channel == ContactChannel.EDT_HANDOVER.value, Contact.received_at >= ctx.now - timedelta(days=4),
        Contact.received_at < accepted).order_by(Contact.received_at, Contact.id)).all()
    first = next((c for c in night if handover_day(c.received_at, hours.calendar, hours.opens, hours.closes)
                  == ctx.today), None)
    if first is None:
        return 0
    out_of_hours.accept(ctx.actor("era"), accepted, hours, first.id, None)
    return 1
