"""The one place that reads the wall clock.

Services take `now` as an argument; only the edges (views, CLI, scheduler jobs) call utcnow().
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = UTC


def utcnow() -> datetime:
    return datetime.now(UTC)


def require_aware(moment: datetime, what: str = "time") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone")
    return moment.astimezone(UTC)


def local_date(moment: datetime) -> date:
    """The civil date in London at this instant (working days, 'today', the report date)."""
    return require_aware(moment).astimezone(LONDON).date()


def to_london(moment: datetime) -> datetime:
    return require_aware(moment).astimezone(LONDON)
