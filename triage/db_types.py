"""Column types shared by the models."""
from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum as PyEnum

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores instants in UTC and always hands back aware UTC datetimes.

    SQLite has no time zones, so values come back naive; PostgreSQL returns them in the
    session zone. Either way the application sees UTC. Naive input is refused rather than
    guessed at: a guessed zone is how an hour goes missing at a clock change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TextEnum(TypeDecorator):
    """A state or code column: a Python enum in the code, its value as plain text in the database.

    Stored as VARCHAR(length) with no database enum type and no CHECK constraint, so adding a
    state is a code change, not a migration, and the column is what it always was. Writing a
    value outside the enum is refused. Reading one (left by an older system or a hand-made fix)
    hands back the text as it is: a page or a return must be able to show the bad value and
    say what is wrong with it, not fail on it.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[PyEnum], length: int = 30):
        super().__init__(length)
        self.enum = enum
        # Reading is a dictionary lookup: a return reads hundreds of thousands of these, and
        # calling the enum class costs ten times as much for the same answer.
        self._members = {member.value: member for member in enum}

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        try:
            return self.enum(value).value
        except ValueError:
            raise ValueError(f"{value!r} is not a {self.enum.__name__}") from None

    def process_result_value(self, value, dialect):
        return self._members.get(value, value)


def text_enum(enum: type[PyEnum], length: int = 30) -> TextEnum:
    return TextEnum(enum, length)
