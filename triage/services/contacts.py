"""From a concern about a child to a manager's decision: intake, screening, recommendation, decision."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.codes import (
    Consent,
    ContactChannel,
    DashRisk,
    DecisionOutcome,
    Rag,
    ReferralSource,
    outcome_creates_referral,
)
from triage.domain.consent import consent_problem
from triage.domain.contact_states import ContactState, InvalidTransition, check_move
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Child, Clock, Contact, ContactChild, RagChange, Referral, Team
from triage.services import audit, clocks
from triage.services import children as children_service
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.token_holders import acting_person_id
from triage.settings import clock_settings

STAFF = (Role.ERA, Role.PRACTITIONER, Role.MANAGER)
SCREENERS = (Role.PRACTITIONER, Role.MANAGER)
INTAKE = STAFF + (Role.PARTNER,)  # police notification feeds post contacts through the API
RE_REFERRAL_WINDOW_DAYS = 365
LATE_ENTRY_LIMIT = timedelta(days=365)  # late entry, not history: the tracker import is for that
TEXT_FIELDS = ("referrer_name", "referrer_role", "referrer_agency", "referrer_contact_details",
               "concern", "consent_by", "police_incident_reference", "partner_reference")


def require(actor: Actor, roles, doing: str) -> None:
    if not actor.has_role(*roles):
        raise Forbidden(f"Your role cannot {doing}")


def move(contact: Contact, target: ContactState) -> None:
    try:
        contact.state = check_move(contact.state, target).value
    except InvalidTransition as exc:
        raise Conflict(str(exc)) from None


def check_version(contact: Contact, version: int | None) -> None:
    if version is not None and contact.version != version:
        raise Conflict(f"Someone else changed this contact (now version {contact.version}, you "
                       f"had version {version}); reload it and try again")


def commit() -> None:
    """Commit, turning a concurrent edit caught by the version column into a visible 409."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("Someone else changed this contact at the same moment; reload it") from None


# ---------------------------------------------------------------- intake

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


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


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


def _idempotency_scope(actor: Actor, key: str) -> str:
    # A partner agency's keys are the agency's, whichever of its tokens (or people) sends them:
    # a feed that rotates its token in the middle of a retry is still retrying.
    if actor.agency_id:
        who = f"a{actor.agency_id}"
    else:
        who = f"t{actor.token_id}" if actor.token_id else f"u{actor.user_id}"
    return f"{who}:{key}"


def _validate_intake(data: dict, now: datetime) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    for key in TEXT_FIELDS:
        if clean.get(key) == "":
            clean[key] = None
    received = clean.get("received_at") or now
    if received > now:
        errors["received_at"] = ["The time received cannot be in the future"]
    elif received < now - LATE_ENTRY_LIMIT:
        errors["received_at"] = ["A contact can be back-dated by a year at most"]
    if clean.get("team_id") is not None and db.session.get(Team, clean["team_id"]) is None:
        errors["team_id"] = ["Unknown team"]
    clean["received_at"] = received
    for field, enum in (("channel", ContactChannel), ("source_code", ReferralSource)):
        if clean.get(field) not in enum._value2member_map_:
            errors[field] = [f"Choose one of: {', '.join(e.value for e in enum)}"]
    if clean.get("dash_risk") and clean["dash_risk"] not in DashRisk._value2member_map_:
        errors["dash_risk"] = [f"Risk grade must be one of: {', '.join(d.value for d in DashRisk)}"]
    if not clean.get("concern"):
        errors["concern"] = ["Describe what the concern is"]
    if clean.get("channel") == ContactChannel.POLICE_NOTIFICATION and not clean.get("police_incident_reference"):
        errors["police_incident_reference"] = ["A police notification needs its incident reference"]
    if not clean.get("children"):
        errors["children"] = ["Name at least one child"]
    if clean.get("consent_at") and clean["consent_at"] > now:
        errors["consent_at"] = ["The time consent was recorded cannot be in the future"]
    errors.update(consent_problem(clean.get("consent"), clean.get("consent_not_sought_reason"),
                                  clean.get("consent_by")))
    if errors:
        raise Invalid("The contact needs correcting", errors)
    return clean


