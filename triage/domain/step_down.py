"""Stepping a family down to early help: a handover the early help team accepts or returns.

A handover waits until the named early help team answers: it accepts the family (who holds them
is then early help) or returns the handover with its reason. Both answers are final; the table
is the rule, checked in one place. The team answers within a council-set number of working days
on the handover's own clock.
"""
from __future__ import annotations

from datetime import date

from triage.domain.calendar import WorkingDayCalendar
from triage.domain.codes import LabelledEnum

STEP_DOWN_WORKING_DAYS = 5  # the early help team's answer is due this many working days after the handover
STEP_DOWN_WARN_WORKING_DAYS = 1


class StepDownState(LabelledEnum):
    WAITING = "waiting", "Waiting for early help"
    ACCEPTED = "accepted", "Accepted by early help"
    RETURNED = "returned", "Returned by early help"


TRANSITIONS: dict[StepDownState, frozenset[StepDownState]] = {
    StepDownState.WAITING: frozenset({StepDownState.ACCEPTED, StepDownState.RETURNED}),
    StepDownState.ACCEPTED: frozenset(),
    StepDownState.RETURNED: frozenset(),
}


class InvalidStepDownAnswer(Exception):
    def __init__(self, current: StepDownState):
        self.current = current
        super().__init__(f"This handover was already {current.value}; it cannot be answered again")


def check_answer(current: StepDownState | str, target: StepDownState | str) -> StepDownState:
    current, target = StepDownState(current), StepDownState(target)
    if target not in TRANSITIONS[current]:
        raise InvalidStepDownAnswer(current)
    return target


def answer_due(handed_over_on: date, calendar: WorkingDayCalendar, working_days: int = STEP_DOWN_WORKING_DAYS) -> date:
    """The early help team answers by the end of this working day (the handover day is day 0)."""
    return calendar.add_working_days(handed_over_on, working_days)
