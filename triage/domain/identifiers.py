"""Checks for the national identifiers a child may carry: NHS number and Unique Pupil Number.

A wrong digit here links one child's record to another child's history, so forms check the
check digit/letter as the number is typed. The `*_problem` functions return the message a
form shows (None when the value is fine); the `*_is_valid` functions are their yes/no form.
"""
from __future__ import annotations

import re

_NHS_SEPARATORS = re.compile(r"[\s-]")

# UPN check letters and temporary-UPN final letters: A-Z without I, O and S, valued 0..22.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def normalise_nhs_number(s: str) -> str:
    """Drop the spaces and hyphens people type ('943 476 5919' -> '9434765919')."""
    return _NHS_SEPARATORS.sub("", s or "")


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 with weights 10..2; None where the result is 10 (no valid number exists)."""
    total = sum(int(ch) * weight for ch, weight in zip(first_nine, range(10, 1, -1), strict=False))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number_problem(s: str) -> str | None:
    number = normalise_nhs_number(s)
    if not number:
        return "Enter the NHS number"
    # isascii: str.isdigit() also accepts digits from other scripts, which int() would read.
    if len(number) != 10 or not (number.isascii() and number.isdigit()):
        return "NHS number must be 10 digits"
    check = nhs_check_digit(number[:9])
    if check is None or check != int(number[9]):
        return "NHS number check digit does not match: check it has been copied correctly"
    return None


def nhs_number_is_valid(s: str) -> bool:
    return nhs_number_problem(s) is None


def normalise_upn(s: str) -> str:
    """Upper case with spaces removed."""
    return re.sub(r"\s", "", s or "").upper()


def upn_check_letter(last_twelve: str) -> str:
    """DfE check letter: characters 2..13 weighted by their position (2..13), summed, mod 23.

    A letter in position 13 (a temporary UPN) counts as its index in UPN_LETTERS.
    """
    total = 0
    for position, ch in enumerate(last_twelve, start=2):
        value = int(ch) if ch.isdigit() else UPN_LETTERS.index(ch)
        total += value * position
    return UPN_LETTERS[total % 23]


_UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]", re.ASCII)


def upn_problem(s: str) -> str | None:
    upn = normalise_upn(s)
    if not upn:
        return "Enter the UPN"
    if len(upn) != 13:
        return "UPN must be 13 characters"
    if not _UPN_SHAPE.fullmatch(upn):
        return "UPN must be a letter, then 11 digits, then a digit or a letter"
    if upn[0] not in UPN_LETTERS or upn[12] not in UPN_LETTERS + "0123456789":
        return "UPN cannot use the letters I, O or S"
    if upn_check_letter(upn[1:]) != upn[0]:
        return "UPN check letter does not match: check it has been copied correctly"
    return None


def upn_is_valid(s: str) -> bool:
    return upn_problem(s) is None
