"""The contacts blueprint, and the labels and tags its pages (and the partner request pages) show."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint

from triage.domain.clocks import ClockState, clock_state
from triage.domain.codes import (
    AgencyKind,
    Consent,
    ContactChannel,
    DashRisk,
    DecisionOutcome,
    Rag,
    ReferralSource,
)
from triage.domain.consent import NotSoughtReason
from triage.domain.contact_states import ContactState
from triage.domain.information_requests import RequestState

bp = Blueprint("contacts", __name__)

SEX_CHOICES = [("female", "Female"), ("male", "Male"), ("unknown", "Unknown"), ("not_stated", "Not stated")]
YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_ASKED_AGENCIES = {AgencyKind.CHILDRENS_SOCIAL_CARE.value}  # the Front Door does not ask itself


# ---------------------------------------------------------------- labels and tags for the templates

RAG_TAGS = {"red": ("Red", "red"), "amber": ("Amber", "orange"), "green": ("Green", "green")}
NOT_RATED = ("Not yet rated", "grey")
CLOCK_TAGS = {ClockState.BREACHED: ("Overdue", "red"), ClockState.DUE_SOON: ("Due soon", "yellow"),
              ClockState.RUNNING: ("On time", "turquoise"), ClockState.MET: ("Met", "green")}
STATE_TAGS = {"received": "grey", "screening": None, "awaiting_information": "purple",
              "ready_for_decision": "turquoise", "decided": "green"}


def rag_tag(rag: str | None) -> tuple[str, str]:
    return RAG_TAGS.get(rag or "", NOT_RATED)


def label_of(enum, value) -> str:
    if value in (None, ""):
        return ""
    try:
        return enum(value).label
    except ValueError:
        return str(value)


def child_label(child) -> str:
    """How a child is named where staff choose between records."""
    parts = [child.full_name]
    if child.date_of_birth:
        parts.append(f"born {child.date_of_birth:%-d %B %Y}")
    elif child.expected_date_of_birth:
        parts.append(f"unborn, due {child.expected_date_of_birth:%-d %B %Y}")
    if child.nhs_number:
        n = child.nhs_number
        parts.append(f"NHS number {n[:3]} {n[3:6]} {n[6:]}")
    if child.council_child_id:
        parts.append(f"child id {child.council_child_id}")
    return ", ".join(parts)


def request_clock(req, now: datetime) -> ClockState:
    """A partner request's clock: due soon in the last quarter of its time, as the sweep warns."""
    if req.state != RequestState.OPEN:
        return ClockState.MET if req.returned_in_time else ClockState.BREACHED
    warn = (req.due_at - req.requested_at) / 4
    return clock_state(req.due_at, now, None, warn)


def contact_helpers():
    """Labels and tags for the contact and request pages (registered on those blueprints only)."""
    return {"contact_codes": {"channel": ContactChannel, "source": ReferralSource, "dash": DashRisk,
                              "consent": Consent, "not_sought": NotSoughtReason, "outcome": DecisionOutcome,
                              "state": ContactState, "rag": Rag},
            "label_of": label_of, "rag_tag": rag_tag, "clock_tags": CLOCK_TAGS, "state_tags": STATE_TAGS}


bp.context_processor(contact_helpers)
