"""A police force's file of public protection notices (PPNs), as Front Door staff upload it: its
columns, and each notice as the batch intake takes it.

One row per child: the rows that share a notice reference are one notice naming several
children, and the reference is the notice's key, so uploading the same file again logs nothing
twice. What comes out for each notice is the item the batch API would be sent (an idempotency
key and a contact, text and ISO dates, checked by the same schema), plus the problems only the
file can have (a date that cannot be read, two rows of one notice that disagree). Problems are
named by spreadsheet row and column, so a person can find the cell to correct.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from triage.domain.clocks import LONDON
from triage.domain.codes import ContactChannel, ReferralSource

KEY_PREFIX = "ppn:"


@dataclass(frozen=True)
class Column:
    name: str
    about: str
    field: str  # where the value goes: a contact field, or "child.<field>"
    required: bool = False  # the file must have this column

    @property
    def of_child(self) -> bool:
        return self.field.startswith("child.")


COLUMNS = (
    Column("notice_reference", "The force's reference for the notice (its PPN or occurrence number). Recorded as "
           "the police incident reference; a notice already logged from this reference is not logged again. "
           "Rows with the same reference are one notice naming several children.",
           "police_incident_reference", required=True),
    Column("received", "When the force sent the notice, London time, for example 01/12/2026 07:30 or "
           "2026-12-01 07:30. Blank: the time of the upload.", "received_at"),
    Column("concern", "What happened, and why the force is worried about the child.", "concern", required=True),
    Column("dash_risk", "For domestic abuse: the DASH risk grade, standard, medium or high.", "dash_risk"),
    Column("officer_name", "The officer who raised the notice.", "referrer_name"),
    Column("officer_contact", "How to reach the officer (email or phone).", "referrer_contact_details"),
    Column("force", "The police force, for example Anyshire Police.", "referrer_agency"),
    Column("operation_encompass_informed", "Yes or no: whether the child's school was told (Operation "
           "Encompass).", "operation_encompass_informed"),
    Column("child_first_name", "The child's first name.", "child.first_name", required=True),
    Column("child_last_name", "The child's last name.", "child.last_name", required=True),
    Column("child_date_of_birth", "For example 01/06/2015 or 2015-06-01; \"not known\" if the force does not "
           "know it (or give an approximate age instead).", "child.date_of_birth", required=True),
    Column("child_approximate_age", "The child's age in whole years, when the date of birth is not known.",
           "child.approximate_age"),
    Column("child_sex", "female, male, unknown or not_stated (or F, M, U).", "child.sex", required=True),
    Column("child_nhs_number", "The child's NHS number, if the force has it.", "child.nhs_number"),
    Column("child_address", "The first line of the child's address.", "child.address_line_1"),
    Column("child_town", "The child's town.", "child.town"),
    Column("child_postcode", "The child's postcode.", "child.postcode"),
)
BY_NAME = {c.name: c for c in COLUMNS}
HEADERS = [c.name for c in COLUMNS]
_BY_FIELD = {c.field: c.name for c in COLUMNS} | {"child.address_line_1": "child_address",
                                                   "child.birth_date_status": "child_date_of_birth",
                                                   "idempotency_key": "notice_reference"}
NOT_KNOWN = frozenset({"not known", "unknown", "not_known"})


class NoticeFileError(ValueError):
    """The file as a whole cannot be used; the message says why, in plain words."""


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet row
    column: str | None  # None: the notice as a whole
    message: str


@dataclass
class Notice:
    """One notice: its rows (each one child) and the batch item they make."""

    reference: str | None
    rows: list[int]  # spreadsheet row numbers, in file order
    first: dict = field(default_factory=dict)  # the cells of its first row, by column
    item: dict = field(default_factory=dict)  # {"idempotency_key": ..., "contact": {...}}
    problems: list[Problem] = field(default_factory=list)

    @property
    def key(self) -> str | None:
        return KEY_PREFIX + self.reference if self.reference else None

    def problems_from(self, errors: Mapping[str, Sequence[str]]) -> list[Problem]:
        """The batch's field errors for this notice (paths such as contact.children.1.child.sex),
        each on the row and column it came from."""
        found = []
        for path, messages in errors.items():
            row, column = self._place(path)
            found += [Problem(row, column, str(m)) for m in messages]
        return found

    def _place(self, path: str) -> tuple[int, str | None]:
        parts = path.removeprefix("contact.").split(".")
        if parts[0] == "children" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self.rows):
            row = self.rows[int(parts[1])]
            # children.1.child.sex as the schema names it; children.1.sex as the intake rules do
            rest = parts[3:] if len(parts) > 2 and parts[2] == "child" else parts[2:]
            name = rest[0] if rest else None
            return row, _BY_FIELD.get(f"child.{name}") if name else None
        return self.rows[0], _BY_FIELD.get(parts[0])


# ---------------------------------------------------------------- the header

def _header_name(cell) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(cell or "").strip().lower()).strip("_")


def read_header(cells: Sequence) -> list[str | None]:
    """The column each position holds (None: a blank heading over an empty column), or
    NoticeFileError naming the columns missing, unknown or repeated."""
    names = [_header_name(c) or None for c in cells]
    unknown = [str(c).strip() for c, n in zip(cells, names, strict=True) if n and n not in BY_NAME]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    missing = [c.name for c in COLUMNS if c.required and c.name not in names]
    problems = []
    if missing:
        problems.append(f"it has no {_listed(missing)} column{'s' if len(missing) > 1 else ''}")
    if unknown:
        problems.append(f"{_listed(unknown)} {'is not a column' if len(unknown) == 1 else 'are not columns'} "
                        "of the template")
    if repeated:
        problems.append(f"{_listed(repeated)} {'appears' if len(repeated) == 1 else 'appear'} more than once")
    if problems:
        raise NoticeFileError("The first row must be the template's header row, but " + "; ".join(problems)
                              + ". Download the template to see the columns.")
    return names


def _listed(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# ---------------------------------------------------------------- the cells

def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number cell (an NHS number, an age) read from a workbook
    text = str(value).strip()
    return text or None


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def read_date(value) -> date:
    """A date cell: a workbook date, 2015-06-01, or 01/06/2015 (day first, as in the UK)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value) or ""
    match = _DAY_FIRST.match(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("Enter a real date, for example 01/06/2015 or 2015-06-01") from None


def read_received(value) -> datetime:
    """A date and time in London, as an aware UTC instant; the first of a time that happens twice
    when the clocks go back, as the intake form does."""
    if isinstance(value, datetime):
        local = value.replace(tzinfo=None)
    else:
        text = (_text(value) or "").replace("T", " ")
        day_text, _, time_text = text.partition(" ")
        try:
            day = read_date(day_text)
            hour, minute = (int(p) for p in time_text.strip().split(":")[:2])
            local = datetime.combine(day, time(hour, minute))
        except ValueError:
            raise ValueError("Enter the date and time, for example 01/12/2026 07:30") from None
    aware = local.replace(tzinfo=LONDON, fold=0)
    if aware.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != local:
        raise ValueError("This time did not happen in London (the clocks went forward): check it")
    return aware.astimezone(UTC)


# ---------------------------------------------------------------- rows into notices

def notices_from(header: list[str | None], rows: Sequence[tuple[int, Sequence]]) -> list[Notice]:
    """The notices in these (spreadsheet row number, cells) rows, in the order first seen."""
    notices: list[Notice] = []
    by_reference: dict[str, Notice] = {}
    for number, cells in rows:
        values = {name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name}
        reference = _text(values.get("notice_reference"))
        notice = by_reference.get(reference) if reference else None
        if notice is None:
            notice = Notice(reference, [number], first=values)
            notices.append(notice)
            if reference:
                by_reference[reference] = notice
            _start(notice, values)
        else:
            notice.rows.append(number)
            _agree(notice, number, values)
        _add_child(notice, number, values)
        stray = [i + 1 for i, cell in enumerate(cells)
                 if _text(cell) is not None and (i >= len(header) or header[i] is None)]
        if stray:  # what a person typed is never dropped unread
            notice.problems.append(Problem(number, None, f"Column {stray[0]} of this row has a value but no heading: "
                                           "put it under one of the template's columns, or remove it"))
    return notices


def _start(notice: Notice, values: dict) -> None:
    contact: dict = {"channel": ContactChannel.POLICE_NOTIFICATION.value, "source_code": ReferralSource.POLICE.value,
                     "children": []}
    row = notice.rows[0]
    for column in COLUMNS:
        if column.of_child or column.name == "received":
            continue
        text = _text(values.get(column.name))
        if text is not None:
            contact[column.field] = text
    if values.get("received") not in (None, ""):
        try:
            contact["received_at"] = read_received(values["received"]).isoformat()
        except ValueError as exc:
            notice.problems.append(Problem(row, "received", str(exc)))
    if notice.key is None:
        notice.problems.append(Problem(row, "notice_reference", "Enter the force's reference for the notice: "
                                       "it is what stops the notice being logged twice"))
    notice.item = {"idempotency_key": notice.key, "contact": contact}


def _agree(notice: Notice, number: int, values: dict) -> None:
    """A later row of a notice names another child; what it says of the notice must match."""
    for column in COLUMNS:
        if column.of_child or column.name == "notice_reference":
            continue
        text = _text(values.get(column.name))
        if text is not None and text != _text(notice.first.get(column.name)):
            notice.problems.append(Problem(number, column.name, f"Differs from row {notice.rows[0]}, the first row "
                                           "of this notice: leave it blank or give the same"))


def _add_child(notice: Notice, number: int, values: dict) -> None:
    child: dict = {}
    for column in COLUMNS:
        if not column.of_child:
            continue
        name, raw = column.field.removeprefix("child."), values.get(column.name)
        if name == "date_of_birth" and raw not in (None, ""):
            if isinstance(raw, str) and raw.strip().lower() in NOT_KNOWN:
                child["birth_date_status"] = "not_known"
                continue
            try:
                child[name] = read_date(raw).isoformat()
            except ValueError as exc:
                notice.problems.append(Problem(number, column.name, str(exc)))
            continue
        text = _text(raw)
        if text is not None:
            child[name] = text
    notice.item["contact"]["children"].append({"child": child})
