"""The decision clock as a meeting shows it, worked out here once, with the council's warning,
so the meeting pages and API agree with the queue and the contact page, and neither a page nor
a schema reads the wall clock: services stamp what they return with the state as of `now`."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from triage.clock import local_date
from triage.domain.clocks import ClockSettings, ClockState, describe_time_left
from triage.models import Contact, MeetingAction, MeetingItem
from triage.settings import clock_settings


@dataclass(frozen=True)
class DecisionClock:
    state: ClockState
    time_left: str  # "3 hours left", "overdue by 2 hours"
    decided: bool


def decision_clock(contact: Contact, now: datetime, settings: ClockSettings | None = None) -> DecisionClock:
    settings = settings or clock_settings()
    return DecisionClock(state=settings.decision_state(contact.decision_due_at, now, contact.decided_at),
                         time_left=describe_time_left(contact.decision_due_at, now),
                         decided=contact.decided_at is not None)


def action_overdue(action: MeetingAction, now: datetime) -> bool:
    """Not done and due before today (London)."""
    return action.done_at is None and action.due_date < local_date(now)


def stamp_actions(actions: Iterable[MeetingAction], now: datetime) -> None:
    for action in actions:
        action.overdue = action_overdue(action, now)


def stamp_items(items: Iterable[MeetingItem], now: datetime) -> None:
    """Each item's decision clock and its actions' overdue flags, as of now (what the API shows)."""
    settings = clock_settings()
    for item in items:
        item.decision_clock = decision_clock(item.contact, now, settings)
        stamp_actions(item.actions, now)


def stamp_item(item: MeetingItem, now: datetime) -> None:
    stamp_items([item], now)


def stamp_action(action: MeetingAction, now: datetime) -> None:
    stamp_actions([action], now)


def stamped(stamp: Callable[[object, datetime], None]):
    """Stamp what a use case `(actor, now, ...)` returns, after its unit of work has committed:
    a commit expires what was loaded, and rows loaded again would not carry the stamp."""
    def decorate(use_case):
        @functools.wraps(use_case)
        def run(*args, **kwargs):
            result = use_case(*args, **kwargs)
            stamp(result, kwargs["now"] if "now" in kwargs else args[1])
            return result
        return run
    return decorate
