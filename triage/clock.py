"""The one place that reads the wall clock.

Services take `now` as an argument; only the edges (views, CLI, scheduler jobs) call utcnow().
The zones and the checks on instants are the domain's (triage.domain.clocks), re-exported here
for the edges that already import them from this module.
"""
from __future__ import annotations

from datetime import datetime

from triage.domain.clocks import LONDON, UTC, require_aware, to_london
from triage.domain.clocks import london_date as local_date

__all__ = ["LONDON", "UTC", "local_date", "require_aware", "to_london", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)
