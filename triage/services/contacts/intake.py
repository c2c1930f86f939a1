"""Intake: a contact recorded with its children, clocks and audit in one transaction, and a
retried request from a partner system answered with the first result instead of a duplicate."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.contact_commands import ChildEntry, IntakeCommand, intake_problems
from triage.domain.contact_states import INTAKE, ContactState
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Clock, Contact, ContactChild, Team
from triage.services import audit, child_matching, clocks
from triage.services import children as children_service
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.errors import Conflict, Invalid
from triage.services.guards import require
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 100  # characters, after trimming; documented in the API and the README


@dataclass(frozen=True)
class Receipt:
    """What intake answers, built from the values it wrote (no reload after the commit)."""

    id: int
    state: str
    received_at: datetime
    decision_due_at: datetime
    child_ids: list[int]
    version: int


def clean_idempotency_key(raw: str | None) -> str | None:
    """The key as sent, trimmed; a header that is present must hold a usable key."""
    if raw is None:
        return None
    key = raw.strip()
    if not key:
        raise Invalid(f"The {IDEMPOTENCY_KEY_HEADER} header is empty",
                      {IDEMPOTENCY_KEY_HEADER: ["Send a key that is not blank, or leave the header out"]})
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise Invalid(f"The {IDEMPOTENCY_KEY_HEADER} header is too long",
                      {IDEMPOTENCY_KEY_HEADER: [f"Use at most {IDEMPOTENCY_KEY_MAX} characters"]})
    return key


def idempotency_scope(actor: Actor, key: str) -> str:
    # A partner agency's keys are the agency's, whichever of its tokens (or people) sends them:
    # a feed that rotates its token in the middle of a retry is still retrying.
    if actor.agency_id:
        who = f"a{actor.agency_id}"
    else:
        who = f"t{actor.token_id}" if actor.token_id else f"u{actor.user_id}"
    return f"{who}:{key}"


def as_command(data: IntakeCommand | Mapping) -> IntakeCommand:
    return data if isinstance(data, IntakeCommand) else IntakeCommand.from_mapping(data)


def check_intake(command: IntakeCommand, now: datetime) -> IntakeCommand:
    """The command with its receipt time settled, or Invalid naming every field at fault."""
    errors = intake_problems(command, now)
    if command.team_id is not None and db.session.get(Team, command.team_id) is None:
        errors["team_id"] = ["Unknown team"]
    if errors:
        raise Invalid("The contact needs correcting", errors)
    return command if command.received_at else replace(command, received_at=now)


@dataclass
class _Named:
    """One entry of the contact's children, checked before anything is written."""

    index: int
    child_id: int | None = None  # an existing record (staff only)
    locality_id: int | None = None
    details: dict | None = None  # a new child's cleaned fields
    confirmed_new: bool = False
    matched_by: str | None = None  # a partner's child matched to a record (services.child_matching)
    match_details: str | None = None


def check_children(actor: Actor, now: datetime, entries: tuple[ChildEntry, ...]) -> list[_Named]:
    """Staff may name existing records by id; partner systems name children only by what they
    know (names, date of birth, NHS number, address), so nothing they are told can say whether
    a child is known to children's social care."""
    named: list[_Named] = []
    partner = actor.role is Role.PARTNER
    for index, entry in enumerate(entries):
        if entry.child_id is not None:
            if partner:
                raise Invalid("The contact needs correcting", {f"children.{index}.child_id": [
                    "Partner systems name a child by their details (names, date of birth, NHS number, "
                    "address), not by a record id"]})
            named.append(_Named(index, child_id=entry.child_id))
            continue
        try:
            details = children_service.new_child_for_contact(actor, now, dict(entry.child or {}))
        except Invalid as exc:
            raise Invalid(exc.message, {f"children.{index}.{k}": v for k, v in exc.errors.items()}) from None
        named.append(_Named(index, details=details, locality_id=details.get("locality_id"),
                            confirmed_new=entry.confirmed_new))
    _check_named_once(named, partner)
    existing = children_service.existing_children([n.child_id for n in named if n.child_id is not None])
    for n in named:
        if n.child_id is not None:
            if n.child_id not in existing:
                raise Invalid("The contact needs correcting",
                              {f"children.{n.index}.child_id": ["No child record with this id"]})
            n.locality_id = existing[n.child_id]
    return named


