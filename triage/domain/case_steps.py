"""Which steps a case can take next, from where it is.

The case page offers these and hides the rest, so a worker sees the next thing to do rather
than every form at once. Nothing happens on a case before someone holds it: until a worker is
allocated, a manager may only allocate, transfer or close it. The services still check each
step's own rules when it is taken.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from triage.domain.codes import S47Outcome


class CaseStep(StrEnum):
    ALLOCATE = "allocate"
    TRANSFER = "transfer"
    START = "start"
    SEEN = "seen"
    DISCUSSION = "discussion"
    AUTHORISE = "authorise"
    STRATEGY = "strategy"
    CLOSE = "close"


class DiscussionStep(StrEnum):
    S47_OUTCOME = "s47"
    CONFERENCE = "icpc"
    PLAN = "plan"


@dataclass(frozen=True)
class CaseFacts:
    closed: bool
    has_team: bool
    has_worker: bool
    assessment_open: bool  # an assessment not yet authorised
    started: bool
    child_seen: bool
    discussions_to_hold: bool  # case discussions planned and not yet held
    by_manager: bool  # the person asking is a manager


def next_steps(facts: CaseFacts) -> frozenset[CaseStep]:
    if facts.closed:
        return frozenset()
    steps: set[CaseStep] = set()
    if facts.by_manager:
        steps |= {CaseStep.ALLOCATE, CaseStep.CLOSE}
        if facts.has_team:
            steps.add(CaseStep.TRANSFER)
    if not facts.has_worker:
        return frozenset(steps)
    steps.add(CaseStep.STRATEGY)
    if facts.assessment_open and not facts.started:
        steps.add(CaseStep.START)
    elif facts.assessment_open:
        if not facts.child_seen:
            steps.add(CaseStep.SEEN)
        if facts.discussions_to_hold:
            steps.add(CaseStep.DISCUSSION)
        if facts.by_manager:
            steps.add(CaseStep.AUTHORISE)
    return frozenset(steps)


@dataclass(frozen=True)
class DiscussionFacts:
    s47_started: bool
    s47_outcome: str | None
    conference_held: bool
    conference_not_needed: bool
    plan_ended: bool


def discussion_steps(facts: DiscussionFacts) -> frozenset[DiscussionStep]:
    """What is left to record about one strategy discussion: the enquiry's outcome, the
    conference (while one is still due), and the plan the conference made."""
    steps: set[DiscussionStep] = set()
    if not facts.s47_started:
        return frozenset()
    if facts.s47_outcome is None:
        steps.add(DiscussionStep.S47_OUTCOME)
    conference_due = not (facts.conference_held or facts.conference_not_needed)
    if conference_due and facts.s47_outcome in (None, S47Outcome.SUBSTANTIATED_ICPC):
        steps.add(DiscussionStep.CONFERENCE)
    if facts.conference_held and not facts.plan_ended:
        steps.add(DiscussionStep.PLAN)
    return frozenset(steps)
