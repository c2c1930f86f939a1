"""What the demo's week at the Front Door shares: its days, the children already given a story,
and a contact's life as the services record it (received, acknowledged, screened, decided and fed
back to the referrer)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from triage.clock import LONDON
from triage.models import Child
from triage.models.feedback import FeedbackKind, FeedbackMethod
from triage.services import contacts, feedback
from triage.settings import front_door_settings


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def age(child: Child, today: date) -> int:
    born = child.date_of_birth
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass
class Week:
    """The days the week's work happened on, and the children already used (one story each)."""

    today: date
    yesterday: date  # the last working day before today
    earlier: date  # three working days before that
    used: set[int] = field(default_factory=set)
    added: int = 0

    def take(self, child: Child | None) -> Child | None:
        if child is not None:
            self.used.add(child.id)
        return child


def new_contact(ctx, week: Week, received: datetime, data: dict, email: str | None) -> int:
    """A contact recorded by the ERA, its receipt acknowledged to the referrer (by email where an
    address was given, which meets the acknowledgement clock); returns its id."""
    data = {"consent": "given", "consent_by": "Parent", "received_at": received, **data}
    if email:
        data["referrer_contact_details"] = email
    contact, _ = contacts.record_contact(ctx.actor("era"), received, data)
    acknowledged = min(received + timedelta(minutes=25), ctx.now)
    if email:
        feedback.send(ctx.actor("era"), acknowledged, contact.id, FeedbackKind.ACKNOWLEDGEMENT,
                      FeedbackMethod.EMAIL, None, front_door_settings().council_name)
    else:
        contacts.acknowledge(ctx.actor("era"), acknowledged, contact.id)
    week.added += 1
    return contact.id


def decide(ctx, contact_id: int, screened: datetime, decided: datetime, decision: dict,
           feedback_by: FeedbackMethod | None = FeedbackMethod.EMAIL, rag: str = "amber") -> None:
    """Screened by the practitioner, decided by the manager, the outcome fed back to the referrer."""
    contacts.set_rag(ctx.actor("practitioner"), screened, contact_id, rag, "Screened against the threshold document")
    contacts.record_decision(ctx.actor("manager"), decided, contact_id, [decision])
    if feedback_by is not None:
        feedback.send(ctx.actor("era"), decided + timedelta(minutes=20), contact_id, FeedbackKind.DECISION,
                      feedback_by, None, front_door_settings().council_name)
