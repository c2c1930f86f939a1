"""What a person or a partner system asks the contact service to do, as typed values, and the
rules a contact must meet before anything is written.

The API's schema and the page's form both build these commands, so each rule lives here once:
the edges say only how a field is typed or shown. Building a command from a mapping trims text
and turns blanks into "not given"; `intake_problems` then names every field that breaks a rule.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from triage.domain.codes import Consent, ContactChannel, DashRisk, DecisionOutcome, ReferralSource
from triage.domain.consent import consent_problem

LATE_ENTRY_LIMIT = timedelta(days=365)  # late entry, not history: the tracker import is for that
TEXT_FIELDS = ("referrer_name", "referrer_role", "referrer_agency", "referrer_contact_details",
               "concern", "consent_by", "police_incident_reference", "partner_reference")


def fingerprint(data: Mapping) -> str:
    """A digest of a request body as sent: a retry with the same body has the same one."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _text(value) -> str | None:
    if isinstance(value, str):
        value = value.strip()
    return value if value != "" else None


@dataclass(frozen=True)
class ChildEntry:
    """One child a contact names: an existing record, or a new child's details."""

    child_id: int | None = None
    child: Mapping | None = None  # a new child's fields, checked by the children service
    confirmed_new: bool = False

    @classmethod
    def from_mapping(cls, entry: Mapping) -> ChildEntry:
        return cls(child_id=entry.get("child_id"), child=dict(entry["child"]) if entry.get("child") else None,
                   confirmed_new=bool(entry.get("confirmed_new")))


@dataclass(frozen=True)
class IntakeCommand:
    """A contact to record. Text is trimmed, blanks are None; codes stay as given until checked."""

    channel: str | None
    source_code: str | None
    concern: str | None
    children: tuple[ChildEntry, ...]
    received_at: datetime | None = None  # None: now
    referrer_name: str | None = None
    referrer_role: str | None = None
    referrer_agency: str | None = None
    referrer_contact_details: str | None = None
    consent: str | None = None
    consent_by: str | None = None
    consent_at: datetime | None = None
    consent_not_sought_reason: str | None = None
    police_incident_reference: str | None = None
    dash_risk: str | None = None
    operation_encompass_informed: bool | None = None
    partner_reference: str | None = None
    put_forward_to_meeting: bool = False
    team_id: int | None = None
    # The digest of the body as sent, which a retry must repeat (see `fingerprint`).
    fingerprint: str = field(default="", compare=False)

    @classmethod
    def from_mapping(cls, data: Mapping) -> IntakeCommand:
        values = {name: (_text(data.get(name)) if name in TEXT_FIELDS else data.get(name))
                  for name in ("channel", "source_code", "received_at", "consent", "consent_at",
                               "consent_not_sought_reason", "dash_risk", "operation_encompass_informed",
                               "team_id", *TEXT_FIELDS)}
        for name in ("channel", "source_code", "consent", "consent_not_sought_reason", "dash_risk"):
            if isinstance(values[name], str):
                values[name] = values[name].strip()
        return cls(children=tuple(ChildEntry.from_mapping(e) for e in data.get("children") or ()),
                   put_forward_to_meeting=bool(data.get("put_forward_to_meeting")),
                   fingerprint=fingerprint(data), **values)


def _choice_problem(value, enum, message: str) -> list[str] | None:
    return None if value in enum._value2member_map_ else [message]


def police_reference_problem(channel: str | None, reference: str | None) -> str | None:
    """A police notification is traced back to the force by its incident reference."""
    if channel == ContactChannel.POLICE_NOTIFICATION and not reference:
        return "A police notification needs its incident reference"
    return None


def received_at_problem(received: datetime, now: datetime) -> str | None:
    if received > now:
        return "The time received cannot be in the future"
    if received < now - LATE_ENTRY_LIMIT:
        return "A contact can be back-dated by a year at most"
    return None


