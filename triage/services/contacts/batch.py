"""Batch intake: a partner system's overnight notifications in one request.

Each contact carries its own idempotency key and gets its own answer (created, replayed, or the
fields to correct), so one bad notification never blocks the rest. The work is set-based: one
look-up of the keys already used, then one multi-row INSERT per table (children, contacts, links,
clocks, audit) however many contacts the batch holds, all in one transaction. Children are matched
to the records already kept as for a single partner contact (services.child_matching). A retry of the
whole batch finds every key already used and writes nothing new.

A police force's file of notifications uploaded by Front Door staff (the upload page) comes
through here too, as a batch: its keys belong to the Front Door rather than to the person who
uploads it, so the same file uploaded by a second practitioner is still one set of contacts.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from triage.domain import clocks as clock_rules
from triage.domain.contact_commands import IntakeCommand, intake_problems
from triage.domain.contact_states import STAFF, ContactState
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Clock, Contact, ContactChild, Team
from triage.services import audit, child_matching
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.contacts.intake import (
    IDEMPOTENCY_KEY_HEADER,
    Receipt,
    check_children,
    clean_idempotency_key,
    contact_clock_rows,
    contact_values,
    idempotency_scope,
)
from triage.services.errors import Conflict, Invalid
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings

BATCH_MAX = 500
FEEDS = (Role.PARTNER,)
UPLOADERS = STAFF  # the people who may log contacts may upload a force's file of them
CREATED, REPLAYED, REFUSED = "created", "replayed", "refused"


@dataclass(frozen=True)
class BatchItem:
    """One contact of a batch as the edge loaded it: its key and command, or why it could not."""

    idempotency_key: str | None
    command: IntakeCommand | None
    errors: Mapping[str, list[str]] | None = None


@dataclass
class BatchAnswer:
    index: int
    idempotency_key: str | None
    status: str
    receipt: Receipt | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def contact(self) -> Receipt | None:
        return self.receipt


@dataclass(frozen=True)
class BatchResult:
    results: list[BatchAnswer]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def replayed(self) -> int:
        return self.count(REPLAYED)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)


@dataclass
class _New:
    """A contact of the batch to be written."""

    answer: BatchAnswer
    command: IntakeCommand
    scope: str
    details: list[dict]  # its children's cleaned fields, in the order named
    children: list[child_matching.Placed] = field(default_factory=list)
    locality_id: int | None = None


def uploaded_scope(actor: Actor, key: str) -> str:
    return f"upload:{key}"


def receive_batch(actor: Actor, now: datetime, items: list[BatchItem], uploaded: bool = False) -> BatchResult:
    """Record a batch of contacts from a partner system's feed (or, `uploaded`, from a file Front
    Door staff upload); one answer per item, in order."""
    if uploaded:
        require(actor, UPLOADERS, "upload a file of contacts")
    else:
        require(actor, FEEDS, "send contacts in a batch: batches are for partner systems' feeds")
    if len(items) > BATCH_MAX:
        raise Invalid("The batch is too large", {"contacts": [f"Send at most {BATCH_MAX} contacts at once"]})
    scope = uploaded_scope if uploaded else idempotency_scope
    try:
        with unit_of_work("contact"):
            return _receive(actor, now, items, scope)
    except IntegrityError:
        # A copy of this batch (or a contact of it) was written at the same moment: what it
        # wrote is now committed, so a second pass answers those items as replays.
        try:
            with unit_of_work("contact"):
                return _receive(actor, now, items, scope)
        except IntegrityError:
            raise Conflict("Another request recorded some of these contacts at the same moment; "
                           "send the batch again") from None


def _refuse(answer: BatchAnswer, errors: Mapping[str, list[str]], prefix: str = "") -> None:
    answer.status = REFUSED
    answer.errors = {f"{prefix}{k}": list(v) for k, v in errors.items()}


def _receive(actor: Actor, now: datetime, items: list[BatchItem], scope=idempotency_scope) -> BatchResult:
    answers = [BatchAnswer(i, item.idempotency_key, REFUSED) for i, item in enumerate(items)]
    keyed: list[tuple[BatchAnswer, IntakeCommand, str]] = []
    for answer, item in zip(answers, items, strict=True):
        if item.errors:
            _refuse(answer, item.errors)
            continue
        try:
            key = clean_idempotency_key(item.idempotency_key)
        except Invalid as exc:
            _refuse(answer, {"idempotency_key": exc.errors[IDEMPOTENCY_KEY_HEADER]})
            continue
        if key is None:
            _refuse(answer, {"idempotency_key": ["Give each contact in a batch its own key"]})
            continue
        answer.idempotency_key = key
        keyed.append((answer, item.command, scope(actor, key)))
    fresh, repeats = _answer_retries(actor, keyed)
    to_write = _checked(actor, now, fresh)
    if to_write:
        _write(actor, now, to_write)
    for repeat, first in repeats:  # the same contact twice in one batch: the second answers as the first
        if first.status == CREATED:
            repeat.status, repeat.receipt = REPLAYED, first.receipt
        else:
            _refuse(repeat, first.errors)
    return BatchResult(answers)


_ORIGINAL = (Contact.id, Contact.state, Contact.received_at, Contact.decision_due_at, Contact.version,
             Contact.idempotency_fingerprint, Contact.idempotency_key, Contact.partner_reference)


def _answer_retries(actor: Actor, keyed: list[tuple[BatchAnswer, IntakeCommand, str]]
                    ) -> tuple[list[tuple[BatchAnswer, IntakeCommand, str]], list[tuple[BatchAnswer, BatchAnswer]]]:
    """Answer the items already recorded (by key or partner reference, one look-up each); return
    the new ones, and the repeats within the batch paired with the item they repeat."""
    if not keyed:
        return [], []
    by_key = {row.idempotency_key: row for row in db.session.execute(
        select(*_ORIGINAL).where(Contact.idempotency_key.in_([scope for _, _, scope in keyed])))}
    references = [c.partner_reference for _, c, _ in keyed if c.partner_reference]
    by_reference = {row.partner_reference: row for row in db.session.execute(
        select(*_ORIGINAL).where(Contact.partner_agency_id == actor.agency_id,
                                 Contact.partner_reference.in_(references)))} if references else {}
    fresh, repeats, first_seen = [], [], {}
    for answer, command, scope in keyed:
        found, field_name = by_key.get(scope), IDEMPOTENCY_KEY_HEADER
        if found is None and command.partner_reference:
            found, field_name = by_reference.get(command.partner_reference), "partner_reference"
        if found is not None:
            if found.idempotency_fingerprint not in (None, command.fingerprint):
                _refuse_reuse(answer, field_name)
            else:
                answer.status = REPLAYED
                answer.receipt = Receipt(id=found.id, state=found.state, received_at=found.received_at,
                                         decision_due_at=found.decision_due_at, child_ids=[], version=found.version)
            continue
        earlier = first_seen.get(("key", scope)) or (
            first_seen.get(("ref", command.partner_reference)) if command.partner_reference else None)
        if earlier is not None:  # the same contact twice in one batch: the second repeats the first
            if earlier[1].fingerprint != command.fingerprint:
                _refuse_reuse(answer, IDEMPOTENCY_KEY_HEADER if ("key", scope) in first_seen else "partner_reference")
            else:
                repeats.append((answer, earlier[0]))
            continue
        first_seen[("key", scope)] = (answer, command)
        if command.partner_reference:
            first_seen[("ref", command.partner_reference)] = (answer, command)
        fresh.append((answer, command, scope))
    return fresh, repeats


def _refuse_reuse(answer: BatchAnswer, field_name: str) -> None:
    name = "idempotency_key" if field_name == IDEMPOTENCY_KEY_HEADER else f"contact.{field_name}"
    _refuse(answer, {name: ["Used before for a different contact; use a new one for a new contact"]})


def _checked(actor: Actor, now: datetime, fresh: list[tuple[BatchAnswer, IntakeCommand, str]]) -> list[_New]:
    """The new contacts that meet the intake rules; the others refused, naming their fields."""
    teams = {c.team_id for _, c, _ in fresh if c.team_id is not None}
    known_teams = set(db.session.scalars(select(Team.id).where(Team.id.in_(teams)))) if teams else set()
    result = []
    for answer, command, scope in fresh:
        errors = intake_problems(command, now)
        if command.team_id is not None and command.team_id not in known_teams:
            errors["team_id"] = ["Unknown team"]
        if not errors:
            try:
                named = check_children(actor, now, command.children)
            except Invalid as exc:
                errors = exc.errors
        if errors:
            _refuse(answer, errors, "contact.")
            continue
        command = command if command.received_at else replace(command, received_at=now)
        result.append(_New(answer, command, scope, [n.details for n in named]))
    return result


def _write(actor: Actor, now: datetime, batch: list[_New]) -> None:
    audit_rows = _write_children(actor, now, batch)
    settings, calendar = clock_settings(), working_day_calendar()
    dues, rows = [], []
    for new in batch:
        due = clock_rules.decision_due(new.command.received_at, settings.decision_policy, calendar,
                                       hours=settings.decision_hours)
        dues.append(due)
        reference = new.command.partner_reference if actor.agency_id else None
        rows.append(contact_values(actor, now, new.command, None, reference, due, new.locality_id)
                    | {"idempotency_key": new.scope})
    table = Contact.__table__
    # Each contact's own key says which id it was given: no reliance on the order of RETURNING.
    by_scope = dict(db.session.connection().execute(
        insert(table).returning(table.c.idempotency_key, table.c.id), rows).all())
    ids = [by_scope[new.scope] for new in batch]
    links, clock_rows = [], []
    for new, contact_id, due in zip(batch, ids, dues, strict=True):
        links += [{"contact_id": contact_id, "child_id": p.child_id, "matched_by": p.matched_by,
                   "match_details": p.match_details} for p in new.children]
        clock_rows += contact_clock_rows(contact_id, new.command.received_at, due, new.command.team_id,
                                         settings, calendar)
        audit_rows += [audit.row(actor, now, "create", "contact", contact_id, child_id=p.child_id)
                       for p in new.children]
        new.answer.status = CREATED
        new.answer.receipt = Receipt(id=contact_id, state=ContactState.RECEIVED, received_at=new.command.received_at,
                                     decision_due_at=due, child_ids=[], version=1)
    connection = db.session.connection()
    connection.execute(insert(ContactChild.__table__).returning(ContactChild.__table__.c.id), links)
    connection.execute(insert(Clock.__table__).returning(Clock.__table__.c.id), clock_rows)
    audit.insert_rows(audit_rows)


def _write_children(actor: Actor, now: datetime, batch: list[_New]) -> list[dict]:
    """Every child of the batch matched to its record or newly recorded, set-based (one look-up,
    at most two INSERTs), as for a single partner contact."""
    audit_rows: list[dict] = []
    child_matching.take_turns([d for new in batch for d in new.details])
    placed = child_matching.place_children(actor, now, [new.details for new in batch], audit_rows)
    for new, children in zip(batch, placed, strict=True):
        new.children = children
        new.locality_id = children[0].locality_id
    return audit_rows
