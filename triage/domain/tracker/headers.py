"""The header row: which column is which field."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from triage.domain.tracker.cells import HeaderNotFound, clean_text


def _heading_key(text: str) -> str:
    """'Referral Date (dd/mm/yyyy)' -> 'referraldate'; 'D.O.B' -> 'dob'; '14+' stays '14+'."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text.casefold())
    text = text.replace("&", "and").replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9+]", "", text)



# --------------------------------------------------------------------------------------------
# The header row

FIELDS = (
    "child_id", "child_name", "first_name", "last_name", "date_of_birth", "referral_date",
    "source", "worker", "team", "case_discussion_date", "assessment_start",
    "assessment_target_end", "assessment_completed", "outcome", "notes",
    # The census details an old tracker may keep (domain/tracker/census.py reads them).
    "sex", "ethnicity", "disabilities", "upn", "primary_need", "census_closure_reason",
)
REQUIRED_FIELDS = ("child_id", "referral_date")
HEADER_SEARCH_ROWS = 50

_ALIASES: dict[str, tuple[str, ...]] = {
    "child_id": (
        "ics id", "ics no", "ics number", "ics ref", "ics", "lcs id", "lcs no", "lcs number", "lcs",
        "mosaic id", "mosaic no", "mosaic number", "mosaic", "eclipse id", "liquidlogic id",
        "carefirst id", "child id", "child no", "child number", "child ref", "child reference",
        "childs id", "person id", "client id", "id", "id no", "id number",
    ),
    "child_name": (
        "child name", "childs name", "name of child", "child", "name", "full name",
        "child full name", "young person", "young persons name", "yp name",
    ),
    "first_name": ("first name", "forename", "forenames", "given name", "child first name"),
    "last_name": ("last name", "surname", "family name", "child surname", "child last name"),
    "date_of_birth": (
        "dob", "date of birth", "birth date", "child dob", "dob edd", "dob or edd", "dob/edd",
    ),
    "referral_date": (
        "referral date", "date of referral", "referral received", "date referral received",
        "referral received date", "date referred", "referred", "ref date", "referral",
    ),
    "source": (
        "source", "referral source", "source of referral", "referrer", "referred by",
        "referrer agency", "referring agency", "agency",
    ),
    "worker": (
        "allocated worker", "social worker", "sw", "allocated sw", "allocated social worker",
        "allocated to", "worker", "practitioner", "allocated practitioner",
    ),
    "team": ("team", "allocated team", "team name"),
    "case_discussion_date": (
        "case discussion date", "case discussion", "date of case discussion", "cd date", "cd",
        "case discussion planned", "case discussion due",
    ),
    "assessment_start": (
        "assessment target start", "assessment start", "assessment start date", "start date",
        "target start", "target start date", "date assessment started", "started",
    ),
    "assessment_target_end": (
        "assessment target end", "assessment target end date", "target end", "target end date",
        "assessment end", "assessment due", "assessment due date", "due date", "target date",
        "end date",
    ),
    "assessment_completed": (
        "assessment completed", "assessment completed date", "completed", "date completed",
        "completed date", "completion date", "authorised", "date authorised", "authorised date",
        "assessment authorised", "date assessment authorised",
    ),
    "outcome": ("outcome", "assessment outcome", "outcome of assessment", "result"),
    "notes": ("notes", "note", "comments", "comment", "notes comments", "remarks"),
    "sex": ("sex", "gender", "child sex", "child gender", "childs gender", "legal sex", "gender current"),
    "ethnicity": ("ethnicity", "ethnic origin", "ethnic group", "ethnicity code", "child ethnicity"),
    "disabilities": ("disability", "disabilities", "disability code", "disability codes", "disabled"),
    "upn": ("upn", "unique pupil number", "pupil number", "upn or reason", "upn unknown"),
    "primary_need": ("primary need", "primary need code", "category of need", "need code", "cin category",
                     "main need"),
    "census_closure_reason": ("closure reason", "reason for closure", "case closure reason", "closure code",
                              "reason closed"),
}
_HEADING_TO_FIELD: Mapping[str, str] = MappingProxyType({
    _heading_key(alias): name for name, aliases in _ALIASES.items() for alias in aliases
})
_FIELD_LABELS = {
    "child_id": "child id (e.g. 'ICS ID', 'Child ID')",
    "referral_date": "referral date ('Referral Date')",
}


def field_for_heading(heading: object) -> str | None:
    """The canonical field a column heading stands for, or None if it is not one we know."""
    text = clean_text(heading)
    if text is None:
        return None
    return _HEADING_TO_FIELD.get(_heading_key(text))


def _map_row(row: Sequence[object]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, cell in enumerate(row):
        name = field_for_heading(cell) if isinstance(cell, str) else None
        if name is not None and name not in mapping:  # the first column of a name wins
            mapping[name] = index
    return mapping


def find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]]:
    """(index of the header row in `rows`, {field: column index}) for the tracker's header.

    Title rows and blank rows above the header are passed over. The header is the first of
    the first 50 rows with both a child id and a referral date column; if there is none, a
    `HeaderNotFound` says which of the two the nearest candidate lacks.
    """
    best: tuple[int, int, dict[str, int]] | None = None  # (recognised, index, mapping)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = _map_row(row)
        if all(name in mapping for name in REQUIRED_FIELDS):
            return index, mapping
        if mapping and (best is None or len(mapping) > best[0]):
            best = (len(mapping), index, mapping)
    if best is None:
        raise HeaderNotFound(
            f"No header row found in the first {HEADER_SEARCH_ROWS} rows: the tracker needs a "
            "row of column names including a child id (e.g. 'ICS ID', 'Child ID') and a "
            "'Referral Date'."
        )
    _, index, mapping = best
    missing = [_FIELD_LABELS[name] for name in REQUIRED_FIELDS if name not in mapping]
    found = ", ".join(f"'{clean_text(rows[index][i])}'" for i in sorted(mapping.values()))
    raise HeaderNotFound(
        f"No header row found: row {index + 1} looks like one ({found}) but has no "
        f"{' and no '.join(missing)} column."
    )
