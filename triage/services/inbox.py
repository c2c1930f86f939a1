"""A person's notifications read in plain words, each with the record it is about.

The stored message names clocks and ids only (it is also what is emailed); the words shown in
the service name the child and say where the clock stands now ("Assessment for Ava Gibson is
overdue by 2 working days"). They are built when the notification is read, for its recipient
alone, and never stored, emailed or logged. Showing them is a read of the children named:
audited per child.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from triage.clock import local_date, to_london
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import ClockKind
from triage.extensions import db
from triage.models import (
    Agency,
    Child,
    Clock,
    ClockEvent,
    ContactChild,
    InformationRequest,
    Notification,
)
from triage.services import audit, notify
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.cases.clock_views import cases_for_clocks
from triage.services.errors import NotFound
from triage.services.paging import Page
from triage.services.unit_of_work import unit_of_work

WHAT = {
    ClockKind.DECISION: "Decision on the contact about {who}",
    ClockKind.ACKNOWLEDGEMENT: "Acknowledging the contact about {who}",
    ClockKind.PARTNER_INFORMATION: "{agency} information about {who}",
    ClockKind.ASSESSMENT: "Assessment for {who}",
    ClockKind.CASE_DISCUSSION: "Case discussion {sequence} for {who}",
    ClockKind.ICPC: "Initial child protection conference for {who}",
}
# The clock's own name, for the line under the words: "Case discussion 1: breached".
LABELS = {ClockKind.DECISION: "Decision on the contact", ClockKind.ACKNOWLEDGEMENT: "Acknowledge the referrer",
          ClockKind.PARTNER_INFORMATION: "Partner information request", ClockKind.CASE_DISCUSSION: "Case discussion",
          ClockKind.ASSESSMENT: "Assessment", ClockKind.ICPC: "Initial child protection conference"}


@dataclass(frozen=True)
class Target:
    """The record a notification is about: a case (referral id) or a contact."""

    kind: str  # "case" or "contact"
    id: int


@dataclass(frozen=True)
class Notice:
    notification: Notification
    text: str
    target: Target | None
    link: str | None  # for notifications that are not about a clock: the address stored with them
    summary: str | None = None  # the clock and what happened to it: "Assessment: breached"
    due_at: datetime | None = None


@dataclass(frozen=True)
class _About:
    """What the words need to know about one clock."""

    clock: Clock
    event: str  # due_soon or breached
    who: str
    agency: str | None
    sequence: int | None
    target: Target | None


def unread_count(actor: Actor) -> int:
    """How many of the person's notifications are unread: one COUNT on the (user, read_at) index."""
    if actor.user_id is None:
        return 0
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == actor.user_id, Notification.read_at.is_(None))) or 0


def notices_for(actor: Actor, now: datetime, unread_only: bool = False, page: int = 1,
                per_page: int = 50) -> Page:
    """A page of the person's notifications as Notices, newest first; audited per child named."""
    with unit_of_work("notification", keep_loaded=True):
        found = notify.notifications_for(actor, unread_only=unread_only, page=page, per_page=per_page)
        notices = describe(actor, now, found.items)
    return Page(items=notices, total=found.total, page=found.page, per_page=found.per_page)


def open_notice(actor: Actor, now: datetime, notification_id: int) -> Notice:
    """Mark one of the person's notifications read and say where it leads."""
    with unit_of_work("notification", keep_loaded=True):
        notification = notify.mark_read(actor, now, notification_id)
        return describe(actor, now, [notification])[0]


def describe(actor: Actor, now: datetime, notifications: list[Notification]) -> list[Notice]:
    """Each notification in plain words, with its target; the children named are audited."""
    if any(n.user_id != actor.user_id for n in notifications):
        raise NotFound("No such notification for you")
    about, children = _about_clocks([n.id for n in notifications if n.clock_event_id is not None])
    calendar, today = working_day_calendar(), local_date(now)
    notices = []
    for n in notifications:
        found = about.get(n.id)
        if found is None:
            notices.append(Notice(n, n.message, None, n.link))
        else:
            notices.append(Notice(n, words(found, now, today, calendar), found.target, None,
                                  summary=summary(found), due_at=found.clock.due_at))
    shown = [(n.id, child_id) for n in notifications for child_id in children.get(n.id, [])]
    if shown:
        audit.record_shown(actor, now, "list", "notification", shown,
                           detail=f"{len(notifications)} notifications shown")
    return notices


