"""The manager's decision on a contact, and what the referrer is told: acknowledgement and feedback."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from triage.clock import local_date
from triage.domain.clocks import ClockKind
from triage.domain.codes import DecisionOutcome, outcome_creates_referral
from triage.domain.contact_commands import ChildDecision, DecisionCommand, delay_problem, outcome_problems
from triage.domain.contact_states import DECIDERS, STAFF, ContactState
from triage.domain.information_requests import RequestState
from triage.domain.information_requests import check_move as check_request_move
from triage.domain.signposting import signposting_problem
from triage.extensions import db
from triage.models import Agency, Contact, ContactChild, Notification, Referral
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.cases.step_down import early_help_team, hand_over_from_contact
from triage.services.contacts.common import audit_children, load, move
from triage.services.contacts.reading import open_cases
from triage.services.errors import Conflict, Invalid
from triage.services.guards import check_version, require
from triage.services.referrals import refer_from_decision
from triage.services.token_holders import acting_person_id
from triage.services.unit_of_work import unit_of_work
from triage.settings import contact_settings


def record_decision(actor: Actor, now: datetime, contact_id: int,
                    decisions: Sequence[ChildDecision | Mapping] | DecisionCommand,
                    delay_reason: str | None = None, version: int | None = None,
                    early_help_team: str | None = None) -> Contact:
    """A Front Door manager decides, with a rationale, for every child the contact names.

    Stops the decision clock; a late decision records the breach and must say why it was late.
    Outcomes that need social care make a referral for that child, dated on the contact's receipt;
    stepping down to early help hands each such child over to the early help team named.
    A contact is decided once: its state table refuses a second decision, so a replayed one
    hands nobody over twice.
    """
    command = decisions if isinstance(decisions, DecisionCommand) else DecisionCommand.from_mapping(
        {"decisions": decisions, "delay_reason": delay_reason, "version": version,
         "early_help_team": early_help_team})
    require(actor, DECIDERS, "decide contacts: only a Front Door manager can")
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, command.version, "contact")
        move(contact, ContactState.DECIDED)
        by_child = _decisions_by_child(contact, command.decisions)
        signposted = _signposting(by_child)
        cases = _cases_to_join(contact, by_child)
        team = _early_help_team(by_child, command.early_help_team)
        late = now > contact.decision_due_at
        delay = delay_problem(contact.decision_due_at, now, command.delay_reason)
        if delay:
            raise Invalid("This decision is after the decision clock ran out", {"delay_reason": [delay]})
        referral_date = local_date(contact.received_at)
        decided_by = acting_person_id(actor)  # a token's decision is signed by its holder
        for link in contact.children:
            outcome, rationale, *_ = by_child[link.child_id]
            link.outcome, link.rationale = outcome, rationale.strip()
            link.decided_at, link.decided_by_id, link.within_clock = now, decided_by, not late
            link.delay_reason = command.delay_reason if late else None
            link.signposting = ",".join(signposted[link.child_id]) or None
            if outcome_creates_referral(outcome):
                refer_from_decision(now, contact, link, outcome, referral_date)
            elif outcome == DecisionOutcome.ADD_TO_OPEN_CASE:
                _join_case(actor, now, contact, link, cases[link.child_id])
            elif outcome == DecisionOutcome.EARLY_HELP:
                hand_over_from_contact(actor, now, contact, link.child_id, team, decided_by)
            audit.record(actor, now, "decide", "contact", contact.id, child_id=link.child_id,
                         detail=f"{outcome}{' (late)' if late else ''}")
        contact.decided_at = now
        clocks.stop_clock(ClockKind.DECISION, "contact", contact.id, now)
        for request in contact.requests:  # answers no longer awaited: stop chasing partners
            if request.state == RequestState.OPEN:
                request.state = check_request_move(request.state, RequestState.WITHDRAWN)
                clocks.stop_clock(ClockKind.PARTNER_INFORMATION, "information_request", request.id, now)
    return contact


def _check(decision: ChildDecision, prefix: str = "") -> None:
    errors = outcome_problems(decision.outcome, decision.rationale)
    if errors:
        raise Invalid("The decision needs correcting", {f"{prefix}{k}": v for k, v in errors.items()})


def _decisions_by_child(contact: Contact, decisions: Sequence[ChildDecision]) -> dict[int, tuple[str, str, str, tuple[str, ...]]]:
    """One decision per child named in the contact (with the field it came from); a single entry
    without a child applies to all."""
    child_ids = [link.child_id for link in contact.children]
    if len(decisions) == 1 and decisions[0].child_id is None:
        only = decisions[0]
        _check(only)
        return {cid: (only.outcome, only.rationale, "outcome", only.signposting) for cid in child_ids}
    result = {}
    for index, entry in enumerate(decisions):
        if entry.child_id not in child_ids:
            raise Invalid("The decision needs correcting",
                          {f"decisions.{index}.child_id": ["This child is not named in the contact"]})
        _check(entry, f"decisions.{index}.")
        result[entry.child_id] = (entry.outcome, entry.rationale, f"decisions.{index}.outcome", entry.signposting)
    missing = [cid for cid in child_ids if cid not in result]
    if missing:
        raise Invalid("Decide for every child named in the contact",
                      {"decisions": [f"No decision for child record {cid}" for cid in missing]})
    return result


def _signposting(by_child: dict) -> dict[int, tuple[str, ...]]:
    """Each child's signposting, checked against the council's list; Invalid naming the field."""
    options = contact_settings().signposting
    errors = {}
    for outcome, _, field, given in by_child.values():
        problem = signposting_problem(outcome, given, options)
        if problem:
            errors[field.replace("outcome", "signposting")] = [problem]
    if errors:
        raise Invalid("The decision needs correcting", errors)
    return {cid: tuple(given) for cid, (_, _, _, given) in by_child.items()}


def _cases_to_join(contact: Contact, by_child: dict[int, tuple[str, str, str, tuple[str, ...]]]) -> dict[int, Referral]:
    """The open case each child is added to; Invalid naming the outcome of a child who has none."""
    joining = {cid: field for cid, (outcome, _, field, _) in by_child.items()
               if outcome == DecisionOutcome.ADD_TO_OPEN_CASE}
    if not joining:
        return {}
    cases = open_cases(contact)
    errors = {field: ["This child has no open case to add the contact to: choose another outcome"]
              for cid, field in joining.items() if cid not in cases}
    if errors:
        raise Invalid("The decision needs correcting", errors)
    return cases


def _early_help_team(by_child: dict[int, tuple[str, str, str, tuple[str, ...]]], code: str | None) -> Agency | None:
    """The team a step-down goes to; None when no child steps down (a team named then is moot)."""
    if not any(outcome == DecisionOutcome.EARLY_HELP for outcome, *_ in by_child.values()):
        return None
    return early_help_team(code)


def _join_case(actor: Actor, now: datetime, contact: Contact, link: ContactChild, case: Referral) -> None:
    """The contact joins the child's open case: no new referral; the case's worker is told."""
    link.case_referral_id = case.id
    audit.record(actor, now, "update", "referral", case.id, child_id=case.child_id,
                 detail=f"contact {contact.id} added to the case")
    if case.worker_id is not None:  # ids only: the details stay behind sign-in
        db.session.add(Notification(user_id=case.worker_id, clock_event_id=None, created_at=now,
                                    message=f"Contact {contact.id} was added to your case {case.id}: read it",
                                    link=f"/contacts/{contact.id}"))


# ---------------------------------------------------------------- the referrer

def acknowledge(actor: Actor, now: datetime, contact_id: int, version: int | None = None) -> Contact:
    """Record that the referrer has been told the contact was received."""
    require(actor, STAFF, "acknowledge referrers")
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, version, "contact")
        if contact.acknowledged_at is None:
            contact.acknowledged_at, contact.acknowledged_by_id = now, actor.user_id
            clocks.stop_clock(ClockKind.ACKNOWLEDGEMENT, "contact", contact.id, now)
            audit_children(actor, now, contact, "update", "referrer acknowledged")
    return contact


def record_feedback(actor: Actor, now: datetime, contact_id: int, note: str,
                    version: int | None = None) -> Contact:
    """Record that the outcome was fed back to the referrer."""
    require(actor, STAFF, "record feedback to referrers")
    if not (note or "").strip():
        raise Invalid("Say what was fed back", {"note": ["Write what the referrer was told"]})
    with unit_of_work("contact"):
        contact = load(contact_id)
        check_version(contact, version, "contact")
        if contact.state != ContactState.DECIDED:
            raise Conflict(f"This contact is {ContactState(contact.state).label.lower()}: "
                           "feed back the outcome once it is decided")
        contact.feedback_at, contact.feedback_note = now, note.strip()
        audit_children(actor, now, contact, "update", "outcome fed back")
    return contact
