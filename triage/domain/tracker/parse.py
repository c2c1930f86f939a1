"""The whole sheet: header, rows, duplicates, one child per id."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from types import MappingProxyType

from triage.domain.tracker.cells import clean_text, is_empty, name_key, parse_child_id
from triage.domain.tracker.headers import REQUIRED_FIELDS, _map_row, field_for_heading, find_header
from triage.domain.tracker.merge import _fold, _preferred_spellings
from triage.domain.tracker.rows import (
    Merge,
    Rejection,
    RowWarning,
    TrackerParse,
    TrackerRow,
    _review_kinds,
    _RowParser,
)

# --------------------------------------------------------------------------------------------
# Parsing the rows

_FOOTER_LABEL = re.compile(
    r"(grand\s+)?totals?\b|count\b|number of\b|end of\b|last updated\b|updated\b|key\b", re.I
)

def _is_blank(row: Sequence[object]) -> bool:
    return all(clean_text(cell) is None for cell in row)


def _first_text(row: Sequence[object]) -> str | None:
    return next((t for t in map(clean_text, row) if t is not None), None)



def parse_tracker(rows: Sequence[Sequence[object]], today: date) -> TrackerParse:
    """Read every data row below the header into a `TrackerRow`, a `Merge` or a `Rejection`.

    Blank rows, repeated header rows and footer rows (a "Total"-like label, or anything after
    the last row with a child id or referral date that has no name either) are counted and
    otherwise skipped. Raises `HeaderNotFound`.
    """
    if isinstance(today, datetime) or not isinstance(today, date):
        raise TypeError("today must be a date (the London civil date), not a datetime")
    header_index, columns = find_header(rows)
    header = rows[header_index]
    headings = {name: clean_text(header[index]) or name for name, index in columns.items()}
    used = set(columns.values())
    ignored = tuple(t for i, cell in enumerate(header)
                    if i not in used and (t := clean_text(cell)) is not None)
    parser = _RowParser(columns, headings, today)

    body = list(enumerate(rows))[header_index + 1:]
    key_columns = [columns[name] for name in REQUIRED_FIELDS]
    last_data = max(
        (i for i, row in body
         if any(i2 < len(row) and clean_text(row[i2]) is not None for i2 in key_columns)),
        default=header_index,
    )

    blank = footer = repeated = 0
    parsed: list[TrackerRow] = []
    rejections: list[Rejection] = []
    copies: list[Merge] = []  # copies of rejected rows
    rejected_by_content: dict[tuple[str | None, ...], int] = {}
    mapped = sorted(columns.values())
    for index, row in body:
        row_number = index + 1
        if _is_blank(row):
            blank += 1
            continue
        if field_for_heading(parser.cell(row, "child_id")) == "child_id" and _map_row(row) == columns:
            repeated += 1
            continue
        first = _first_text(row) or ""
        child_id, _ = parse_child_id(parser.cell(row, "child_id"))
        no_referral_date = is_empty(parser.cell(row, "referral_date"))
        if child_id is None and (_FOOTER_LABEL.match(first) and no_referral_date
                                 or index > last_data and is_empty(parser.cell(row, "child_name"))):
            footer += 1
            continue
        result = parser.parse(row_number, row)
        if isinstance(result, TrackerRow):
            parsed.append(result)
            continue
        content = tuple(name_key(clean_text(row[i])) if i < len(row) else None for i in mapped)
        if content in rejected_by_content:
            copies.append(Merge(row_number, rejected_by_content[content], duplicate=True,
                                into_rejected=True))
        else:
            rejected_by_content[content] = row_number
            rejections.append(result)

    # One referral per child and referral date.
    groups: dict[str, list[TrackerRow]] = {}
    for row in parsed:
        groups.setdefault(row.import_key, []).append(row)
    kept: list[TrackerRow] = []
    merges: list[Merge] = copies
    for group in groups.values():
        folded, group_merges = _fold(group)
        kept.append(folded)
        merges.extend(group_merges)

    # One child id, one child: a referral whose name or date of birth differs from the first
    # row with that id is still imported for the child the id names, with a warning to check.
    by_child: dict[str, list[TrackerRow]] = {}
    for row in sorted(kept, key=lambda r: r.row_number):
        if row.child_id is not None:
            by_child.setdefault(row.child_id, []).append(row)
    flagged: dict[int, TrackerRow] = {}
    for child_id, child_rows in by_child.items():
        first = child_rows[0]
        for r in child_rows[1:]:
            differs = [what for what, a, b in (
                ("name", name_key(first.child_name), name_key(r.child_name)),
                ("date of birth", first.date_of_birth, r.date_of_birth),
                ("expected date of birth", first.expected_date_of_birth, r.expected_date_of_birth),
            ) if a is not None and b is not None and a != b]
            if differs:
                flagged[r.row_number] = replace(r, warnings=r.warnings + (
                    f"Child id {child_id} is given in row {first.row_number} to a child with a "
                    f"different {' and '.join(differs)}: imported for the child that id names; "
                    "check which child this referral belongs to",),
                    review=_review_kinds((*r.review, "child_details"), ()))
    kept = [flagged.get(r.row_number, r) for r in kept]
    kept.sort(key=lambda r: r.row_number)
    rejections.sort(key=lambda r: r.row_number)
    merges.sort(key=lambda m: m.row_number)

    # Warnings of rows that write something (kept or merged); a rejected row's are moot.
    final = {r.row_number: r for r in kept}
    warnings = [RowWarning(r.row_number, w) for r in parsed
                for w in final.get(r.row_number, r).warnings]
    return TrackerParse(
        header_row=header_index + 1,
        columns=MappingProxyType(dict(columns)),
        headings=MappingProxyType(headings),
        ignored_columns=ignored,
        rows=tuple(kept),
        rejections=tuple(rejections),
        merges=tuple(merges),
        warnings=tuple(warnings),
        blank_rows=blank,
        footer_rows=footer,
        repeated_headers=repeated,
        teams=MappingProxyType(_preferred_spellings((r.team_key, r.team) for r in kept if r.team)),
        workers=MappingProxyType(_preferred_spellings((r.worker_key, r.worker) for r in kept if r.worker)),
    )
