"""Code lists and the rules that go with them."""
from __future__ import annotations

import pytest

from triage.domain.codes import (
    AgencyKind,
    AssessmentFactor,
    ClosureReason,
    Consent,
    ContactChannel,
    DashRisk,
    DecisionOutcome,
    PrimaryNeed,
    Rag,
    ReferralSource,
    assessment_factors_problem,
    outcome_creates_referral,
)
from triage.domain.roles import Role

ALL_LISTS = [
    AgencyKind, AssessmentFactor, ClosureReason, Consent, ContactChannel, DashRisk,
    DecisionOutcome, PrimaryNeed, Rag, ReferralSource, Role,
]


def test_referral_sources_are_the_cin_census_codes_in_order():
    assert [s.value for s in ReferralSource] == [
        "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F",
        "4", "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
    ]


def test_primary_needs_run_n0_to_n9():
    assert [n.value for n in PrimaryNeed] == [f"N{i}" for i in range(10)]


def test_closure_reasons_run_rc1_to_rc9():
    assert [r.value for r in ClosureReason] == [f"RC{i}" for i in range(1, 10)]


def test_assessment_factors_are_the_census_list_with_private_fostering_expanded():
    expected = (
        [f"{n}{s}" for n in range(1, 7) for s in "ABC"]
        + ["7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A", "14A",
           "15A", "16A", "17A", "18B", "18C", "19B", "19C", "20", "21", "22A", "23A", "24A"]
    )
    assert [f.value for f in AssessmentFactor] == expected


@pytest.mark.parametrize("codes", ALL_LISTS, ids=lambda c: c.__name__)
def test_every_code_has_a_distinct_plain_english_label(codes):
    labels = [member.label for member in codes]
    assert all(label and label[0].isupper() for label in labels)
    assert len(set(labels)) == len(labels)
    assert codes.choices() == [(m.value, m.label) for m in codes]


def test_members_compare_and_look_up_as_their_stored_value():
    assert ReferralSource("6") is ReferralSource.POLICE
    assert Rag.RED == "red"
    assert f"{Role.MANAGER}" == "manager"
    assert Role.ERA.label == "Enquiry and referral administrator"


def test_agency_kinds_cover_the_front_door_partners():
    assert {a.value for a in AgencyKind} == {
        "police", "health", "education", "early_help", "childrens_social_care",
        "adult_social_care", "probation", "housing", "other",
    }


@pytest.mark.parametrize(
    "outcome, creates",
    [
        (DecisionOutcome.NO_FURTHER_ACTION, False),
        (DecisionOutcome.INFORMATION_ADVICE, False),
        (DecisionOutcome.EARLY_HELP, False),
        (DecisionOutcome.ASSESSMENT, True),
        (DecisionOutcome.STRATEGY_S47, True),
        (DecisionOutcome.IMMEDIATE_PROTECTION, True),
        (DecisionOutcome.TRANSFER, False),
    ],
)
def test_only_social_care_outcomes_turn_a_contact_into_a_referral(outcome, creates):
    assert outcome_creates_referral(outcome) is creates
    assert outcome_creates_referral(outcome.value) is creates


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        outcome_creates_referral("maybe")


# --- assessment factors --------------------------------------------------------------------

def test_factor_21_alone_with_no_further_action_is_accepted():
    assert assessment_factors_problem(["21"], outcome_is_nfa=True) is None


def test_factor_21_with_any_outcome_other_than_no_further_action_is_refused():
    problem = assessment_factors_problem(["21"], outcome_is_nfa=False)
    assert problem is not None and "no further action" in problem


def test_factor_21_alongside_other_factors_is_refused():
    problem = assessment_factors_problem(["21", "3B"], outcome_is_nfa=True)
    assert problem is not None and "other factors" in problem


def test_ordinary_factors_are_accepted_with_or_without_no_further_action():
    assert assessment_factors_problem(["3A", "4B", "8D"], outcome_is_nfa=False) is None
    assert assessment_factors_problem([AssessmentFactor.NEGLECT], outcome_is_nfa=True) is None


def test_no_factors_at_all_is_refused():
    assert assessment_factors_problem([], outcome_is_nfa=True) is not None


def test_unknown_and_repeated_factors_are_refused():
    assert "8A" in assessment_factors_problem(["8A"], outcome_is_nfa=False)
    assert assessment_factors_problem(["3A", "3a"], outcome_is_nfa=False) is not None
