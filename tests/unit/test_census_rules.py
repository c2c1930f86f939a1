"""The census's own code lists and how it folds referrals into episodes (pure, no database)."""
from __future__ import annotations

from datetime import date

from triage.domain import census
from triage.domain.codes import (
    Ethnicity,
    assessment_factors_problem,
    census_sex,
    council_child_id_problem,
    disabilities_problem,
    ethnicity_code,
)


def test_retired_factors_18a_and_19a_are_refused_with_the_codes_to_use_instead():
    problem = assessment_factors_problem(["18A"], outcome_is_nfa=False)
    assert problem and "18B/18C" in problem
    assert "19B/19C" in assessment_factors_problem(["3B", "19A"], outcome_is_nfa=False)
    assert assessment_factors_problem(["18B", "19C"], outcome_is_nfa=False) is None


def test_there_are_twenty_ethnicity_codes_and_labels_are_read_as_their_codes():
    assert len(Ethnicity) == 20
    assert ethnicity_code("White: British") == "WBRI"
    assert ethnicity_code(" wbri ") == "WBRI"
    assert ethnicity_code("White British") is None


def test_disabilities_are_known_codes_each_once_and_none_only_alone():
    assert disabilities_problem(["NONE"]) is None
    assert disabilities_problem(["AUT", "COMM"]) is None
    assert "NONE" in disabilities_problem(["NONE", "AUT"])
    assert "once" in disabilities_problem(["AUT", "AUT"])
    assert "Unknown" in disabilities_problem(["DEAF"])


def test_the_council_child_id_is_at_most_twenty_letters_and_digits():
    assert council_child_id_problem("T0000123") is None
    assert council_child_id_problem("A" * 21)
    assert council_child_id_problem("AB-12")


def test_an_unborn_child_is_sex_u_whatever_was_expected():
    assert census_sex("female", unborn=True) == "U"
    assert census_sex("female", unborn=False) == "F"
    assert census_sex("not_stated", unborn=False) == "U"


YEAR = census.CensusYear(2027)


def referral(ident, on, closed=None, reason=None, nfa=False):
    return census.Referral(ident, on, "6", "N1", nfa, closed, reason)


def test_the_census_year_runs_from_1_april_to_31_march_and_takes_the_year_it_ends_in():
    assert (YEAR.start, YEAR.end) == (date(2026, 4, 1), date(2027, 3, 31))
    assert census.census_year_for(date(2026, 4, 1)) == 2027
    assert census.census_year_for(date(2026, 3, 31)) == 2026


def test_a_referral_while_the_case_is_open_joins_its_episode_and_one_after_closure_starts_a_new_one():
    found = census.episodes([referral(1, date(2026, 5, 1), date(2026, 7, 1), "RC7"),
                             referral(2, date(2026, 6, 1), date(2026, 8, 1), "RC7"),
                             referral(3, date(2026, 9, 1))], YEAR)
    assert [(e.referral_id, e.closed_on) for e in found] == [(1, date(2026, 8, 1)), (3, None)]


def test_an_episode_closed_before_the_year_is_left_out_and_one_open_on_1_april_is_in():
    found = census.episodes([referral(1, date(2025, 5, 1), date(2026, 1, 1), "RC7"),
                             referral(2, date(2026, 2, 1))], YEAR)
    assert [e.referral_id for e in found] == [2]


def test_a_closure_after_31_march_has_not_happened_yet_for_that_census():
    found = census.episodes([referral(1, date(2027, 3, 1), date(2027, 4, 2), "RC7")], YEAR)
    assert found[0].closed_on is None and found[0].closure_reason is None


def test_an_assessment_finished_before_the_year_belongs_to_the_last_census():
    old = referral(1, date(2026, 2, 1))
    old.assessment = census.Assessment(date(2026, 2, 2), date(2026, 3, 20), ["3B"])
    assert census.episodes([old], YEAR)[0].assessments == []
    new = referral(2, date(2026, 2, 1))
    new.assessment = census.Assessment(date(2026, 2, 2), date(2026, 4, 20), ["3B"])
    assert census.episodes([new], YEAR)[0].assessments[0].authorised_on == date(2026, 4, 20)
