"""Meeting types as the meeting services use them: looked up by code (a 422 naming the field
when unknown), and the agencies they need made sure of."""
from __future__ import annotations

from sqlalchemy import select

from triage.domain.meetings import CADENCES, SCOPES, MeetingType
from triage.extensions import db
from triage.models import Agency
from triage.services.errors import Invalid
from triage.settings import meeting_settings

__all__ = ["CADENCES", "SCOPES", "MeetingType", "ensure_meeting_agencies", "meeting_type", "meeting_types",
           "partner_access_hours"]


def meeting_types() -> dict[str, MeetingType]:
    return dict(meeting_settings().types)


def meeting_type(code: str, field: str = "type") -> MeetingType:
    types = meeting_settings().types
    if code not in types:
        raise Invalid("Unknown meeting type", {field: [f"Choose one of: {', '.join(types)}"]})
    return types[code]


def partner_access_hours() -> int:
    return meeting_settings().partner_access_hours


def ensure_meeting_agencies() -> None:
    """The agencies the meeting types need beyond the standard ones (CAMHS, school nursing ...),
    added to the session if missing; the calling use case commits. Safe to run any number of times."""
    wanted = meeting_settings().agencies
    if not wanted:
        return
    have = set(db.session.scalars(select(Agency.code).where(Agency.code.in_(list(wanted)))))
    for code, (name, kind) in wanted.items():
        if code not in have:
            db.session.add(Agency(code=code, name=name, kind=kind))
    db.session.flush()
