"""Retention rules: when a child's records fall due for erasure, across birthdays and leap years."""
from __future__ import annotations

from datetime import date

import pytest

from triage.domain.retention import (
    ChildHistory,
    RetentionRules,
    add_years,
    candidate_bounds,
    month_end,
    retention,
)

RULES = RetentionRules(contact_years=6, case_until_age=25, case_years_after_closure=6)


@pytest.mark.parametrize(("day", "years", "expected"), [
    (date(2020, 2, 29), 6, date(2026, 3, 1)),  # no 29 February in 2026: the later day
    (date(2020, 2, 29), 4, date(2024, 2, 29)),  # a leap year again: the same day
    (date(2020, 2, 29), -1, date(2019, 3, 1)),
    (date(2019, 3, 1), 1, date(2020, 3, 1)),
    (date(2019, 12, 31), 6, date(2025, 12, 31)),
    (date(2021, 2, 28), 3, date(2024, 2, 28)),
])
def test_anniversaries_keep_the_day_and_29_february_becomes_1_march(day, years, expected):
    assert add_years(day, years) == expected


def test_contacts_that_led_nowhere_fall_due_the_set_number_of_years_after_the_last_contact():
    kept = retention(ChildHistory(born=date(2015, 5, 1), last_contact=date(2019, 7, 14)), RULES)

    assert kept.due_on == date(2025, 7, 14)
    assert not kept.is_due(date(2025, 7, 13)) and kept.is_due(date(2025, 7, 14))
    assert "6 years after the last contact (14/07/2019)" in kept.reasons[0]


def test_a_case_is_kept_until_the_25th_birthday_when_that_is_later_than_six_years_after_closure():
    history = ChildHistory(born=date(2004, 2, 29), last_contact=date(2010, 1, 4), has_case=True,
                           last_closed=date(2011, 6, 30))

    kept = retention(history, RULES)

    # Born on 29 February 2004: the 25th birthday in 2029 (no 29 February) is taken as 1 March.
    assert kept.due_on == date(2029, 3, 1)
    assert "25th birthday (01/03/2029)" in kept.reasons[1]


def test_a_case_is_kept_six_years_after_closure_when_that_is_later_than_the_25th_birthday():
    history = ChildHistory(born=date(1999, 9, 9), last_contact=date(2020, 1, 2), has_case=True,
                           last_closed=date(2020, 2, 29))

    assert retention(history, RULES).due_on == date(2026, 3, 1)


def test_a_later_contact_keeps_a_closed_case_longer():
    history = ChildHistory(born=date(1990, 1, 1), last_contact=date(2021, 8, 1), has_case=True,
                           last_closed=date(2018, 8, 1))

    assert retention(history, RULES).due_on == date(2027, 8, 1)


def test_an_open_case_or_a_legal_hold_keeps_everything():
    open_case = retention(ChildHistory(born=date(1990, 1, 1), last_contact=date(2001, 1, 1), has_case=True,
                                       open_case=True), RULES)
    held = retention(ChildHistory(born=date(1990, 1, 1), last_contact=date(2001, 1, 1), on_hold=True), RULES)

    assert open_case.due_on is None and not open_case.is_due(date(2100, 1, 1))
    assert "a case is open" in open_case.reasons[-1]
    assert held.due_on is None and held.reasons[0].startswith("A legal hold")


def test_without_a_date_of_birth_a_case_falls_due_by_its_closure_alone():
    history = ChildHistory(born=None, last_contact=date(2015, 3, 3), has_case=True, last_closed=date(2016, 4, 4))

    kept = retention(history, RULES)

    assert kept.due_on == date(2022, 4, 4)
    assert "no date of birth" in kept.reasons[1]


def test_the_numbers_are_settings():
    rules = RetentionRules(contact_years=2, case_until_age=18, case_years_after_closure=10)
    history = ChildHistory(born=date(2010, 10, 10), last_contact=date(2012, 1, 1), has_case=True,
                           last_closed=date(2012, 1, 1))

    assert retention(history, rules).due_on == date(2028, 10, 10)
    assert "18th birthday" in retention(history, rules).reasons[1]
    with pytest.raises(ValueError):
        RetentionRules(contact_years=0)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2024, 2, 10), date(2024, 2, 29)), (date(2025, 2, 1), date(2025, 2, 28)),
    (date(2026, 12, 31), date(2026, 12, 31)), (date(2026, 4, 1), date(2026, 4, 30))])
def test_the_review_month_ends_on_its_last_day(day, expected):
    assert month_end(day) == expected


def test_no_child_outside_the_candidate_bounds_can_be_due_by_the_review_date():
    review_end = date(2032, 2, 29)
    contacts_by, closed_by = candidate_bounds(review_end, RULES)
    for last in (contacts_by, closed_by):
        later = date.fromordinal(last.toordinal() + 1)
        contact_only = retention(ChildHistory(born=None, last_contact=later), RULES)
        case = retention(ChildHistory(born=date(1990, 1, 1), last_contact=date(2000, 1, 1), has_case=True,
                                      last_closed=later), RULES)
        assert not contact_only.is_due(review_end) and not case.is_due(review_end)
    assert retention(ChildHistory(born=None, last_contact=date(2026, 2, 28)), RULES).is_due(review_end)
