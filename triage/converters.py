"""URL converters: /closure-days/2026-12-24 and the like."""
from datetime import date

from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError


class IsoDateConverter(BaseConverter):
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None  # an impossible date is a 404, not a 500

    def to_url(self, value: date) -> str:
        return value.isoformat()


class BoundedIntConverter(IntegerConverter):
    """Ids in URLs fit the database's integer columns: anything larger is simply not found (404)
    rather than an overflow inside the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
