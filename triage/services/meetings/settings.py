"""Meeting types, read from configuration (MEETING_TYPES) in one place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask import current_app
from sqlalchemy import select

from triage.clock import LONDON, UTC
from triage.extensions import db
from triage.models import Agency
from triage.services.errors import Invalid

CADENCES = ("daily", "weekly")
SCOPES = ("county", "locality")


@dataclass(frozen=True)
class MeetingType:
    code: str
    name: str
    cadence: str  # daily or weekly
    starts_at: time  # the usual start, London time
    core_agencies: tuple[str, ...]  # agency codes
    scope: str  # county (one meeting for everyone) or locality (one per locality)
    channels: frozenset[str]  # contacts arriving on these go on the agenda by themselves
    takes_put_forward: bool

    @property
    def per_locality(self) -> bool:
        return self.scope == "locality"

    def start_on(self, day: date) -> datetime:
        """The usual start on a civil date, as a UTC instant."""
        return datetime.combine(day, self.starts_at, tzinfo=LONDON).astimezone(UTC)


def _read(code: str, raw: dict) -> MeetingType:
    cadence, scope = raw.get("cadence", "daily"), raw.get("scope", "county")
    if cadence not in CADENCES or scope not in SCOPES:
        raise ValueError(f"MEETING_TYPES[{code!r}]: cadence must be one of {CADENCES}, scope one of {SCOPES}")
    hours, minutes = (int(part) for part in str(raw.get("starts_at", "09:30")).split(":"))
    return MeetingType(code=code, name=raw.get("name", code), cadence=cadence,
                       starts_at=time(hours, minutes), core_agencies=tuple(raw.get("core_agencies", ())),
                       scope=scope, channels=frozenset(raw.get("channels", ())),
                       takes_put_forward=bool(raw.get("takes_put_forward", False)))


def meeting_types() -> dict[str, MeetingType]:
    return {code: _read(code, raw) for code, raw in current_app.config["MEETING_TYPES"].items()}


def meeting_type(code: str, field: str = "type") -> MeetingType:
    types = meeting_types()
    if code not in types:
        raise Invalid("Unknown meeting type", {field: [f"Choose one of: {', '.join(types)}"]})
    return types[code]


def partner_access_hours() -> int:
    return int(current_app.config["MEETING_PARTNER_ACCESS_HOURS"])


def ensure_meeting_agencies() -> None:
    """The agencies the meeting types need beyond the standard ones (CAMHS, school nursing ...),
    added to the session if missing; the calling service commits. Safe to run any number of times."""
    wanted = dict(current_app.config.get("MEETING_AGENCIES", {}))
    if not wanted:
        return
    have = set(db.session.scalars(select(Agency.code).where(Agency.code.in_(list(wanted)))))
    for code, (name, kind) in wanted.items():
        if code not in have:
            db.session.add(Agency(code=code, name=name, kind=kind))
    db.session.flush()