def _check_named_once(named: list[_Named], partner: bool) -> None:
    """The same record, or the same NHS number, twice: refused before anything is looked up. From
    a partner, so is the same name and date of birth twice unless both carry NHS numbers (they
    would be matched to the same record, and a refusal then would say the child is known)."""
    seen: set[tuple[str, object]] = set()
    with_nhs: dict[tuple, bool] = {}
    for n in named:
        same = ("id", n.child_id) if n.child_id is not None else ("nhs", n.details.get("nhs_number"))
        twice = same[1] is not None and same in seen
        seen.add(same)
        key = child_matching.match_key(n.details) if partner and n.details else None
        if key is not None:
            numbered = bool(n.details.get("nhs_number"))
            twice = twice or (key in with_nhs and not (numbered and with_nhs[key]))
            with_nhs[key] = with_nhs.get(key, True) and numbered
        if twice:
            raise Invalid("The contact needs correcting", {f"children.{n.index}": ["This child is named twice"]})


def record_contact(actor: Actor, now: datetime, data: IntakeCommand | Mapping,
                   idempotency_key: str | None = None) -> tuple[Contact, bool]:
    """Record a contact and start its clocks. Returns (contact, created); a retry returns the
    original with created=False and writes nothing. For callers that go on to use the contact."""
    receipt, created = receive_contact(actor, now, data, idempotency_key)
    return db.session.get(Contact, receipt.id), created


def receive_contact(actor: Actor, now: datetime, data: IntakeCommand | Mapping,
                    idempotency_key: str | None = None) -> tuple[Receipt, bool]:
    """Record a contact and start its clocks: (receipt, created). A retry (the same key, or the
    same partner reference, with the same body) returns the original with created=False and
    writes nothing; the same key or reference with a different body is a 409 naming it.

    A handful of Core statements in one transaction, no search for a retry first (the unique
    keys catch it); the answer comes from the values written, not a reload."""
    require(actor, INTAKE, "record contacts")
    key = clean_idempotency_key(idempotency_key)
    command = as_command(data)
    reference = command.partner_reference if actor.agency_id else None
    try:
        with unit_of_work("contact"):
            command = check_intake(command, now)
            named = check_children(actor, now, command.children)
            return _insert_contact(actor, now, command, named, key, reference), True
    except IntegrityError:
        # The contact's unique key (or partner reference) is taken: a retry, perhaps of a copy
        # still in flight (PostgreSQL waits for it to finish before saying so). Or two contacts
        # created the same new child at the same moment. The unit of work has rolled back.
        original = _find_original(actor, key, reference)
        if original is None:
            raise Conflict("Someone recorded the same child at the same moment; send the contact again") from None
        return _replay(actor, original, command.fingerprint, key), False


def contact_values(actor: Actor, now: datetime, command: IntakeCommand, key: str | None, reference: str | None,
                   decision_due: datetime, locality_id: int | None) -> dict:
    """The contact's row as intake writes it."""
    return dict(
        received_at=command.received_at, recorded_at=now, recorded_by_id=actor.user_id,
        recorded_by_token_id=actor.token_id, channel=command.channel,
        source_code=command.source_code, concern=command.concern,
        referrer_name=command.referrer_name, referrer_role=command.referrer_role,
        referrer_agency=command.referrer_agency, referrer_contact_details=command.referrer_contact_details,
        consent=command.consent, consent_by=command.consent_by,
        consent_at=command.consent_at or (now if command.consent else None),
        consent_not_sought_reason=command.consent_not_sought_reason,
        police_incident_reference=command.police_incident_reference,
        dash_risk=command.dash_risk,
        operation_encompass_informed=command.operation_encompass_informed,
        idempotency_key=idempotency_scope(actor, key) if key else None,
        idempotency_fingerprint=command.fingerprint,
        partner_reference=reference, partner_agency_id=actor.agency_id if reference else None,
        put_forward_to_meeting=command.put_forward_to_meeting,
        state=ContactState.RECEIVED, locality_id=locality_id,
        team_id=command.team_id, decision_due_at=decision_due, version=1,
    )