@dataclass
class _Named:
    """One entry of the contact's children, checked before anything is written."""

    index: int
    child_id: int | None = None  # an existing record (staff only)
    locality_id: int | None = None
    details: dict | None = None  # a new child's cleaned fields
    confirmed_new: bool = False


def _check_children(actor: Actor, now: datetime, entries: list[dict]) -> list[_Named]:
    """Staff may name existing records by id; partner systems name children only by what they
    know (names, date of birth, NHS number, address), so nothing they are told can say whether
    a child is known to children's social care."""
    named: list[_Named] = []
    partner = actor.role is Role.PARTNER
    for index, entry in enumerate(entries):
        if entry.get("child_id") is not None:
            if partner:
                raise Invalid("The contact needs correcting", {f"children.{index}.child_id": [
                    "Partner systems name a child by their details (names, date of birth, NHS number, "
                    "address), not by a record id"]})
            named.append(_Named(index, child_id=entry["child_id"]))
            continue
        try:
            details = children_service.new_child_for_contact(actor, now, dict(entry.get("child") or {}))
        except Invalid as exc:
            raise Invalid(exc.message, {f"children.{index}.{k}": v for k, v in exc.errors.items()}) from None
        named.append(_Named(index, details=details, locality_id=details.get("locality_id"),
                            confirmed_new=bool(entry.get("confirmed_new"))))
    seen: set[tuple[str, object]] = set()
    for n in named:  # the same record, or the same NHS number, twice: before anything is looked up
        same = ("id", n.child_id) if n.child_id is not None else ("nhs", n.details.get("nhs_number"))
        if same[1] is not None and same in seen:
            raise Invalid("The contact needs correcting", {f"children.{n.index}": ["This child is named twice"]})
        seen.add(same)
    existing = children_service.existing_children([n.child_id for n in named if n.child_id is not None])
    for n in named:
        if n.child_id is not None:
            if n.child_id not in existing:
                raise Invalid("The contact needs correcting",
                              {f"children.{n.index}.child_id": ["No child record with this id"]})
            n.locality_id = existing[n.child_id]
    return named


def record_contact(actor: Actor, now: datetime, data: dict,
                   idempotency_key: str | None = None) -> tuple[Contact, bool]:
    """Record a contact and start its clocks. Returns (contact, created); a retry returns the
    original with created=False and writes nothing. For callers that go on to use the contact."""
    receipt, created = receive_contact(actor, now, data, idempotency_key)
    return db.session.get(Contact, receipt.id), created


def receive_contact(actor: Actor, now: datetime, data: dict,
                    idempotency_key: str | None = None) -> tuple[Receipt, bool]:
    """Record a contact and start its clocks: (receipt, created). A retry (the same key, or the
    same partner reference, with the same body) returns the original with created=False and
    writes nothing; the same key or reference with a different body is a 409 naming it.

    A handful of Core statements in one transaction, no search for a retry first (the unique
    keys catch it); the answer comes from the values written, not a reload."""
    require(actor, INTAKE, "record contacts")
    key = clean_idempotency_key(idempotency_key)
    fingerprint = _fingerprint(data)
    clean = _validate_intake(data, now)
    reference = clean.get("partner_reference") if actor.agency_id else None
    try:
        named = _check_children(actor, now, clean.pop("children"))
        receipt = _insert_contact(actor, now, clean, named, key, reference, fingerprint)
        db.session.commit()
        return receipt, True
    except IntegrityError:
        # The contact's unique key (or partner reference) is taken: a retry, perhaps of a copy
        # still in flight (PostgreSQL waits for it to finish before saying so). Or two contacts
        # created the same new child at the same moment.
        db.session.rollback()
        original = _find_original(actor, key, reference)
        if original is None:
            raise Conflict("Someone recorded the same child at the same moment; send the contact again") from None
        return _replay(actor, original, fingerprint, key), False
    except Exception:
        db.session.rollback()
        raise


