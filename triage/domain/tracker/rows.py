"""One row read: the typed results, and the parser that turns a row of cells into one."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from triage.domain.codes import AssessmentOutcome, ClosureReason, ReferralSource
from triage.domain.tracker.cells import (
    Birth,
    OutcomeReading,
    PersonName,
    UnreadableDate,
    _shown,
    _value_text,
    clean_text,
    format_date,
    import_key,
    name_key,
    parse_birth,
    parse_child_id,
    parse_child_name,
    parse_date,
    parse_outcome,
    parse_source,
    unidentified_key,
)
from triage.domain.tracker.census import CensusReading, read_census

# --------------------------------------------------------------------------------------------
# Results

@dataclass(frozen=True)
class TrackerRow:
    """One referral from the tracker, typed and checked. `row_number` is the spreadsheet's."""

    row_number: int
    import_key: str
    child_id: str | None  # None: no id in the tracker; matched to a child by name and date of birth
    referral_date: date
    child_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    unborn: bool = False
    source_code: ReferralSource | None = None
    source_text: str | None = None
    worker: str | None = None
    worker_key: str | None = None
    team: str | None = None
    team_key: str | None = None
    case_discussion_date: date | None = None
    assessment_start: date | None = None
    assessment_target_end: date | None = None
    assessment_completed: date | None = None
    outcome: AssessmentOutcome | None = None
    closure_reason: ClosureReason | None = None
    outcome_text: str | None = None
    notes: str | None = None
    # Census details, each on its DfE code list (domain/tracker/census.py); None when not given.
    sex: str | None = None  # male / female / unknown / not_stated, as the child record keeps it
    ethnicity: str | None = None
    disabilities: str | None = None
    upn: str | None = None
    upn_unknown_reason: str | None = None
    primary_need: str | None = None
    census_closure_reason: str | None = None  # RC1-RC9 from a closure reason column
    merged_rows: tuple[int, ...] = ()  # later rows folded into this one
    warnings: tuple[str, ...] = ()
    # A completion date that cannot stand (in the future, or before the referral): the case is
    # imported as open and the date kept here, as a note for the manager who reviews it.
    noted_completion: date | None = None
    # Why a manager should look at this row (REVIEW_KINDS keys); empty when nothing is doubtful.
    review: tuple[str, ...] = ()

    @property
    def needs_outcome(self) -> bool:
        """Completed, but with no outcome the service can record ("TBC", blank, unknown words)."""
        return (self.assessment_completed is not None and self.outcome is None
                and self.closure_reason is None)

    @property
    def transferred(self) -> bool:
        return self.closure_reason == ClosureReason.TRANSFERRED_TO_ANOTHER_LA


@dataclass(frozen=True)
class Rejection:
    """A row that writes nothing, and every reason why."""

    row_number: int
    reasons: tuple[str, ...]
    child_id: str | None = None


@dataclass(frozen=True)
class Merge:
    """A row folded into an earlier row for the same child and referral date."""

    row_number: int
    into_row: int
    duplicate: bool  # identical after normalising; otherwise it filled blanks
    filled: tuple[str, ...] = ()  # fields it supplied, when not a duplicate
    into_rejected: bool = False  # folded into a row that is itself rejected: writes nothing
    disagreed: tuple[str, ...] = ()  # fields it gave differently; row `into_row`'s values were kept

    @property
    def message(self) -> str:
        if self.into_rejected:
            kind = "as a duplicate of" if self.duplicate else "into"
            return f"Merged {kind} row {self.into_row}, which is rejected"
        if self.duplicate:
            return f"Merged as a duplicate of row {self.into_row}"
        added = ", ".join(_FIELD_NAMES.get(f, f) for f in self.filled)
        text = f"Merged into row {self.into_row}" + (f" (adds {added})" if added else "")
        if self.disagreed:
            text += (f"; its different {', '.join(self.disagreed)} not used (row {self.into_row}'s "
                     "kept, and on the review list)")
        return text


REVIEW_KINDS = MappingProxyType({
    "outcome_needed": "Completed with no outcome: record the outcome",
    "completion_not_used": "Completion date not used: the case is open",
    "target_end": "The tracker's target end differs from the service's due date",
    "rows_disagree": "Rows for this referral disagree",
    "child_details": "The child's details differ between rows or from the child record",
    "other": "Other warnings",
})


