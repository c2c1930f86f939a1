"""The census details an old tracker may carry: sex, ethnicity, disability, UPN, primary need
and closure reason, each read against its DfE code list.

The import's rule holds here too: import what is real, question what is doubtful. A value
that is not on its list is left out with a warning for the row (never a rejection): the
referral is real whatever its ethnicity column says. Codes and their labels are both read,
in any case ("wbri", "White: British", "N1 - Abuse or neglect", "RC8").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from triage.domain.codes import (
    ClosureReason,
    Disability,
    PrimaryNeed,
    UpnUnknown,
    disabilities_problem,
    ethnicity_code,
)
from triage.domain.identifiers import normalise_upn, upn_problem
from triage.domain.tracker.cells import _shown, _value_text, clean_text

CENSUS_FIELDS = ("sex", "ethnicity", "disabilities", "upn", "primary_need", "census_closure_reason")

_SEX_WORDS = {
    "m": "male", "male": "male", "boy": "male", "man": "male",
    "f": "female", "female": "female", "girl": "female", "woman": "female",
    "u": "unknown", "unknown": "unknown", "not known": "unknown", "unborn": "unknown",
    "not stated": "not_stated", "not recorded": "not_stated", "prefer not to say": "not_stated",
    "not stated/recorded": "not_stated",
}
_NO_DISABILITY = {"none", "no", "n", "nil", "no disability", "nd"}
_CODE_AT_START = re.compile(r"([A-Z]{1,4}\d{0,2}[A-Z]?)\b(?:\s*[-:–]\s*.*)?$")


@dataclass(frozen=True)
class CensusReading:
    sex: str | None = None  # the child record's words: male / female / unknown / not_stated
    ethnicity: str | None = None
    disabilities: str | None = None  # comma separated codes, or NONE
    upn: str | None = None
    upn_unknown_reason: str | None = None
    primary_need: str | None = None
    census_closure_reason: str | None = None


def _labelled(enum, text: str) -> str | None:
    """A code of `enum` from its code or label, or from "CODE - label"."""
    upper = text.upper()
    for member in enum:
        if upper in (member.value.upper(), member.label.upper()):
            return member.value
    match = _CODE_AT_START.match(upper)
    if match and match.group(1) in enum._value2member_map_:
        return match.group(1)
    return None


def read_sex(value: object) -> tuple[str | None, str | None]:
    text = _value_text(value)
    if text is None:
        return None, None
    sex = _SEX_WORDS.get(" ".join(text.casefold().replace(")", " ").split()).removeprefix("a ")
                         .removeprefix("b ").removeprefix("c "))
    if sex is None:
        return None, f'Sex "{_shown(text)}" is not M, F or U (male, female, unknown); left out'
    return sex, None


def read_ethnicity(value: object) -> tuple[str | None, str | None]:
    text = _value_text(value)
    if text is None:
        return None, None
    code = ethnicity_code(text) or _labelled_ethnicity(text)
    if code is None:
        return None, f'Ethnicity "{_shown(text)}" is not one of the DfE codes (WBRI ... NOBT); left out'
    return code, None


def _labelled_ethnicity(text: str) -> str | None:
    match = _CODE_AT_START.match(text.upper())
    return ethnicity_code(match.group(1)) if match else None


def read_disabilities(value: object) -> tuple[str | None, str | None]:
    text = clean_text(value)  # not _value_text: "None" here is a code (no disability), not a blank
    if text is not None and text.casefold() in _NO_DISABILITY:
        return Disability.NONE.value, None
    text = _value_text(value)
    if text is None:
        return None, None
    if text.casefold() in _NO_DISABILITY:
        return Disability.NONE.value, None
    parts = [p.strip() for p in re.split(r"[,;/+]|\s+and\s+", text) if p.strip()]
    if not all(_labelled(Disability, p) for p in parts):  # "MOB HAND": codes between spaces
        parts = [p for p in re.split(r"[,;/+]|\s+and\s+|\s+", text) if p]
    codes = [_labelled(Disability, p) or p.upper() for p in parts]
    problem = disabilities_problem(codes)
    if problem:
        return None, f'Disability "{_shown(text)}": {problem} (NONE, MOB, HAND ... DDA); left out'
    return ",".join(codes), None


def read_upn(value: object) -> tuple[str | None, str | None, str | None]:
    """(UPN, UPN-unknown reason, warning): a UPN column may hold the reason (UN1-UN7) instead."""
    text = _value_text(value)
    if text is None:
        return None, None, None
    reason = _labelled(UpnUnknown, text)
    if reason is not None:
        return None, reason, None
    problem = upn_problem(text)
    if problem:
        return None, None, f'UPN "{_shown(text)}": {problem}; left out'
    return normalise_upn(text), None, None


def read_primary_need(value: object) -> tuple[str | None, str | None]:
    text = _value_text(value)
    if text is None:
        return None, None
    code = _labelled(PrimaryNeed, text)
    if code is None:
        return None, f'Primary need "{_shown(text)}" is not one of N0-N9; left out'
    return code, None


def read_closure_reason(value: object) -> tuple[str | None, str | None]:
    text = _value_text(value)
    if text is None:
        return None, None
    code = _labelled(ClosureReason, text)
    if code is None:
        return None, f'Closure reason "{_shown(text)}" is not one of RC1-RC9; left out'
    return code, None


def read_census(cell) -> tuple[CensusReading, list[str]]:
    """Every census column of one row: `cell(field)` gives the raw cell (None when no column)."""
    warnings: list[str] = []

    def keep(pair):
        value, warning = pair
        if warning:
            warnings.append(warning)
        return value

    upn, reason, upn_warning = read_upn(cell("upn"))
    if upn_warning:
        warnings.append(upn_warning)
    return CensusReading(
        sex=keep(read_sex(cell("sex"))),
        ethnicity=keep(read_ethnicity(cell("ethnicity"))),
        disabilities=keep(read_disabilities(cell("disabilities"))),
        upn=upn, upn_unknown_reason=reason,
        primary_need=keep(read_primary_need(cell("primary_need"))),
        census_closure_reason=keep(read_closure_reason(cell("census_closure_reason"))),
    ), warnings