def _insert_contact(actor: Actor, now: datetime, clean: dict, named: list[_Named], key: str | None,
                    reference: str | None, fingerprint: str) -> Receipt:
    """The contact first, so that its unique keys stop a retry (IntegrityError) before anything
    else is written; then its new children, links, clocks and audit, one statement each."""
    settings = clock_settings()
    calendar = working_day_calendar()
    received = clean["received_at"]
    decision_due = clock_rules.decision_due(received, settings.decision_policy, calendar,
                                            hours=settings.decision_hours)
    values = dict(
        received_at=received, recorded_at=now, recorded_by_id=actor.user_id,
        recorded_by_token_id=actor.token_id, channel=clean["channel"],
        source_code=clean["source_code"], concern=clean["concern"],
        referrer_name=clean.get("referrer_name"), referrer_role=clean.get("referrer_role"),
        referrer_agency=clean.get("referrer_agency"),
        referrer_contact_details=clean.get("referrer_contact_details"),
        consent=clean.get("consent"), consent_by=clean.get("consent_by"),
        consent_at=clean.get("consent_at") or (now if clean.get("consent") else None),
        consent_not_sought_reason=clean.get("consent_not_sought_reason"),
        police_incident_reference=clean.get("police_incident_reference"),
        dash_risk=clean.get("dash_risk"),
        operation_encompass_informed=clean.get("operation_encompass_informed"),
        idempotency_key=_idempotency_scope(actor, key) if key else None,
        idempotency_fingerprint=fingerprint,
        partner_reference=reference, partner_agency_id=actor.agency_id if reference else None,
        put_forward_to_meeting=bool(clean.get("put_forward_to_meeting")),
        state=ContactState.RECEIVED.value, locality_id=named[0].locality_id,
        team_id=clean.get("team_id"), decision_due_at=decision_due, version=1,
    )
    # Core on the table: the ORM's bulk path costs more than the INSERT. (Not ON CONFLICT DO
    # NOTHING: SQLAlchemy compiles that afresh every time, about 1 ms.)
    table = Contact.__table__
    contact_id = db.session.connection().execute(insert(table).returning(table.c.id), values).scalar_one()
    audit_rows: list[dict] = []
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
        contact_id, child_ids,
        _contact_clock_rows(contact_id, received, decision_due, values["team_id"], settings, calendar),
        audit_rows + [audit.row(actor, now, "create", "contact", contact_id, child_id=cid) for cid in child_ids])
    return Receipt(id=contact_id, state=values["state"], received_at=received, decision_due_at=decision_due,
                   child_ids=_child_ids_for(actor, child_ids), version=1)