@dataclass(frozen=True)
class RowWarning:
    row_number: int
    message: str


@dataclass(frozen=True)
class RowStatus:
    row_number: int
    status: str  # "ok", "merged" or "rejected"
    messages: tuple[str, ...]


@dataclass(frozen=True)
class TrackerParse:
    header_row: int  # 1-based
    columns: Mapping[str, int]  # field -> 0-based column index
    headings: Mapping[str, str]  # field -> the column's heading as written
    ignored_columns: tuple[str, ...]  # headings not recognised, as written
    rows: tuple[TrackerRow, ...]
    rejections: tuple[Rejection, ...]
    merges: tuple[Merge, ...]
    warnings: tuple[RowWarning, ...]
    blank_rows: int = 0
    footer_rows: int = 0
    repeated_headers: int = 0
    teams: Mapping[str, str] = field(default_factory=dict)  # team_key -> preferred spelling
    workers: Mapping[str, str] = field(default_factory=dict)  # worker_key -> preferred spelling

    def row(self, row_number: int) -> TrackerRow | None:
        return next((r for r in self.rows if r.row_number == row_number), None)

    def rejection(self, row_number: int) -> Rejection | None:
        return next((r for r in self.rejections if r.row_number == row_number), None)

    def statuses(self) -> tuple[RowStatus, ...]:
        """Every data row that was not skipped, in spreadsheet order, with what became of it."""
        out = [RowStatus(r.row_number, "ok", r.warnings) for r in self.rows]
        out += [RowStatus(m.row_number, "merged", (m.message,)) for m in self.merges]
        out += [RowStatus(r.row_number, "rejected", r.reasons) for r in self.rejections]
        return tuple(sorted(out, key=lambda s: s.row_number))


_FIELD_NAMES = {
    "child_id": "child id", "child_name": "child's name", "first_name": "first name",
    "last_name": "last name", "date_of_birth": "date of birth",
    "expected_date_of_birth": "expected date of birth", "unborn": "unborn",
    "referral_date": "referral date", "source_code": "source", "source_text": "source",
    "worker": "worker", "worker_key": "worker", "team": "team", "team_key": "team",
    "case_discussion_date": "case discussion date", "assessment_start": "assessment start",
    "assessment_target_end": "assessment target end",
    "assessment_completed": "assessment completed", "outcome": "outcome",
    "closure_reason": "outcome", "outcome_text": "outcome", "notes": "notes",
    "sex": "sex", "ethnicity": "ethnicity", "disabilities": "disability", "upn": "UPN",
    "upn_unknown_reason": "UPN", "primary_need": "primary need", "census_closure_reason": "closure reason",
}



