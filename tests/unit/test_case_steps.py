"""The steps a case may take next, from the facts of where it is."""
from triage.domain.case_steps import (
    CaseFacts,
    CaseStep,
    DiscussionFacts,
    DiscussionStep,
    discussion_steps,
    next_steps,
)

S = CaseStep
NEW = CaseFacts(closed=False, has_team=False, has_worker=False, assessment_open=True, started=False,
                child_seen=False, discussions_to_hold=True, by_manager=True)


def test_before_anyone_holds_the_case_a_manager_may_only_allocate_or_close_and_a_worker_nothing():
    assert next_steps(NEW) == {S.ALLOCATE, S.CLOSE}
    assert next_steps(CaseFacts(**{**NEW.__dict__, "by_manager": False})) == set()
    assert next_steps(CaseFacts(**{**NEW.__dict__, "has_team": True})) == {S.ALLOCATE, S.CLOSE, S.TRANSFER}


def test_allocated_the_assessment_starts_first_and_the_rest_follows_the_start():
    allocated = CaseFacts(**{**NEW.__dict__, "has_team": True, "has_worker": True})
    assert next_steps(allocated) == {S.ALLOCATE, S.TRANSFER, S.CLOSE, S.STRATEGY, S.START}
    started = CaseFacts(**{**allocated.__dict__, "started": True})
    assert next_steps(started) == {S.ALLOCATE, S.TRANSFER, S.CLOSE, S.STRATEGY, S.SEEN, S.DISCUSSION, S.AUTHORISE}
    worker = CaseFacts(**{**started.__dict__, "by_manager": False, "child_seen": True, "discussions_to_hold": False})
    assert next_steps(worker) == {S.STRATEGY}


def test_a_closed_case_takes_no_steps():
    assert next_steps(CaseFacts(**{**NEW.__dict__, "closed": True, "has_worker": True})) == set()


def test_a_strategy_discussion_asks_for_its_outcome_then_the_conference_then_the_plan():
    begun = DiscussionFacts(s47_started=True, s47_outcome=None, conference_held=False,
                            conference_not_needed=False, plan_ended=False)
    assert discussion_steps(begun) == {DiscussionStep.S47_OUTCOME, DiscussionStep.CONFERENCE}
    unfounded = DiscussionFacts(**{**begun.__dict__, "s47_outcome": "not_substantiated"})
    assert discussion_steps(unfounded) == set()
    held = DiscussionFacts(**{**begun.__dict__, "s47_outcome": "substantiated_icpc", "conference_held": True})
    assert discussion_steps(held) == {DiscussionStep.PLAN}
    assert discussion_steps(DiscussionFacts(**{**begun.__dict__, "s47_started": False})) == set()
