"""What every use case on a case shares: who works cases, loading a record by its id, and the
check that a date in the case's life has already happened."""
from __future__ import annotations

from datetime import date, datetime

from triage.clock import local_date
from triage.domain.roles import Role
from triage.extensions import db
from triage.services.errors import Invalid, NotFound

CASE_WORKERS = (Role.PRACTITIONER, Role.MANAGER)
MANAGERS = (Role.MANAGER,)


def load(model, ident: int, what: str):
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound(f"No {what} {ident}")
    return found


def past_or_today(value: date | None, field: str, now: datetime, not_before: date | None = None) -> None:
    if value is None:
        raise Invalid("A date is needed", {field: ["Enter a date"]})
    if value > local_date(now):
        raise Invalid("That date is in the future", {field: ["The date cannot be in the future"]})
    if not_before and value < not_before:
        raise Invalid("That date is too early", {field: [f"The date cannot be before {not_before:%-d %B %Y}"]})
