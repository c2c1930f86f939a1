"""The Front Door queue: contacts awaiting decision, breached first, then by time left."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from triage.domain.clocks import ClockState, describe_time_left
from triage.domain.contact_states import ContactState
from triage.models import Agency, Contact, ContactChild, InformationRequest
from triage.services import audit
from triage.services.actor import Actor
from triage.services.contacts import STAFF, require
from triage.services.paging import paginate
from triage.settings import clock_settings


@dataclass(frozen=True)
class QueueFilters:
    rag: str | None = None  # red, amber, green, or "none" for not yet rated
    source_code: str | None = None
    locality_id: int | None = None
    team_id: int | None = None
    awaiting_agency: str | None = None  # agency code with an open request


@dataclass
class QueueItem:
    contact: Contact
    clock_state: ClockState
    time_left: str
    awaiting: list[str] = field(default_factory=list)  # agency names with open requests


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int


def _state_at(due_at: datetime, now: datetime, warn: timedelta) -> ClockState:
    if now > due_at:
        return ClockState.BREACHED
    return ClockState.DUE_SOON if due_at - now <= warn else ClockState.RUNNING


def awaiting_decision(actor: Actor, now: datetime, filters: QueueFilters = QueueFilters(),
                      page: int = 1, per_page: int = 50) -> QueuePage:
    require(actor, STAFF, "see the queue")
    query = select(Contact).where(Contact.state != ContactState.DECIDED.value)
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
    # Breached contacts have the earliest due times, so due order is "breached first, then
    # by time left"; the id keeps pages stable when two are due at the same moment.
    query = query.options(
        selectinload(Contact.children).selectinload(ContactChild.child),
        selectinload(Contact.requests).selectinload(InformationRequest.agency),
    ).order_by(Contact.decision_due_at, Contact.id)
    result = paginate(query, page, per_page)
    warn = clock_settings().decision_warn
    items = [QueueItem(contact=c, clock_state=_state_at(c.decision_due_at, now, warn),
                       time_left=describe_time_left(c.decision_due_at, now),
                       awaiting=sorted({r.agency.name for r in c.requests if r.state == "open"}))
             for c in result.items]
    audit.record_shown(actor, now, "list", "contact",
                       [(c.id, link.child_id) for c in result.items for link in c.children],
                       detail=f"queue: {len(items)} contacts shown")
    audit.commit_read()
    return QueuePage(items=items, total=result.total, page=result.page, per_page=result.per_page)
