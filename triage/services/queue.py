"""The Front Door queue: contacts awaiting decision, breached first, then by time left."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, select

from triage.domain.clocks import ClockState, clock_state, describe_time_left
from triage.domain.contact_states import STAFF, ContactState
from triage.extensions import db
from triage.models import Agency, Child, Contact, ContactChild, InformationRequest
from triage.services import audit
from triage.services.actor import Actor
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings


@dataclass(frozen=True)
class QueueFilters:
    rag: str | None = None  # red, amber, green, or "none" for not yet rated
    source_code: str | None = None
    locality_id: int | None = None
    team_id: int | None = None
    awaiting_agency: str | None = None  # agency code with an open request


@dataclass(frozen=True)
class QueueChild:
    """A child named on a queued contact: just what the queue shows."""
    child_id: int
    full_name: str

    @property
    def child(self) -> QueueChild:  # reads like a contact's link: link.child.full_name
        return self


@dataclass(frozen=True)
class QueueContact:
    """The columns of a contact the queue shows, read as plain rows (no entities to track)."""
    id: int
    received_at: datetime
    channel: str
    source_code: str
    state: str
    rag: str | None
    decision_due_at: datetime
    version: int
    children: list[QueueChild] = field(default_factory=list)


@dataclass
class QueueItem:
    contact: QueueContact
    clock_state: ClockState
    time_left: str
    awaiting: list[str] = field(default_factory=list)  # agency names with open requests


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int
    # How many of the (filtered) queue are overdue, due soon and on time: the whole queue, not
    # just this page. Keys are ClockState values.
    counts: dict[ClockState, int] = field(default_factory=dict)


def awaiting_decision(actor: Actor, now: datetime, filters: QueueFilters = QueueFilters(),
                      page: int = 1, per_page: int = 50) -> QueuePage:
    require(actor, STAFF, "see the queue")
    with unit_of_work("contact", keep_loaded=True):
        return _read_queue(actor, now, filters, page, per_page)


def queue_counts(actor: Actor, now: datetime, filters: QueueFilters = QueueFilters()) -> dict[ClockState, int]:
    """How many contacts await decision in each clock state: numbers only, no child shown."""
    require(actor, STAFF, "see the queue")
    return _totals(_filtered(filters), now, clock_settings().decision_warn)[1]


def _read_queue(actor: Actor, now: datetime, filters: QueueFilters, page: int, per_page: int) -> QueuePage:
    query = _filtered(filters)
    # Breached contacts have the earliest due times, so due order is "breached first, then by
    # time left"; the id keeps pages stable when two are due at the same moment. Three reads of
    # plain columns (the page, its children, its open requests) whatever the page size.
    query = query.order_by(Contact.decision_due_at, Contact.id)
    return _page(actor, now, query, page, per_page)


def _filtered(filters: QueueFilters):
    query = select(Contact).where(Contact.state != ContactState.DECIDED)
    if filters.rag == "none":
        query = query.where(Contact.rag.is_(None))
    elif filters.rag:
        query = query.where(Contact.rag == filters.rag)
    if filters.source_code:
        query = query.where(Contact.source_code == filters.source_code)
    if filters.locality_id:
        query = query.where(Contact.locality_id == filters.locality_id)
    if filters.team_id:
        query = query.where(Contact.team_id == filters.team_id)
    if filters.awaiting_agency:
        query = query.where(exists().where(
            InformationRequest.contact_id == Contact.id, InformationRequest.state == "open",
            InformationRequest.agency_id == select(Agency.id).where(
                Agency.code == filters.awaiting_agency).scalar_subquery()))
    return query


def _page(actor: Actor, now: datetime, query, page: int, per_page: int) -> QueuePage:
    page, per_page = max(1, page), max(1, per_page)
    warn = clock_settings().decision_warn
    total, counts = _totals(query, now, warn)
    rows = db.session.execute(
        query.with_only_columns(Contact.id, Contact.received_at, Contact.channel, Contact.source_code,
                                Contact.state, Contact.rag, Contact.decision_due_at, Contact.version)
        .limit(per_page).offset((page - 1) * per_page)).all()
    shown = {row.id: QueueContact(*row) for row in rows}
    awaiting: dict[int, set[str]] = {contact_id: set() for contact_id in shown}
    if shown:
        for contact_id, child_id, first, last in db.session.execute(
                select(ContactChild.contact_id, ContactChild.child_id, Child.first_name, Child.last_name)
                .join(Child, Child.id == ContactChild.child_id)
                .where(ContactChild.contact_id.in_(list(shown))).order_by(ContactChild.id)):
            shown[contact_id].children.append(QueueChild(child_id, f"{first} {last}"))
        for contact_id, agency in db.session.execute(
                select(InformationRequest.contact_id, Agency.name)
                .join(Agency, Agency.id == InformationRequest.agency_id)
                .where(InformationRequest.contact_id.in_(list(shown)), InformationRequest.state == "open")):
            awaiting[contact_id].add(agency)
    items = [QueueItem(contact=c, clock_state=clock_state(c.decision_due_at, now, None, warn),
                       time_left=describe_time_left(c.decision_due_at, now), awaiting=sorted(awaiting[c.id]))
             for c in shown.values()]
    audit.record_shown(actor, now, "list", "contact",
                       [(c.id, link.child_id) for c in shown.values() for link in c.children],
                       detail=f"queue: {len(items)} contacts shown")
    return QueuePage(items=items, total=total, page=page, per_page=per_page, counts=counts)


def _totals(query, now: datetime, warn: timedelta) -> tuple[int, dict[ClockState, int]]:
    """The queue's size and its count in each clock state, in the one statement that counts it.

    The bands are the domain's clock rule (`clock_state`) written as SQL: breached once the due
    time has passed, due soon within `warn` of it, otherwise running."""
    due = query.order_by(None).subquery().c.decision_due_at

    def band(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    total, breached, due_soon = db.session.execute(select(
        func.count(), band(due < now), band(and_(due >= now, due <= now + warn)))).one()
    return total, {ClockState.BREACHED: breached, ClockState.DUE_SOON: due_soon,
                   ClockState.RUNNING: total - breached - due_soon}