def intake_problems(command: IntakeCommand, now: datetime) -> dict[str, list[str]]:
    """Every field of the contact that breaks a rule, with what to do about it; empty when none."""
    errors: dict[str, list[str]] = {}
    received = received_at_problem(command.received_at or now, now)
    if received:
        errors["received_at"] = [received]
    for name, enum in (("channel", ContactChannel), ("source_code", ReferralSource)):
        problem = _choice_problem(getattr(command, name), enum, f"Choose one of: {', '.join(e.value for e in enum)}")
        if problem:
            errors[name] = problem
    if command.dash_risk:
        problem = _choice_problem(command.dash_risk, DashRisk,
                                  f"Risk grade must be one of: {', '.join(d.value for d in DashRisk)}")
        if problem:
            errors["dash_risk"] = problem
    if not command.concern:
        errors["concern"] = ["Describe what the concern is"]
    police = police_reference_problem(command.channel, command.police_incident_reference)
    if police:
        errors["police_incident_reference"] = [police]
    if not command.children:
        errors["children"] = ["Name at least one child"]
    if command.consent_at and command.consent_at > now:
        errors["consent_at"] = ["The time consent was recorded cannot be in the future"]
    errors.update(consent_problem(command.consent, command.consent_not_sought_reason, command.consent_by))
    return errors


# ---------------------------------------------------------------- decisions

@dataclass(frozen=True)
class ChildDecision:
    """A manager's outcome and rationale for one child (child_id None: every child the contact names)."""

    outcome: str | None
    rationale: str | None
    child_id: int | None = None
    signposting: tuple[str, ...] = ()  # with no further action: where the family was pointed

    @classmethod
    def from_mapping(cls, entry: Mapping) -> ChildDecision:
        return cls(outcome=entry.get("outcome"), rationale=entry.get("rationale"), child_id=entry.get("child_id"),
                   signposting=tuple(entry.get("signposting") or ()))


def outcome_problems(outcome: str | None, rationale: str | None, field_name: str = "outcome") -> dict[str, list[str]]:
    """An outcome from the list and a rationale: every decision and recommendation needs both."""
    errors: dict[str, list[str]] = {}
    if outcome not in DecisionOutcome._value2member_map_:
        errors[field_name] = [f"Choose one of: {', '.join(o.value for o in DecisionOutcome)}"]
    if not (rationale or "").strip():
        errors["rationale"] = ["Write the rationale: it is always required"]
    return errors


def delay_problem(due_at: datetime, now: datetime, delay_reason: str | None) -> str | None:
    """A decision after its clock ran out must say why it was late."""
    if now > due_at and not (delay_reason or "").strip():
        return "Say why the decision is late"
    return None


@dataclass(frozen=True)
class DecisionCommand:
    decisions: tuple[ChildDecision, ...]
    delay_reason: str | None = None
    version: int | None = None
    # With step down to early help: the code of the early help team (an agency) the family goes
    # to; None picks the council's only one.
    early_help_team: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping) -> DecisionCommand:
        return cls(decisions=tuple(d if isinstance(d, ChildDecision) else ChildDecision.from_mapping(d)
                                   for d in data.get("decisions") or ()),
                   delay_reason=_text(data.get("delay_reason")), version=data.get("version"),
                   early_help_team=_text(data.get("early_help_team")))


@dataclass(frozen=True)
class ConsentCommand:
    """The consent position recorded after intake (a feed may not have known it)."""

    consent: str | None
    consent_by: str | None = None
    consent_not_sought_reason: str | None = None
    consent_at: datetime | None = None
    version: int | None = None
    # Sharing without consent after it was refused: the manager approving it says why.
    override_reason: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping) -> ConsentCommand:
        return cls(consent=data.get("consent"), consent_by=_text(data.get("consent_by")),
                   consent_not_sought_reason=data.get("consent_not_sought_reason") or None,
                   consent_at=data.get("consent_at"), version=data.get("version"),
                   override_reason=_text(data.get("override_reason")))


def overrides_refusal(recorded: str | None, command: ConsentCommand) -> bool:
    """Sharing without consent after it was refused: only with a manager's approval."""
    return recorded == Consent.REFUSED and command.consent in (Consent.NOT_REQUIRED, Consent.NOT_SOUGHT)


def consent_record_problems(command: ConsentCommand, now: datetime) -> dict[str, list[str]]:
    errors = consent_problem(command.consent, command.consent_not_sought_reason, command.consent_by)
    if command.consent is None:
        errors["consent"] = ["Choose the consent position"]
    if command.consent_at and command.consent_at > now:
        errors["consent_at"] = ["The time consent was recorded cannot be in the future"]
    return errors

