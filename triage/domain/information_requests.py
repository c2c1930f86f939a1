"""Where a question to a partner agency is, and which steps are allowed.

A request is open until its agency answers it or the Front Door withdraws it (no longer needed,
or the contact was decided first); both are final. The table is the rule: services look a step
up here and refuse anything not listed, naming the state the request is in.
"""
from __future__ import annotations

from triage.domain.codes import LabelledEnum


class RequestState(LabelledEnum):
    OPEN = "open", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    WITHDRAWN = "withdrawn", "Withdrawn"


TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.OPEN: frozenset({RequestState.ANSWERED, RequestState.WITHDRAWN}),
    RequestState.ANSWERED: frozenset(),
    RequestState.WITHDRAWN: frozenset(),
}

# What refusing each step says, after "This request is <state>; ".
_REFUSALS = {RequestState.ANSWERED: "it cannot be answered again",
             RequestState.WITHDRAWN: "only open requests can be withdrawn"}


class InvalidRequestStep(Exception):
    def __init__(self, current: RequestState, target: RequestState):
        self.current, self.target = current, target
        super().__init__(f"This request is {current.value}; "
                         f"{_REFUSALS.get(target, f'it cannot become {target.label.lower()}')}")


def can_move(current: RequestState | str, target: RequestState | str) -> bool:
    return RequestState(target) in TRANSITIONS[RequestState(current)]


def check_move(current: RequestState | str, target: RequestState | str) -> RequestState:
    """The target state when the step is allowed; InvalidRequestStep when it is not."""
    current, target = RequestState(current), RequestState(target)
    if target not in TRANSITIONS[current]:
        raise InvalidRequestStep(current, target)
    return target