def _insert_contact(actor: Actor, now: datetime, command: IntakeCommand, named: list[_Named], key: str | None,
                    reference: str | None) -> Receipt:
    """The contact first, so that its unique keys stop a retry (IntegrityError) before anything
    else is written; then its new children, links, clocks and audit, one statement each. A
    partner's contact takes its children's turns before any of that (see take_turns)."""
    settings = clock_settings()
    calendar = working_day_calendar()
    received = command.received_at
    decision_due = clock_rules.decision_due(received, settings.decision_policy, calendar,
                                            hours=settings.decision_hours)
    values = contact_values(actor, now, command, key, reference, decision_due, named[0].locality_id)
    if actor.role is Role.PARTNER:
        child_matching.take_turns([n.details for n in named])
    # Core on the table: the ORM's bulk path costs more than the INSERT. (Not ON CONFLICT DO
    # NOTHING: SQLAlchemy compiles that afresh every time, about 1 ms.)
    table = Contact.__table__
    contact_id = db.session.connection().execute(insert(table).returning(table.c.id), values).scalar_one()
    audit_rows: list[dict] = []
    if actor.role is Role.PARTNER:
        for n, placed in zip(named, child_matching.place_children(actor, now, [[n.details for n in named]],
                                                                  audit_rows)[0], strict=True):
            n.child_id, n.locality_id = placed.child_id, placed.locality_id
            n.matched_by, n.match_details = placed.matched_by, placed.match_details
    for n in named:
        if n.child_id is None:
            n.child_id, n.locality_id = children_service.insert_child_for_contact(
                actor, now, n.details, n.confirmed_new, audit_rows)
    child_ids, seen = [n.child_id for n in named], set()
    for n in named:  # a new child that turned out to be one already named
        if n.child_id in seen:
            raise Invalid("The contact needs correcting", {f"children.{n.index}": ["This child is named twice"]})
        seen.add(n.child_id)
    if named[0].locality_id != values["locality_id"]:  # the first child was already recorded
        db.session.execute(update(table).where(table.c.id == contact_id).values(locality_id=named[0].locality_id))
    _write_links_clocks_audit(
        contact_id, [(n.child_id, n.matched_by, n.match_details) for n in named],
        contact_clock_rows(contact_id, received, decision_due, values["team_id"], settings, calendar),
        audit_rows + [audit.row(actor, now, "create", "contact", contact_id, child_id=cid) for cid in child_ids])
    return Receipt(id=contact_id, state=values["state"], received_at=received, decision_due_at=decision_due,
                   child_ids=child_ids_for(actor, child_ids), version=1)


# On PostgreSQL the links, the clocks and the audit rows go in as one statement (one round trip
# instead of three: under load each round trip means waiting for a CPU again, bench/README.md).
_LINKS_CLOCKS_AUDIT = text("""
    WITH links AS (
        INSERT INTO contact_child (contact_id, child_id, matched_by, match_details)
        SELECT :contact_id, k.child_id, k.matched_by, k.match_details
        FROM unnest(CAST(:link_child_ids AS INTEGER[]), CAST(:link_matched_by AS TEXT[]),
                    CAST(:link_match_details AS TEXT[])) WITH ORDINALITY AS k (child_id, matched_by, match_details, n)
        ORDER BY k.n
        RETURNING id
    ), clocks AS (
        INSERT INTO clock (kind, subject, subject_id, contact_id, started_at, due_at, warn_at, state, team_id)
        SELECT c.kind, 'contact', :contact_id, :contact_id, :started_at, c.due_at, c.warn_at, 'running', :team_id
        FROM unnest(CAST(:clock_kinds AS TEXT[]), CAST(:clock_dues AS TIMESTAMPTZ[]),
                    CAST(:clock_warns AS TIMESTAMPTZ[])) WITH ORDINALITY AS c (kind, due_at, warn_at, n) ORDER BY c.n
        RETURNING id
    )
    INSERT INTO audit_event (at, user_id, token_id, actor, role, agency_id, action, entity, entity_id,
                             child_id, channel, remote_addr, detail)
    SELECT :at, :user_id, :token_id, :actor, :role, :agency_id, a.action, a.entity, a.entity_id, a.child_id,
           :channel, :remote_addr, NULL
    FROM unnest(CAST(:actions AS TEXT[]), CAST(:entities AS TEXT[]), CAST(:entity_ids AS INTEGER[]),
                CAST(:audit_child_ids AS INTEGER[])) WITH ORDINALITY AS a (action, entity, entity_id, child_id, n)
    ORDER BY a.n""")