# On PostgreSQL the links, the clocks and the audit rows go in as one statement (one round trip
# instead of three: under load each round trip means waiting for a CPU again, bench/README.md).
_LINKS_CLOCKS_AUDIT = text("""
    WITH links AS (
        INSERT INTO contact_child (contact_id, child_id)
        SELECT :contact_id, k.child_id
        FROM unnest(CAST(:link_child_ids AS INTEGER[])) WITH ORDINALITY AS k (child_id, n) ORDER BY k.n
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


def _write_links_clocks_audit(contact_id: int, child_ids: list[int], clock_rows: list[dict],
                              audit_rows: list[dict]) -> None:
    connection = db.session.connection()
    first = audit_rows[0]
    same = ("at", "user_id", "token_id", "actor", "role", "agency_id", "channel", "remote_addr")
    if (connection.dialect.name == "postgresql" and all(r["detail"] is None for r in audit_rows)
            and all(r[k] == first[k] for r in audit_rows for k in same)
            and all(r["team_id"] == clock_rows[0]["team_id"] and r["started_at"] == clock_rows[0]["started_at"]
                    and r["due_date"] is None for r in clock_rows)):
        connection.execute(_LINKS_CLOCKS_AUDIT, {
            "contact_id": contact_id, "link_child_ids": child_ids,
            "started_at": clock_rows[0]["started_at"], "team_id": clock_rows[0]["team_id"],
            "clock_kinds": [r["kind"] for r in clock_rows], "clock_dues": [r["due_at"] for r in clock_rows],
            "clock_warns": [r["warn_at"] for r in clock_rows],
            **{k: first[k] for k in same},
            "actions": [r["action"] for r in audit_rows], "entities": [r["entity"] for r in audit_rows],
            "entity_ids": [r["entity_id"] for r in audit_rows], "audit_child_ids": [r["child_id"] for r in audit_rows]})
        return
    # Elsewhere one INSERT each; RETURNING makes several rows one multi-row INSERT rather than a
    # driver-level executemany.
    links, clock_table = ContactChild.__table__, Clock.__table__
    connection.execute(insert(links).returning(links.c.id),
                       [{"contact_id": contact_id, "child_id": cid} for cid in child_ids])
    connection.execute(insert(clock_table).returning(clock_table.c.id), clock_rows)
    audit.insert_rows(audit_rows)


def _child_ids_for(actor: Actor, child_ids: list[int]) -> list[int]:
    # A partner is never told record ids: one for a child already known would say so.
    return [] if actor.role is Role.PARTNER else child_ids


def _find_original(actor: Actor, key: str | None, reference: str | None) -> tuple[Row, str] | None:
    """The contact a retry repeats, and which of its keys matched."""
    columns = (Contact.id, Contact.state, Contact.received_at, Contact.decision_due_at, Contact.version,
               Contact.idempotency_fingerprint)
    if key:
        found = db.session.execute(select(*columns).where(
            Contact.idempotency_key == _idempotency_scope(actor, key))).first()
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
                   child_ids=_child_ids_for(actor, child_ids), version=row.version)


def _contact_clock_rows(contact_id: int, received: datetime, decision_due: datetime, team_id: int | None,
                        settings, calendar) -> list[dict]:
    ack_due = clock_rules.acknowledgement_due(received, calendar)
    return [
        clocks.clock_row(ClockKind.DECISION, "contact", contact_id, received, decision_due,
                         decision_due - settings.decision_warn, contact_id=contact_id, team_id=team_id),
        clocks.clock_row(ClockKind.ACKNOWLEDGEMENT, "contact", contact_id, received, ack_due,
                         ack_due - timedelta(hours=settings.decision_warn.total_seconds() // 3600),
                         contact_id=contact_id, team_id=team_id),
    ]


# ---------------------------------------------------------------- reading

def load(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"No contact {contact_id}")
    return contact


def get_contact(actor: Actor, now: datetime, contact_id: int) -> Contact:
    """The whole contact for Front Door staff; audited once per child it names."""
    require(actor, STAFF, "open contacts")
    contact = load(contact_id)
    audit.record_shown(actor, now, "read", "contact", [(contact.id, link.child_id) for link in contact.children])
    audit.commit_read()
    return contact


@dataclass(frozen=True)
class ChildHistory:
    child: Child
    open_referrals: list[Referral]
    referrals_last_12_months: list[Referral]
    contacts_last_12_months: list[Contact]
    # Other records with this child's name and date of birth (or NHS number): a partner system
    # cannot look records up, so its children are matched here, by the Front Door.
    possible_matches: tuple[Child, ...] = ()


def history_for(contact: Contact, actor: Actor | None = None, now: datetime | None = None) -> list[ChildHistory]:
    """What the service already knows of each child: surfaced for screening, not searched for.

    Given the actor, also the possible matches of each child still to be decided, each shown
    match audited as read (and committed)."""
    since = contact.received_at - timedelta(days=RE_REFERRAL_WINDOW_DAYS)
    result = []
    shown: set[int] = set()
    for link in contact.children:
        # Referrals this contact made itself are its outcome, not the child's history.
        referrals = list(db.session.scalars(select(Referral).where(
            Referral.child_id == link.child_id,
            or_(Referral.contact_id.is_(None), Referral.contact_id != contact.id))
            .order_by(Referral.referral_date.desc())))
        earlier = list(db.session.scalars(
            select(Contact).join(ContactChild).where(
                ContactChild.child_id == link.child_id, Contact.id != contact.id,
                Contact.received_at >= since).order_by(Contact.received_at.desc())))
        matches: tuple[Child, ...] = ()
        if actor is not None and contact.state != ContactState.DECIDED:
            child = link.child
            matches = tuple(m for m in children_service.possible_duplicates(
                child.nhs_number, child.first_name, child.last_name, child.date_of_birth, exclude_id=child.id)
                if m.id not in {other.child_id for other in contact.children})
            shown.update(m.id for m in matches)
        result.append(ChildHistory(
            child=link.child,
            open_referrals=[r for r in referrals if r.closed_at is None],
            referrals_last_12_months=[r for r in referrals if r.referral_date >= local_date(since)],
            contacts_last_12_months=earlier, possible_matches=matches))
    if shown:
        for child_id in sorted(shown):
            audit.record(actor, now, "read", "child", child_id, child_id=child_id,
                         detail=f"possible match in contact {contact.id}")
        db.session.commit()
    return result


# ---------------------------------------------------------------- consent

def record_consent(actor: Actor, now: datetime, contact_id: int, consent: str, consent_by: str | None = None,
                   not_sought_reason: str | None = None, consent_at: datetime | None = None,
                   version: int | None = None) -> Contact:
    """Record or correct the consent position after intake (a feed may not know it)."""
    require(actor, SCREENERS, "record consent")
    errors = consent_problem(consent, not_sought_reason, consent_by)
    if consent is None:
        errors["consent"] = ["Choose the consent position"]
    if consent_at and consent_at > now:
        errors["consent_at"] = ["The time consent was recorded cannot be in the future"]
    if errors:
        raise Invalid("The consent record needs correcting", errors)
    contact = load(contact_id)
    check_version(contact, version)
    if contact.state == ContactState.DECIDED:
        raise Conflict("This contact is decided; its consent record can no longer change")
    contact.consent, contact.consent_by = consent, (consent_by or "").strip() or None
    contact.consent_not_sought_reason = not_sought_reason if consent == Consent.NOT_SOUGHT else None
    contact.consent_at = consent_at or now
    _audit_children(actor, now, contact, "update", f"consent {consent}")
    commit()
    return contact


# ---------------------------------------------------------------- screening

def start_screening(actor: Actor, now: datetime, contact_id: int, version: int | None = None) -> Contact:
    require(actor, SCREENERS, "screen contacts")
    contact = load(contact_id)
    check_version(contact, version)
    move(contact, ContactState.SCREENING)
    contact.screened_by_id = contact.screened_by_id or actor.user_id
    _audit_children(actor, now, contact, "update", "screening started")
    commit()
    return contact


def set_rag(actor: Actor, now: datetime, contact_id: int, rag: str, reason: str,
            version: int | None = None) -> Contact:
    """Rate the contact red, amber or green; every rating is kept with who, when and why."""
    require(actor, SCREENERS, "set RAG ratings")
    errors = {}
    if rag not in Rag._value2member_map_:
        errors["rag"] = ["Choose red, amber or green"]
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason for this rating"]
    if errors:
        raise Invalid("The rating needs correcting", errors)
    contact = load(contact_id)
    check_version(contact, version)
    if contact.state == ContactState.DECIDED:
        raise Conflict("This contact is decided; its RAG rating can no longer change")
    if contact.state == ContactState.RECEIVED:
        move(contact, ContactState.SCREENING)
    db.session.add(RagChange(contact_id=contact.id, rag=rag, previous_rag=contact.rag,
                             reason=reason.strip(), changed_at=now, changed_by_id=actor.user_id))
    contact.rag = rag
    contact.screened_by_id = contact.screened_by_id or actor.user_id
    _audit_children(actor, now, contact, "update", f"RAG {rag}")
    commit()
    return contact


def put_forward(actor: Actor, now: datetime, contact_id: int, put_forward: bool = True,
                version: int | None = None) -> Contact:
    """Put a contact forward to the next multi-agency triage meeting (or take it back)."""
    require(actor, SCREENERS, "put contacts forward to triage")
    contact = load(contact_id)
    check_version(contact, version)
    if contact.state == ContactState.DECIDED:
        raise Conflict("This contact is decided; there is nothing left for triage to discuss")
    contact.put_forward_to_meeting = put_forward
    _audit_children(actor, now, contact, "update", "put forward to triage" if put_forward else "withdrawn from triage")
    commit()
    return contact


def recommend(actor: Actor, now: datetime, contact_id: int, outcome: str, rationale: str,
              version: int | None = None) -> Contact:
    require(actor, SCREENERS, "recommend outcomes")
    _check_outcome(outcome, rationale)
    contact = load(contact_id)
    check_version(contact, version)
    move(contact, ContactState.READY_FOR_DECISION)
    contact.recommended_outcome, contact.recommendation = outcome, rationale.strip()
    contact.recommended_by_id, contact.recommended_at = actor.user_id, now
    _audit_children(actor, now, contact, "update", f"recommended {outcome}")
    commit()
    return contact


def _check_outcome(outcome: str, rationale: str, field: str = "outcome") -> None:
    errors = {}
    if outcome not in DecisionOutcome._value2member_map_:
        errors[field] = [f"Choose one of: {', '.join(o.value for o in DecisionOutcome)}"]
    if not (rationale or "").strip():
        errors["rationale"] = ["Write the rationale: it is always required"]
    if errors:
        raise Invalid("The decision needs correcting", errors)


def _audit_children(actor: Actor, now: datetime, contact: Contact, action: str, detail: str) -> None:
    for link in contact.children:
        audit.record(actor, now, action, "contact", contact.id, child_id=link.child_id, detail=detail)


# ---------------------------------------------------------------- decision

def record_decision(actor: Actor, now: datetime, contact_id: int, decisions: list[dict],
                    delay_reason: str | None = None, version: int | None = None) -> Contact:
    """A Front Door manager decides, with a rationale, for every child the contact names.

    Stops the decision clock; a late decision records the breach and must say why it was late.
    Outcomes that need social care make a referral for that child, dated on the contact's receipt.
    """
    require(actor, (Role.MANAGER,), "decide contacts: only a Front Door manager can")
    contact = load(contact_id)
    check_version(contact, version)
    move(contact, ContactState.DECIDED)
    by_child = _decisions_by_child(contact, decisions)
    late = now > contact.decision_due_at
    if late and not (delay_reason or "").strip():
        raise Invalid("This decision is after the decision clock ran out",
                      {"delay_reason": ["Say why the decision is late"]})
    referral_date = local_date(contact.received_at)
    decided_by = acting_person_id(actor)  # a token's decision is signed by its holder
    for link in contact.children:
        outcome, rationale = by_child[link.child_id]
        link.outcome, link.rationale = outcome, rationale.strip()
        link.decided_at, link.decided_by_id, link.within_clock = now, decided_by, not late
        link.delay_reason = delay_reason.strip() if late else None
        if outcome_creates_referral(outcome):
            referral = Referral(
                child_id=link.child_id, contact_id=contact.id, contact_child_id=link.id,
                referral_date=referral_date, outcome=outcome, created_at=now, team_id=contact.team_id,
                source_code=contact.source_code,
                is_re_referral=had_referral_within_a_year(link.child_id, referral_date))
            db.session.add(referral)
            db.session.flush()
            open_assessment(now, referral)
        audit.record(actor, now, "decide", "contact", contact.id, child_id=link.child_id,
                     detail=f"{outcome}{' (late)' if late else ''}")
    contact.decided_at = now
    clocks.stop_clock(ClockKind.DECISION, "contact", contact.id, now)
    for request in contact.requests:  # answers no longer awaited: stop chasing partners
        if request.state == "open":
            request.state = "withdrawn"
            clocks.stop_clock(ClockKind.PARTNER_INFORMATION, "information_request", request.id, now)
    commit()
    return contact


def _decisions_by_child(contact: Contact, decisions: list[dict]) -> dict[int, tuple[str, str]]:
    """One decision per child named in the contact; a single entry without a child applies to all."""
    child_ids = [link.child_id for link in contact.children]
    if len(decisions) == 1 and decisions[0].get("child_id") is None:
        only = decisions[0]
        _check_outcome(only.get("outcome"), only.get("rationale"))
        return {cid: (only["outcome"], only["rationale"]) for cid in child_ids}
    result = {}
    for index, entry in enumerate(decisions):
        if entry.get("child_id") not in child_ids:
            raise Invalid("The decision needs correcting",
                          {f"decisions.{index}.child_id": ["This child is not named in the contact"]})
        try:
            _check_outcome(entry.get("outcome"), entry.get("rationale"))
        except Invalid as exc:
            raise Invalid(exc.message, {f"decisions.{index}.{k}": v for k, v in exc.errors.items()}) from None
        result[entry["child_id"]] = (entry["outcome"], entry["rationale"])
    missing = [cid for cid in child_ids if cid not in result]
    if missing:
        raise Invalid("Decide for every child named in the contact",
                      {"decisions": [f"No decision for child record {cid}" for cid in missing]})
    return result


def open_assessment(now, referral):
    from triage.services.assessments import open_assessment as start  # assessments builds on contacts

    return start(now, referral)


def had_referral_within_a_year(child_id: int, referral_date: date) -> bool:
    """A re-referral: the child had a referral in the 12 months before this one."""
    window_start = referral_date - timedelta(days=RE_REFERRAL_WINDOW_DAYS)
    return db.session.scalar(select(Referral.id).where(
        Referral.child_id == child_id, Referral.referral_date >= window_start,
        Referral.referral_date <= referral_date).limit(1)) is not None


# ---------------------------------------------------------------- referrer

def acknowledge(actor: Actor, now: datetime, contact_id: int, version: int | None = None) -> Contact:
    """Record that the referrer has been told the contact was received."""
    require(actor, STAFF, "acknowledge referrers")
    contact = load(contact_id)
    check_version(contact, version)
    if contact.acknowledged_at is None:
        contact.acknowledged_at, contact.acknowledged_by_id = now, actor.user_id
        clocks.stop_clock(ClockKind.ACKNOWLEDGEMENT, "contact", contact.id, now)
        _audit_children(actor, now, contact, "update", "referrer acknowledged")
        commit()
    return contact


def record_feedback(actor: Actor, now: datetime, contact_id: int, note: str,
                    version: int | None = None) -> Contact:
    """Record that the outcome was fed back to the referrer."""
    require(actor, STAFF, "record feedback to referrers")
    if not (note or "").strip():
        raise Invalid("Say what was fed back", {"note": ["Write what the referrer was told"]})
    contact = load(contact_id)
    check_version(contact, version)
    if contact.state != ContactState.DECIDED:
        raise Conflict(f"This contact is {ContactState(contact.state).label.lower()}: "
                       "feed back the outcome once it is decided")
    contact.feedback_at, contact.feedback_note = now, note.strip()
    _audit_children(actor, now, contact, "update", "outcome fed back")
    commit()
    return contact
