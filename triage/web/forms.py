"""Form pieces the pages share: the GOV.UK date input, and service errors shown on fields.

Views validate what a form can check on its own (a real date, a choice made), then call one
service; when the service says no (`Invalid`, `Conflict`), `attach_service_errors` puts its
field messages on the matching form fields so the page shows them inline and in the summary.
"""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import Length, StopValidation

from triage.services.errors import ServiceError

PARTS = ("day", "month", "year")
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class DateParts(ValueError):
    def __init__(self, message: str, parts: tuple[str, ...]):
        super().__init__(message)
        self.parts = parts  # which boxes to highlight


def _month(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    short = text[:3].lower()
    return MONTH_NAMES.index(short) + 1 if short in MONTH_NAMES and len(text) >= 3 else None


def parse_date_parts(parts: dict[str, str], label: str) -> date | None:
    """None when all three boxes are empty; a date; or DateParts saying what is wrong, GOV.UK style."""
    missing = tuple(p for p in PARTS if not parts.get(p))
    if len(missing) == 3:
        return None
    if missing:
        raise DateParts(f"{label} must include a {' and '.join(missing)}", missing)
    day, month, year = parts["day"], _month(parts["month"]), parts["year"]
    if not (day.isascii() and day.isdigit()):
        raise DateParts(f"{label} must be a real date", ("day",))
    if month is None:
        raise DateParts(f"{label} must be a real date", ("month",))
    if not (year.isascii() and year.isdigit()) or len(year) != 4:
        raise DateParts(f"{label}: the year must have 4 numbers, for example 2019", ("year",))
    try:
        return date(int(year), month, int(day))
    except ValueError:
        raise DateParts(f"{label} must be a real date", PARTS) from None


class DateInputField(Field):
    """Three boxes named `<name>-day`, `<name>-month`, `<name>-year` (the GOV.UK date input).

    `required` is the message when all three are empty (None: the date is optional).
    """

    def __init__(self, label=None, validators=None, required: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.parts = {p: "" for p in PARTS}
        self.error_parts: tuple[str, ...] = ()

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            try:
                data = self.default()
            except TypeError:
                data = self.default
        self.object_data = data
        self.data = data
        self.raw_data = None
        self.error_parts = ()
        self.parts = ({"day": str(data.day), "month": str(data.month), "year": str(data.year)}
                      if isinstance(data, date) else {p: "" for p in PARTS})
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in PARTS):
            self.parts = {p: (formdata.get(f"{self.name}-{p}") or "").strip() for p in PARTS}
            self.raw_data = [" ".join(self.parts[p] for p in PARTS).strip()]
            try:
                self.data = parse_date_parts(self.parts, self.label.text)
            except DateParts as exc:
                self.data = None
                self.error_parts = exc.parts
                self.process_errors.append(str(exc))

    def pre_validate(self, form):
        if not self.process_errors and self.data is None and self.required:
            self.error_parts = PARTS
            raise StopValidation(self.required)

    @property
    def error_anchor(self) -> str:
        """The id the error summary links to: the first box at fault."""
        first = self.error_parts[0] if self.error_parts else "day"
        return f"{self.id}-{first}"

    def _value(self):
        return " ".join(self.parts[p] for p in PARTS)

    def flag_error(self, message: str) -> None:
        """Mark a service-side error (e.g. 'must be in the past') on every box."""
        self.errors = list(self.errors) + [message]
        self.error_parts = PARTS


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms 3.3 wants for selects and radios."""
    return [SelectChoice(value="" if value is None else str(value), label=label) for value, label in pairs]


def max_length(length: int, what: str) -> Length:
    return Length(max=length, message=f"{what} must be {length} characters or fewer")


def optional_int(value):
    """Coerce for a select whose first option, 'not known', has the empty value."""
    if value in (None, "", "None"):
        return None
    return int(value)


def none_if_blank(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def add_error(form: FlaskForm, field_name: str, message: str) -> bool:
    field = getattr(form, field_name, None)
    if not isinstance(field, Field):
        return False
    if isinstance(field, DateInputField):
        field.flag_error(message)
    else:
        field.errors = list(field.errors) + [message]
    form._errors = None  # WTForms caches form.errors
    return True


def attach_service_errors(form: FlaskForm, exc: ServiceError, field_map: dict[str, str] | None = None,
                          default_field: str | None = None) -> list[str]:
    """Put a service error's field messages on the form's fields.

    Returns the messages that belong to no field on this form (shown at the top of the error
    summary). A service error with no field messages goes on `default_field` when given.
    """
    field_map = field_map or {}
    unplaced: list[str] = []
    errors = exc.errors or ({default_field: [exc.message]} if default_field else {})
    for key, messages in errors.items():
        name = field_map.get(key, key)
        for message in messages if isinstance(messages, (list, tuple)) else [messages]:
            if not add_error(form, name, str(message)):
                unplaced.append(str(message))
    if not errors:
        unplaced.append(exc.message)
    return unplaced
