"""From a concern about a child to a manager's decision: intake, screening, recommendation,
decision. Each use case runs in one unit of work and checks the rules its command must meet.

    intake      recording a contact (and answering a partner system's retry)
    batch       a partner system's notifications, many contacts in one request
    reading     the contact and what is already known of its children, audited
    screening   consent, RAG rating, triage, the practitioner's recommendation
    decision    the manager's decision, and acknowledging and feeding back to the referrer
    matching    confirming a partner's child matched to a record by name and date of birth
"""
from __future__ import annotations

from triage.domain.contact_commands import ConsentCommand, DecisionCommand, IntakeCommand
from triage.domain.contact_states import DECIDERS, INTAKE, SCREENERS, STAFF
from triage.services.contacts.batch import FEEDS, BatchItem, BatchResult, receive_batch
from triage.services.contacts.common import audit_children, load, move
from triage.services.contacts.decision import acknowledge, record_decision, record_feedback
from triage.services.contacts.intake import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_MAX,
    Receipt,
    as_command,
    check_intake,
    clean_idempotency_key,
    receive_contact,
    record_contact,
)
from triage.services.contacts.matching import answer_match
from triage.services.contacts.reading import (
    ChildHistory,
    ContactRead,
    get_contact,
    history_for,
    open_cases,
    read_for_page,
    read_open_cases,
)
from triage.services.contacts.screening import (
    put_forward,
    recommend,
    record_consent,
    set_rag,
    start_screening,
)
from triage.services.guards import require
from triage.services.referrals import RE_REFERRAL_WINDOW_DAYS, had_referral_within_a_year

__all__ = [
    "DECIDERS", "FEEDS", "IDEMPOTENCY_KEY_HEADER", "IDEMPOTENCY_KEY_MAX", "INTAKE", "RE_REFERRAL_WINDOW_DAYS",
    "SCREENERS", "STAFF", "BatchItem", "BatchResult", "ChildHistory", "ConsentCommand", "ContactRead",
    "DecisionCommand", "IntakeCommand", "Receipt", "acknowledge", "answer_match", "as_command", "audit_children",
    "check_intake", "clean_idempotency_key", "get_contact",
    "had_referral_within_a_year", "history_for", "load", "move", "open_cases", "put_forward", "read_for_page",
    "read_open_cases", "receive_batch", "receive_contact", "recommend", "record_consent", "record_contact",
    "record_decision", "record_feedback", "require", "set_rag", "start_screening",
]
