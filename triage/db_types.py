"""Column types shared by the models."""
from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum as PyEnum

from sqlalchemy import DateTime, Enum
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


def text_enum(enum: type[PyEnum], length: int = 30) -> Enum:
    """A state or code column: a Python enum in the code, its value as plain text in the database.

    Stored as VARCHAR(length) with no database enum type and no CHECK constraint, so adding a
    state is a code change, not a migration, and the column is what it always was.
    """
    return Enum(enum, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [m.value for m in members], validate_strings=True)
