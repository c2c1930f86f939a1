"""Where a contact is on its way to a decision, and which steps are allowed.

The table is the rule: services look a step up here and refuse anything not listed, naming
the state the contact is in.
"""
from __future__ import annotations

from triage.domain.codes import LabelledEnum
from triage.domain.roles import Role


class ContactState(LabelledEnum):
    RECEIVED = "received", "Received"
    SCREENING = "screening", "Screening"
    AWAITING_INFORMATION = "awaiting_information", "Awaiting information from partners"
    READY_FOR_DECISION = "ready_for_decision", "Ready for decision"
    DECIDED = "decided", "Decided"


S = ContactState

# A manager may decide from any open state: immediate protection cannot wait for screening.
TRANSITIONS: dict[ContactState, frozenset[ContactState]] = {
    S.RECEIVED: frozenset({S.SCREENING, S.DECIDED}),
    S.SCREENING: frozenset({S.AWAITING_INFORMATION, S.READY_FOR_DECISION, S.DECIDED}),
    S.AWAITING_INFORMATION: frozenset({S.SCREENING, S.READY_FOR_DECISION, S.DECIDED}),
    S.READY_FOR_DECISION: frozenset({S.AWAITING_INFORMATION, S.SCREENING, S.DECIDED}),
    S.DECIDED: frozenset(),
}


class InvalidTransition(Exception):
    def __init__(self, current: ContactState, target: ContactState):
        self.current, self.target = current, target
        super().__init__(f"This contact is {current.label.lower()}; it cannot move to "
                         f"'{target.label.lower()}' from there")


def can_move(current: ContactState | str, target: ContactState | str) -> bool:
    return ContactState(target) in TRANSITIONS[ContactState(current)]


def check_move(current: ContactState | str, target: ContactState | str) -> ContactState:
    current, target = ContactState(current), ContactState(target)
    if current == target and current is not S.DECIDED:
        return target  # asking for the state it is already in is harmless
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(current, target)
    return target


# Who takes the steps. Police notification feeds post contacts through the API, so partners may
# record contacts, though they never see the queue or a contact they were not asked about.
STAFF = (Role.ERA, Role.PRACTITIONER, Role.MANAGER)
SCREENERS = (Role.PRACTITIONER, Role.MANAGER)
DECIDERS = (Role.MANAGER,)
INTAKE = STAFF + (Role.PARTNER,)


# The steps a contact page or API offers in each state: what the table above allows from there,
# named as the steps are (each posts to /contacts/<id>/<step>). Screening starts only from
# received; an outcome is recommended once screening has begun (partners are asked once it is
# rated, which begins screening: until then the page says why not); once decided, only telling
# the referrer is left.
OPEN_STEPS = frozenset({"rag", "consent", "information-requests", "put-forward", "recommendation", "decision",
                        "acknowledgement"})
STEPS: dict[ContactState, frozenset[str]] = {
    S.RECEIVED: frozenset({"screening", "rag", "consent", "information-requests", "put-forward", "decision",
                           "acknowledgement"}),
    S.SCREENING: OPEN_STEPS,
    S.AWAITING_INFORMATION: OPEN_STEPS,
    S.READY_FOR_DECISION: OPEN_STEPS,
    S.DECIDED: frozenset({"acknowledgement", "feedback"}),
}


def available_steps(state: ContactState | str, acknowledged: bool = False, fed_back: bool = False) -> frozenset[str]:
    """The steps valid now: the state's, less the referrer steps already done."""
    steps = set(STEPS[ContactState(state)])
    if acknowledged:
        steps.discard("acknowledgement")
    if fed_back:
        steps.discard("feedback")
    return frozenset(steps)
