"""Rows for one referral folded into one; the spellings of teams and workers to show."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from triage.domain.tracker.cells import _shown, format_date, name_key
from triage.domain.tracker.rows import Merge, TrackerRow, _review_kinds

# Fields compared when deciding whether two rows for one referral agree. For each, the value
# compared (keys for free text) and the fields it carries over when filling a blank.
_COMPARED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("child_name_key", ("child_name", "first_name", "last_name")),
    ("date_of_birth", ("date_of_birth",)),
    ("expected_date_of_birth", ("expected_date_of_birth", "unborn")),
    ("source_code", ("source_code", "source_text")),
    ("worker_key", ("worker", "worker_key")),
    ("team_key", ("team", "team_key")),
    ("case_discussion_date", ("case_discussion_date",)),
    ("assessment_start", ("assessment_start",)),
    ("assessment_target_end", ("assessment_target_end",)),
    ("assessment_completed", ("assessment_completed",)),
    ("outcome_reading", ("outcome", "closure_reason", "outcome_text")),
    ("sex", ("sex",)),
    ("ethnicity", ("ethnicity",)),
    ("disabilities", ("disabilities",)),
    ("upn", ("upn",)),
    ("upn_unknown_reason", ("upn_unknown_reason",)),
    ("primary_need", ("primary_need",)),
    ("census_closure_reason", ("census_closure_reason",)),
)


def _compared_value(row: TrackerRow, name: str) -> object:
    if name == "child_name_key":
        return name_key(row.child_name)
    if name == "outcome_reading":
        if row.outcome is None and row.closure_reason is None:
            return None
        return (row.outcome, row.closure_reason)
    return getattr(row, name)


def _describe(row: TrackerRow, name: str) -> str:
    if name == "child_name_key":
        return row.child_name or ""
    if name == "outcome_reading":
        return row.outcome_text or ""
    if name in ("worker_key", "team_key"):
        return getattr(row, name.removesuffix("_key")) or ""
    if name == "source_code":
        return row.source_text or ""
    value = getattr(row, name)
    return format_date(value) if isinstance(value, date) else str(value)


_COMPARED_FIELD = {
    "child_name_key": "child_name", "worker_key": "worker", "team_key": "team",
    "outcome_reading": "outcome",
}
_COMPARED_LABEL = {
    "child_name_key": "child's name", "date_of_birth": "date of birth",
    "expected_date_of_birth": "expected date of birth", "source_code": "source",
    "worker_key": "worker", "team_key": "team", "case_discussion_date": "case discussion date",
    "assessment_start": "assessment start", "assessment_target_end": "assessment target end",
    "assessment_completed": "assessment completed", "outcome_reading": "outcome",
    "sex": "sex", "ethnicity": "ethnicity", "disabilities": "disability", "upn": "UPN",
    "upn_unknown_reason": "UPN unknown reason", "primary_need": "primary need",
    "census_closure_reason": "closure reason",
}



def _preferred_spellings(spellings: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> the spelling to show: the most used one written in mixed case (not all capitals
    or all lower case), earliest first on a tie; failing that, the first one in title case."""
    by_key: dict[str, Counter[str]] = {}
    for key, spelling in spellings:
        by_key.setdefault(key, Counter())[spelling] += 1
    preferred = {}
    for key, counts in by_key.items():
        mixed = [(n, s) for s, n in counts.items() if not (s.isupper() or s.islower())]
        if mixed:
            best = max(mixed, key=lambda item: item[0])  # max keeps the first of equals
            preferred[key] = best[1]
        else:
            preferred[key] = next(iter(counts)).title()
    return preferred


def _join_notes(a: str | None, b: str | None) -> str | None:
    if not a or not b or name_key(a) == name_key(b):
        return a or b
    return f"{a} | {b}"


def _fold(rows: list[TrackerRow]) -> tuple[TrackerRow, list[Merge]]:
    """Fold rows for one child and referral date (in spreadsheet order) into the first.

    A later row fills the first row's blanks. Where it gives a different value, the first
    row's value is kept (nobody can tell which is right, and the first is what the tracker
    showed first), the difference becomes a warning on the kept row and the referral goes on
    the review list: it is still one real referral, so it is imported, never rejected.
    """
    base = rows[0]
    merges: list[Merge] = []
    seen: list[TrackerRow] = [base]
    disagreements: list[str] = []
    for later in rows[1:]:
        duplicate_of = next((r for r in seen if _same(r, later)), None)
        if duplicate_of is not None:
            merges.append(Merge(later.row_number, duplicate_of.row_number, duplicate=True))
            continue
        seen.append(later)
        filled: list[str] = []
        disagreed: list[str] = []
        changes: dict[str, object] = {}
        for compared, carried in _COMPARED:
            mine, theirs = _compared_value(base, compared), _compared_value(later, compared)
            if theirs is None or mine == theirs:
                continue
            if mine is None:
                filled.append(compared)
                changes.update({name: getattr(later, name) for name in carried})
                continue
            disagreed.append(_COMPARED_LABEL[compared])
            disagreements.append(
                f"Row {later.row_number} is for the same child and referral date but gives a "
                f'different {_COMPARED_LABEL[compared]} ("{_shown(_describe(later, compared))}" '
                f'there, "{_shown(_describe(base, compared))}" here): this row\'s value was '
                "imported; check which is right")
        notes = _join_notes(base.notes, later.notes)
        if notes != base.notes:
            changes["notes"] = notes
            if base.notes is None:
                filled.append("notes")
        merges.append(Merge(later.row_number, base.row_number, duplicate=False,
                            filled=tuple(_COMPARED_FIELD.get(f, f) for f in filled),
                            disagreed=tuple(disagreed)))
        base = replace(base, **changes)
    review = set(base.review)
    if disagreements:
        base = replace(base, warnings=base.warnings + tuple(disagreements))
        review.add("rows_disagree")
    if base.needs_outcome:
        review.add("outcome_needed")
    else:  # a later row may have supplied the outcome
        review.discard("outcome_needed")
    base = replace(base, review=_review_kinds(review - {"other"}, base.warnings))
    folded = replace(base, merged_rows=tuple(m.row_number for m in merges))
    return folded, merges


def _same(a: TrackerRow, b: TrackerRow) -> bool:
    """Identical after normalising: every compared value and the notes agree."""
    return (all(_compared_value(a, name) == _compared_value(b, name) for name, _ in _COMPARED)
            and name_key(a.notes) == name_key(b.notes))
