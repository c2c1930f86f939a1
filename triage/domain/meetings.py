"""The multi-agency triage meeting: its states, its items' states, and who may see it when.

The tables are the rule: services look a step up here and refuse anything not listed, with a
message that names the state the meeting or item is in. A meeting type (what the council runs,
how often, for whom) is read from settings into a MeetingType.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from triage.domain.clocks import LONDON, UTC
from triage.domain.codes import LabelledEnum

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


def read_meeting_type(code: str, raw: Mapping) -> MeetingType:
    """One entry of the MEETING_TYPES setting; a ValueError naming it when it cannot be read."""
    cadence, scope = raw.get("cadence", "daily"), raw.get("scope", "county")
    if cadence not in CADENCES or scope not in SCOPES:
        raise ValueError(f"MEETING_TYPES[{code!r}]: cadence must be one of {CADENCES}, scope one of {SCOPES}")
    hours, minutes = (int(part) for part in str(raw.get("starts_at", "09:30")).split(":"))
    return MeetingType(code=code, name=raw.get("name", code), cadence=cadence,
                       starts_at=time(hours, minutes), core_agencies=tuple(raw.get("core_agencies", ())),
                       scope=scope, channels=frozenset(raw.get("channels", ())),
                       takes_put_forward=bool(raw.get("takes_put_forward", False)))


class MeetingState(LabelledEnum):
    PLANNED = "planned", "Planned"
    OPEN = "open", "In progress"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


M = MeetingState

MEETING_TRANSITIONS: dict[MeetingState, frozenset[MeetingState]] = {
    M.PLANNED: frozenset({M.OPEN, M.CANCELLED}),
    M.OPEN: frozenset({M.CLOSED}),
    M.CLOSED: frozenset(),
    M.CANCELLED: frozenset(),
}

# What each step is called when it is refused ("cannot be started").
_VERBS = {M.OPEN: "started", M.CLOSED: "closed", M.CANCELLED: "cancelled", M.PLANNED: "planned"}


class ItemState(LabelledEnum):
    PENDING = "pending", "To discuss"
    AGREED = "agreed", "Outcome agreed"
    CONFIRMED = "confirmed", "Decision confirmed"
    NOT_REACHED = "not_reached", "Not reached: carried to the next meeting"
    REMOVED = "removed", "Removed from the agenda"


I = ItemState

# An agreed outcome may be revisited until a manager confirms it as the contact's decision;
# the chair may put back an item taken off by mistake (the removal stays in the audit trail).
ITEM_TRANSITIONS: dict[ItemState, frozenset[ItemState]] = {
    I.PENDING: frozenset({I.AGREED, I.REMOVED, I.NOT_REACHED}),
    I.AGREED: frozenset({I.AGREED, I.CONFIRMED}),
    I.CONFIRMED: frozenset(),
    I.NOT_REACHED: frozenset(),
    I.REMOVED: frozenset({I.PENDING}),
}

_ITEM_VERBS = {I.AGREED: "have an outcome agreed", I.CONFIRMED: "be confirmed",
               I.REMOVED: "be removed", I.NOT_REACHED: "be carried over",
               I.PENDING: "be put back on the agenda"}


class InvalidMeetingStep(Exception):
    """A step the tables do not allow; the message names the state it is in."""


def check_meeting_move(current: MeetingState | str, target: MeetingState | str) -> MeetingState:
    current, target = MeetingState(current), MeetingState(target)
    if target not in MEETING_TRANSITIONS[current]:
        raise InvalidMeetingStep(f"This meeting is {current.label.lower()}; it cannot be "
                                 f"{_VERBS[target]} from there")
    return target


def check_item_move(current: ItemState | str, target: ItemState | str) -> ItemState:
    current, target = ItemState(current), ItemState(target)
    if target not in ITEM_TRANSITIONS[current]:
        raise InvalidMeetingStep(f"This item is {current.label.lower()}; it cannot "
                                 f"{_ITEM_VERBS[target]} from there")
    return target


def items_can_change(state: MeetingState | str) -> bool:
    """The agenda and what is recorded on it can change until the meeting closes."""
    return MeetingState(state) in (M.PLANNED, M.OPEN)


def partner_access_until(state: MeetingState | str, closed_at: datetime | None,
                         access_hours: int) -> datetime | None:
    """Until when an attending partner may read a closed meeting's items (None: not closed)."""
    if MeetingState(state) is M.CLOSED and closed_at is not None:
        return closed_at + timedelta(hours=access_hours)
    return None


def partner_may_see(state: MeetingState | str, closed_at: datetime | None, now: datetime,
                    attended: bool, access_hours: int) -> bool:
    """A partner representative sees a meeting's items only when recorded as attending it, and
    only while it is open or for `access_hours` after it closes."""
    if not attended:
        return False
    state = MeetingState(state)
    if state is M.OPEN:
        return True
    until = partner_access_until(state, closed_at, access_hours)
    return until is not None and now <= until