def _write_links_clocks_audit(contact_id: int, links: list[tuple[int, str | None, str | None]],
                              clock_rows: list[dict], audit_rows: list[dict]) -> None:
    """links: each child's record id, how it was matched and the details kept to confirm it."""
    connection = db.session.connection()
    first = audit_rows[0]
    same = ("at", "user_id", "token_id", "actor", "role", "agency_id", "channel", "remote_addr")
    if (connection.dialect.name == "postgresql" and all(r["detail"] is None for r in audit_rows)
            and all(r[k] == first[k] for r in audit_rows for k in same)
            and all(r["team_id"] == clock_rows[0]["team_id"] and r["started_at"] == clock_rows[0]["started_at"]
                    and r["due_date"] is None for r in clock_rows)):
        connection.execute(_LINKS_CLOCKS_AUDIT, {
            "contact_id": contact_id, "link_child_ids": [link[0] for link in links],
            "link_matched_by": [link[1] for link in links], "link_match_details": [link[2] for link in links],
            "started_at": clock_rows[0]["started_at"], "team_id": clock_rows[0]["team_id"],
            "clock_kinds": [r["kind"] for r in clock_rows], "clock_dues": [r["due_at"] for r in clock_rows],
            "clock_warns": [r["warn_at"] for r in clock_rows],
            **{k: first[k] for k in same},
            "actions": [r["action"] for r in audit_rows], "entities": [r["entity"] for r in audit_rows],
            "entity_ids": [r["entity_id"] for r in audit_rows], "audit_child_ids": [r["child_id"] for r in audit_rows]})
        return
    # Elsewhere one INSERT each; RETURNING makes several rows one multi-row INSERT rather than a
    # driver-level executemany.
    link_table, clock_table = ContactChild.__table__, Clock.__table__
    connection.execute(insert(link_table).returning(link_table.c.id),
                       [{"contact_id": contact_id, "child_id": cid, "matched_by": how, "match_details": sent}
                        for cid, how, sent in links])
    connection.execute(insert(clock_table).returning(clock_table.c.id), clock_rows)
    audit.insert_rows(audit_rows)


def child_ids_for(actor: Actor, child_ids: list[int]) -> list[int]:
    # A partner is never told record ids: one for a child already known would say so.
    return [] if actor.role is Role.PARTNER else child_ids


def _find_original(actor: Actor, key: str | None, reference: str | None) -> tuple[Row, str] | None:
    """The contact a retry repeats, and which of its keys matched."""
    columns = (Contact.id, Contact.state, Contact.received_at, Contact.decision_due_at, Contact.version,
               Contact.idempotency_fingerprint)
    if key:
        found = db.session.execute(select(*columns).where(
            Contact.idempotency_key == idempotency_scope(actor, key))).first()
        if found:
            return found, IDEMPOTENCY_KEY_HEADER
    if reference:
        found = db.session.execute(select(*columns).where(
            Contact.partner_agency_id == actor.agency_id, Contact.partner_reference == reference)).first()
        if found:
            return found, "partner_reference"
    return None


def _replay(actor: Actor, original, fingerprint: str, key: str | None) -> Receipt:
    row, by = original
    if row.idempotency_fingerprint not in (None, fingerprint):
        if by == IDEMPOTENCY_KEY_HEADER:
            raise Conflict("This Idempotency-Key was used for a different contact; use a new key "
                           "for a new contact", {IDEMPOTENCY_KEY_HEADER: ["Reused with a different body"]})
        raise Conflict("This partner_reference was used for a different contact; use a new reference "
                       "for a new contact", {"partner_reference": ["Reused with a different body"]})
    child_ids = list(db.session.scalars(select(ContactChild.child_id).where(ContactChild.contact_id == row.id)
                                        .order_by(ContactChild.id)))
    return Receipt(id=row.id, state=row.state, received_at=row.received_at, decision_due_at=row.decision_due_at,
                   child_ids=child_ids_for(actor, child_ids), version=row.version)


def contact_clock_rows(contact_id: int, received: datetime, decision_due: datetime, team_id: int | None,
                        settings, calendar) -> list[dict]:
    ack_due = clock_rules.acknowledgement_due(received, calendar)
    return [
        clocks.clock_row(ClockKind.DECISION, "contact", contact_id, received, decision_due,
                         decision_due - settings.decision_warn, contact_id=contact_id, team_id=team_id),
        clocks.clock_row(ClockKind.ACKNOWLEDGEMENT, "contact", contact_id, received, ack_due,
                         ack_due - timedelta(hours=settings.decision_warn.total_seconds() // 3600),
                         contact_id=contact_id, team_id=team_id),
    ]


