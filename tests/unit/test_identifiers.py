"""NHS numbers and Unique Pupil Numbers."""
from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.identifiers import (
    nhs_number_is_valid,
    nhs_number_problem,
    normalise_nhs_number,
    normalise_upn,
    upn_is_valid,
    upn_problem,
)

PROPERTY = settings(database=None, deadline=None, max_examples=500)
digits = st.text(alphabet="0123456789", min_size=10, max_size=10)


def reference_nhs_valid(number: str) -> bool:
    # Written differently from the code on purpose: weighting all ten digits 10..1, a valid
    # number's total is a multiple of 11 (the check digit is what makes it so).
    return sum(int(d) * w for d, w in zip(number, range(10, 0, -1), strict=False)) % 11 == 0


# --- NHS number ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "number", ["9434765919", "4010232137", "943 476 5919", "943-476-5919", " 4010232137 "]
)
def test_published_example_nhs_numbers_are_valid(number):
    assert nhs_number_is_valid(number)
    assert nhs_number_problem(number) is None


def test_nhs_numbers_are_normalised_by_dropping_spaces_and_hyphens():
    assert normalise_nhs_number("943 476-5919") == "9434765919"


@pytest.mark.parametrize("number", ["", "12345", "94347659190", "94347659l9", "٩٤٣٤٧٦٥٩١٩"])
def test_nhs_numbers_that_are_not_ten_digits_say_so(number):
    assert not nhs_number_is_valid(number)
    assert nhs_number_problem(number) in {"NHS number must be 10 digits", "Enter the NHS number"}


def test_a_wrong_nhs_check_digit_says_so():
    assert nhs_number_problem("9434765918").startswith("NHS number check digit does not match")


@PROPERTY
@given(digits)
def test_nhs_number_validity_matches_the_modulus_11_reference(number):
    assert nhs_number_is_valid(number) == reference_nhs_valid(number)


@pytest.mark.parametrize("valid", ["9434765919", "4010232137"])
def test_every_single_digit_typo_in_a_valid_nhs_number_is_caught(valid):
    for i in range(10):
        for typo in "0123456789":
            if typo != valid[i]:
                assert not nhs_number_is_valid(valid[:i] + typo + valid[i + 1:])


@pytest.mark.parametrize("valid", ["9434765919", "4010232137"])
def test_every_adjacent_swap_in_a_valid_nhs_number_is_caught(valid):
    for i in range(9):
        swapped = valid[:i] + valid[i + 1] + valid[i] + valid[i + 2:]
        if swapped != valid:
            assert not nhs_number_is_valid(swapped)


# --- UPN -----------------------------------------------------------------------------------

# DfE "Unique Pupil Numbers" guidance / Government Data Standards Catalogue: check letter is
# the sum of characters 2-13 times their position, mod 23, read as A=0 .. Z=22 skipping I, O, S.
REFERENCE_LETTERS = [c for c in string.ascii_uppercase if c not in "IOS"]


def reference_check_letter(tail: str) -> str:
    total = 0
    for position in range(2, 14):
        ch = tail[position - 2]
        total += position * (int(ch) if ch in string.digits else REFERENCE_LETTERS.index(ch))
    return REFERENCE_LETTERS[total % 23]


@pytest.mark.parametrize(
    "upn",
    [
        "H801200001001",  # example in the DfE UPN guidance
        "G80120000101A",  # temporary UPN example in the same guidance
        "B801200005001",  # example in python-stdnum's gb.upn documentation
        "h801 2000 0100 1",
    ],
)
def test_published_example_upns_are_valid(upn):
    assert upn_is_valid(upn)
    assert upn_problem(upn) is None


def test_upns_are_normalised_to_upper_case_without_spaces():
    assert normalise_upn(" g801 2000 0101a ") == "G80120000101A"


@pytest.mark.parametrize("upn", ["Z801200001001", "A801200005001", "H80120000101A"])
def test_a_wrong_upn_check_letter_says_so(upn):
    assert not upn_is_valid(upn)
    assert upn_problem(upn).startswith("UPN check letter does not match")


@pytest.mark.parametrize(
    "upn, message",
    [
        ("", "Enter the UPN"),
        ("H80120000100", "UPN must be 13 characters"),
        ("H8012000010011", "UPN must be 13 characters"),
        ("H80120000A001", "UPN must be a letter, then 11 digits, then a digit or a letter"),
        ("1801200001001", "UPN must be a letter, then 11 digits, then a digit or a letter"),
        ("I801200001001", "UPN cannot use the letters I, O or S"),
        ("G80120000101O", "UPN cannot use the letters I, O or S"),
    ],
)
def test_malformed_upns_explain_what_is_wrong(upn, message):
    assert upn_problem(upn) == message
    assert not upn_is_valid(upn)


upn_tails = st.builds(
    lambda body, last: body + last,
    st.text(alphabet=string.digits, min_size=11, max_size=11),
    st.sampled_from(list(string.digits) + REFERENCE_LETTERS),
)


@PROPERTY
@given(upn_tails)
def test_a_upn_is_valid_exactly_when_it_starts_with_the_reference_check_letter(tail):
    right = reference_check_letter(tail)
    assert upn_is_valid(right + tail)
    for wrong in REFERENCE_LETTERS:
        if wrong != right:
            assert not upn_is_valid(wrong + tail)
