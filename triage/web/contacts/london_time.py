"""London wall-clock times typed on forms, read as aware UTC instants, with errors on the box at fault."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from triage.clock import LONDON, local_date
from triage.web.forms import (
    add_error,
)

TIME_TEXT = re.compile(r"^(\d{1,2})[:.]?(\d{2})$")


class NonExistentTime(ValueError):
    """A London wall-clock time skipped when the clocks go forward."""


def parse_clock_time(text: str, label: str) -> time:
    """'9:30', '09:30', '0930' or '14.05' as a time; a ValueError naming the field otherwise."""
    match = TIME_TEXT.match((text or "").strip().replace(" ", ""))
    if not match:
        raise ValueError(f"{label} must be a time on the 24-hour clock, for example 09:30 or 14:05")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"{label} must be a real time, from 00:00 to 23:59")
    return time(hour, minute)


def london_instant(day: date, clock: time) -> tuple[datetime, bool]:
    """A London wall-clock date and time as aware UTC, and whether it was ambiguous.

    When the clocks go back 01:00-01:59 happens twice: the first (British Summer Time) is used.
    When they go forward 01:00-01:59 never happens: NonExistentTime.
    """
    naive = datetime.combine(day, clock)
    first, second = naive.replace(tzinfo=LONDON, fold=0), naive.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC), False
    if first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != naive:
        raise NonExistentTime(naive)
    return first.astimezone(UTC), True


def read_london_time(form, date_name: str, time_name: str, now: datetime, what: str,
                     required: bool = True) -> tuple[datetime | None, bool]:
    """The instant typed into a date input and a time box, with errors put on the box at fault."""
    date_field, time_field = getattr(form, date_name), getattr(form, time_name)
    day, text = date_field.data, (time_field.data or "").strip()
    if date_field.errors:
        return None, False
    if day is None:
        if text and not required:
            add_error(form, date_name, f"Enter the date {what} as well as the time")
        return None, False
    if not text:
        if not time_field.errors:
            add_error(form, time_name, f"Enter the time {what}")
        return None, False
    try:
        clock = parse_clock_time(text, time_field.label.text.replace(" (optional)", ""))
    except ValueError as exc:
        add_error(form, time_name, str(exc))
        return None, False
    try:
        instant, ambiguous = london_instant(day, clock)
    except NonExistentTime:
        add_error(form, time_name, (
            f"{time_field.label.text.replace(' (optional)', '')} cannot be {clock:%H:%M} on "
            f"{day:%-d %B %Y}: the clocks went forward an hour at 01:00 that night, so 01:00 to 01:59 "
            "did not happen in London. Enter a time before 01:00 or from 02:00"))
        return None, False
    if instant > now:
        if day > local_date(now):
            add_error(form, date_name, f"{date_field.label.text.replace(' (optional)', '')} must be today "
                                       "or in the past")
        else:
            add_error(form, time_name, f"{time_field.label.text.replace(' (optional)', '')} must be now "
                                       "or in the past")
        return None, False
    return instant, ambiguous


TIME_HINT = ("London time, on the 24-hour clock, for example 09:30 or 14:05. On the night the clocks go "
             "back, 01:00 to 01:59 happens twice: the first (British Summer Time) is used.")