class _RowParser:
    def __init__(self, columns: Mapping[str, int], headings: Mapping[str, str], today: date):
        self.columns = columns
        self.headings = headings
        self.today = today

    def cell(self, row: Sequence[object], name: str) -> object:
        index = self.columns.get(name)
        if index is None or index >= len(row):
            return None
        return row[index]

    def label(self, name: str) -> str:
        return self.headings.get(name) or _FIELD_NAMES.get(name, name)

    def date(self, row, name, reasons, warnings, *, fatal: bool) -> date | None:
        try:
            return parse_date(self.cell(row, name), today=self.today)
        except UnreadableDate as exc:
            if fatal:
                reasons.append(f"{self.label(name)}: {exc}")
            else:
                warnings.append(f"{self.label(name)}: {exc}; left out")
            return None

    def parse(self, row_number: int, row: Sequence[object]) -> TrackerRow | Rejection:
        found = _Findings()
        child_id, id_problem = parse_child_id(self.cell(row, "child_id"))
        if id_problem:
            found.reasons.append(id_problem)
        dates = self._dates(row, found)
        birth = self._birth(row, found)
        name = self._name(row, found)
        source, reading = self._source_and_outcome(row, dates.completed, found)
        census = self._census(row, dates.completed, found)
        if child_id is None and not id_problem:
            self._check_matchable(row, name, birth, found)
        if found.reasons:
            return Rejection(row_number, tuple(found.reasons), child_id)
        return self._row(row_number, row, child_id, dates, birth, name, source, reading, census, found)

    # Each step below reads part of the row and adds what it finds to `found`, in the order a
    # reader of the import's messages expects them.

    def _dates(self, row: Sequence[object], found: _Findings) -> _Dates:
        reasons, warnings = found.reasons, found.warnings
        referral_date = self.date(row, "referral_date", reasons, warnings, fatal=True)
        if referral_date is None and not any(r.startswith(self.label("referral_date")) for r in reasons):
            reasons.append("No referral date")
        if referral_date is not None and referral_date > self.today:
            reasons.append(f"{self.label('referral_date')} {format_date(referral_date)} is after "
                           f"today ({format_date(self.today)})")
        dates = _Dates(
            referral=referral_date,
            start=self.date(row, "assessment_start", reasons, warnings, fatal=True),
            target_end=self.date(row, "assessment_target_end", reasons, warnings, fatal=True),
            completed=self.date(row, "assessment_completed", reasons, warnings, fatal=True),
            discussion=self.date(row, "case_discussion_date", reasons, warnings, fatal=False),
        )
        self._check_target_end(dates, found)
        dates = self._check_completion(dates, found)
        if dates.start is not None and dates.referral is not None and dates.start < dates.referral:
            warnings.append(f"{self.label('assessment_start')} {format_date(dates.start)} is before "
                            f"{self.label('referral_date')} {format_date(dates.referral)}")
        return dates

    def _check_target_end(self, dates: _Dates, found: _Findings) -> None:
        start, target_end = dates.start, dates.target_end
        if start is not None and target_end is not None and target_end < start:
            found.warnings.append(f"{self.label('assessment_target_end')} {format_date(target_end)} is "
                                  f"before {self.label('assessment_start')} {format_date(start)}: the "
                                  "service works out the due date itself (45th working day)")
            found.review.append("target_end")

    def _check_completion(self, dates: _Dates, found: _Findings) -> _Dates:
        """A completion date that cannot stand leaves the case open, the date kept as a note."""
        completed = dates.completed
        if completed is None:
            return dates
        label = self.label("assessment_completed")
        if completed > self.today:
            found.warnings.append(f"{label} {format_date(completed)} is in the future (after today, "
                                  f"{format_date(self.today)}): imported as open, the date kept as a note")
        elif dates.referral is not None and completed < dates.referral:
            found.warnings.append(f"{label} {format_date(completed)} is before "
                                  f"{self.label('referral_date')} {format_date(dates.referral)}: "
                                  "imported as open, the date kept as a note")
        else:
            if dates.start is not None and completed < dates.start:
                found.warnings.append(f"{label} {format_date(completed)} is before "
                                      f"{self.label('assessment_start')} {format_date(dates.start)}")
                found.review.append("other")
            return dates
        found.review.append("completion_not_used")
        return replace(dates, completed=None, noted_completion=completed)

    def _birth(self, row: Sequence[object], found: _Findings) -> Birth:
        try:
            birth = parse_birth(self.cell(row, "date_of_birth"), today=self.today)
        except UnreadableDate as exc:
            found.warnings.append(f"{self.label('date_of_birth')}: {exc}; left out")
            birth = Birth()
        if birth.date_of_birth is not None and birth.date_of_birth > self.today:
            found.warnings.append(f"{self.label('date_of_birth')} {format_date(birth.date_of_birth)} is "
                                  "in the future; left out (write 'Unborn - EDD dd/mm/yyyy' for an "
                                  "unborn child)")
            birth = Birth()
        if birth.expected_date_of_birth is not None and birth.expected_date_of_birth < self.today:
            found.warnings.append(f"Expected date of birth {format_date(birth.expected_date_of_birth)} "
                                  "has passed: record the date of birth once it is known")
        return birth

    def _name(self, row: Sequence[object], found: _Findings) -> PersonName | None:
        name = parse_child_name(self.cell(row, "child_name"))
        if name is None and ("first_name" in self.columns or "last_name" in self.columns):
            first = _value_text(self.cell(row, "first_name")) or ""
            last = _value_text(self.cell(row, "last_name")) or ""
            full = " ".join(p for p in (first, last) if p)
            name = PersonName(full=full, first=first, last=last) if full else None
        if name is None:
            found.warnings.append("No child's name")
        return name

    def _source_and_outcome(self, row: Sequence[object], completed: date | None,
                            found: _Findings) -> tuple[ReferralSource | None, OutcomeReading]:
        source, source_warning = parse_source(self.cell(row, "source"))
        if source_warning:
            found.warnings.append(source_warning)
        reading, outcome_warning = parse_outcome(self.cell(row, "outcome"))
        if outcome_warning:
            found.warnings.append(outcome_warning)
        if completed is not None and reading.outcome is None and reading.closure_reason is None:
            written = clean_text(self.cell(row, "outcome"))
            found.warnings.append(f"Completed {format_date(completed)} with "
                                  + (f'the outcome "{_shown(written)}"' if written else "no outcome")
                                  + ": not authorised; on the review list for a manager to record the outcome")
            found.review.append("outcome_needed")
        return source, reading

    def _census(self, row: Sequence[object], completed: date | None, found: _Findings) -> CensusReading:
        census, census_warnings = read_census(lambda name: self.cell(row, name))
        found.warnings.extend(census_warnings)
        if census.census_closure_reason and completed is None:
            found.warnings.append(f"Closure reason {census.census_closure_reason} with no completion date: "
                                  "the case is imported open; a manager closes it")
            census = replace(census, census_closure_reason=None)
        return census

    def _check_matchable(self, row: Sequence[object], name: PersonName | None, birth: Birth,
                         found: _Findings) -> None:
        """A row with no child id is matched to a child by full name and date of birth, or rejected."""
        raw_id = clean_text(self.cell(row, "child_id"))
        no_id = "No child id" + (f' ("{_shown(raw_id)}")' if raw_id else "")
        if name is None or not (name.first and name.last) or not (
                birth.date_of_birth or birth.expected_date_of_birth):
            found.reasons.insert(0, no_id + ", and no full name and date of birth to match on")
        elif found.reasons:
            found.reasons.insert(0, no_id)
        else:
            found.warnings.append(no_id + ": to be matched to a child record by name and date of birth")
            found.review.append("child_details")

    def _row(self, row_number: int, row: Sequence[object], child_id: str | None, dates: _Dates,
             birth: Birth, name: PersonName | None, source: ReferralSource | None,
             reading: OutcomeReading, census: CensusReading, found: _Findings) -> TrackerRow:
        worker = _value_text(self.cell(row, "worker"))
        team = _value_text(self.cell(row, "team"))
        assert dates.referral is not None
        key = (import_key(child_id, dates.referral) if child_id is not None else
               unidentified_key(name.full if name else "", birth.date_of_birth or birth.expected_date_of_birth,
                                dates.referral))
        return TrackerRow(
            row_number=row_number,
            import_key=key,
            child_id=child_id,
            referral_date=dates.referral,
            child_name=name.full if name else None,
            first_name=name.first if name else None,
            last_name=name.last if name else None,
            date_of_birth=birth.date_of_birth,
            expected_date_of_birth=birth.expected_date_of_birth,
            unborn=birth.unborn,
            source_code=source,
            source_text=_value_text(self.cell(row, "source")),
            worker=worker,
            worker_key=name_key(worker),
            team=team,
            team_key=name_key(team),
            case_discussion_date=dates.discussion,
            assessment_start=dates.start,
            assessment_target_end=dates.target_end,
            assessment_completed=dates.completed,
            outcome=reading.outcome,
            closure_reason=reading.closure_reason,
            outcome_text=_value_text(self.cell(row, "outcome")),
            notes=clean_text(self.cell(row, "notes")),
            sex=census.sex, ethnicity=census.ethnicity, disabilities=census.disabilities, upn=census.upn,
            upn_unknown_reason=census.upn_unknown_reason, primary_need=census.primary_need,
            census_closure_reason=census.census_closure_reason,
            warnings=tuple(found.warnings),
            noted_completion=dates.noted_completion,
            review=_review_kinds(found.review, found.warnings),
        )


@dataclass
class _Findings:
    """What reading one row found: reasons to reject it, warnings, and review kinds."""

    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Dates:
    referral: date | None
    start: date | None
    target_end: date | None
    completed: date | None
    discussion: date | None
    noted_completion: date | None = None


def _review_kinds(kinds: Iterable[str], warnings: Sequence[str]) -> tuple[str, ...]:
    """The row's review kinds, in REVIEW_KINDS order; "other" for warnings no kind explains."""
    found = set(kinds)
    if warnings and not found:
        found.add("other")
    return tuple(k for k in REVIEW_KINDS if k in found)