def words(about: _About, now: datetime, today: date, calendar: WorkingDayCalendar) -> str:
    clock = about.clock
    template = WHAT.get(clock.kind, "{kind} for {who}")
    what = template.format(who=about.who, agency=about.agency or "Partner", sequence=about.sequence or "",
                           kind=str(clock.kind).replace("_", " ").capitalize())
    return f"{what} {where_it_stands(clock, now, today, calendar)}"


def summary(about: _About) -> str:
    label = LABELS.get(about.clock.kind, str(about.clock.kind))
    if about.sequence:
        label = f"{label} {about.sequence}"
    return f"{label}: {'breached' if about.event == 'breached' else 'due soon'}"


def where_it_stands(clock: Clock, now: datetime, today: date, calendar: WorkingDayCalendar) -> str:
    """"is overdue by 2 working days", "is due today", "was done late" ..."""
    if clock.stopped_at is not None:
        return "was done late" if clock.stopped_at > clock.due_at else "was done in time"
    if clock.due_date is not None:  # a working-day clock: counted in working days
        left = calendar.working_days_between(today, clock.due_date)
        if now > clock.due_at:
            late = max(1, -left)
            return f"is overdue by {late} working {'day' if late == 1 else 'days'}"
        if left <= 0:
            return "is due today"
        return f"is due in {left} working {'day' if left == 1 else 'days'}"
    if now > clock.due_at:
        return f"is overdue by {_duration(now - clock.due_at)}"
    due = to_london(clock.due_at)
    on = "today" if due.date() == today else f"on {due:%-d %b}"
    return f"is due by {due:%H:%M} {on}"


def _duration(length) -> str:
    hours = int(length.total_seconds() // 3600)
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        return f"{hours} {'hour' if hours == 1 else 'hours'}"
    return f"{hours // 24} days"


def _about_clocks(notification_ids: list[int]) -> tuple[dict[int, _About], dict[int, list[int]]]:
    """notification id -> what its clock is about, and notification id -> the children named;
    a fixed number of queries however many notifications."""
    if not notification_ids:
        return {}, {}
    rows = db.session.execute(
        select(Notification.id, Clock, ClockEvent.kind).join(ClockEvent, ClockEvent.id == Notification.clock_event_id)
        .join(Clock, Clock.id == ClockEvent.clock_id).where(Notification.id.in_(notification_ids))).all()
    clocks = [clock for _, clock, _ in rows]
    names, child_ids = _children_named(clocks)
    referrals = cases_for_clocks(clocks)  # step-down clocks lead to their case too
    agencies = _agencies_for(clocks)
    about, children = {}, {}
    for ident, clock, event in rows:
        referral_id, sequence = referrals[clock.id]
        if referral_id is not None:
            target = Target("case", referral_id)
        else:
            target = Target("contact", clock.contact_id) if clock.contact_id else None
        about[ident] = _About(clock, event, names.get(clock.id) or "a child", agencies.get(clock.id), sequence,
                              target)
        children[ident] = child_ids.get(clock.id, [])
    return about, children


def _children_named(clocks: list[Clock]) -> tuple[dict[int, str], dict[int, list[int]]]:
    """clock id -> the child's name (or the contact's children's names), and their ids."""
    by_child = {c.child_id for c in clocks if c.child_id}
    by_contact = {c.contact_id for c in clocks if not c.child_id and c.contact_id}
    people: dict[int, str] = {}
    if by_child:
        people = {i: f"{first} {last}" for i, first, last in db.session.execute(
            select(Child.id, Child.first_name, Child.last_name).where(Child.id.in_(by_child)))}
    contact_children: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if by_contact:
        for contact_id, child_id, first, last in db.session.execute(
                select(ContactChild.contact_id, Child.id, Child.first_name, Child.last_name)
                .join(Child, Child.id == ContactChild.child_id)
                .where(ContactChild.contact_id.in_(by_contact)).order_by(ContactChild.id)):
            contact_children[contact_id].append((child_id, f"{first} {last}"))
    names, ids = {}, {}
    for clock in clocks:
        if clock.child_id:
            named = [(clock.child_id, people.get(clock.child_id, ""))]
        else:
            named = contact_children.get(clock.contact_id, [])
        names[clock.id] = _and([name for _, name in named if name])
        ids[clock.id] = [child_id for child_id, _ in named]
    return names, ids


def _and(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _agencies_for(clocks: list[Clock]) -> dict[int, str]:
    """clock id -> the agency asked, for partner information clocks."""
    requests = {c.subject_id: c.id for c in clocks if c.subject == "information_request"}
    if not requests:
        return {}
    return {requests[ident]: name for ident, name in db.session.execute(
        select(InformationRequest.id, Agency.name).join(Agency, Agency.id == InformationRequest.agency_id)
        .where(InformationRequest.id.in_(requests)))}
