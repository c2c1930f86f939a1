"""The scheduler's jobs, as data: a stable id, the function to call, its trigger and its options.

Every job function takes `now` (aware UTC) and runs inside an app context that the runner
provides; it calls one service and returns ids and counts for the log (never personal data).
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from types import MappingProxyType

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from triage.clock import LONDON, UTC, local_date, require_aware
from triage.config import ConfigError
from triage.services.notify import send_pending_email
from triage.services.sweep import sweep_clocks

SWEEP = "sweep-clocks"
MORNING_REPORT = "morning-report"
# The morning report may run late by this much (a stalled process, a suspended VM) and still
# count as this morning's run; after that the start-up catch-up is what builds it.
REPORT_MISFIRE_GRACE_SECONDS = 3 * 60 * 60
# 00:00-02:59 London is refused: the clock changes at 01:00 GMT / 02:00 BST, so those civil
# times are skipped or repeated twice a year, and "this morning" is ambiguous around midnight.
EARLIEST_REPORT_HOUR = 3


class SchedulerConfigError(ConfigError):
    """The scheduler must not start with this configuration."""


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job. `func` is "module:callable", called as func(now) in an app context."""

    id: str
    func: str
    trigger: str  # "interval" or "cron" (APScheduler 3 trigger aliases)
    trigger_args: Mapping[str, object] = field(default_factory=dict)
    coalesce: bool = True
    max_instances: int = 1
    misfire_grace_time: int | None = None
    # Called as func(now, claimant=..., keep_going=...): the job's work is claimed in the
    # holder's name and stops when the holder no longer holds the lease.
    takes_lease: bool = False


def _setting(config: Mapping, name: str, low: int, high: int, why: str) -> int:
    raw = config.get(name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SchedulerConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise SchedulerConfigError(f"{name} is {value}: it must be between {low} and {high} ({why})")
    return value


def report_time(config: Mapping) -> tuple[int, int]:
    """The morning report's civil (London) hour and minute, refused if unsafe."""
    hour = _setting(config, "MORNING_REPORT_HOUR", EARLIEST_REPORT_HOUR, 23,
                    "the morning report runs at a London civil hour from 03:00; 00:00-02:59 is "
                    "never used because the clocks change in those hours")
    minute = _setting(config, "MORNING_REPORT_MINUTE", 0, 59, "a minute of the hour")
    return hour, minute


def job_table(config: Mapping) -> tuple[JobSpec, ...]:
    """The jobs, built from configuration; raises SchedulerConfigError for unsafe settings."""
    interval = _setting(config, "SWEEP_INTERVAL_SECONDS", 1, 24 * 60 * 60, "seconds between sweeps")
    hour, minute = report_time(config)
    return (
        # An interval is DST-safe: it counts real seconds, so it neither skips nor doubles a
        # sweep when the clocks change. A sweep late by more than an interval is skipped, since
        # the next one does the same work.
        JobSpec(SWEEP, "triage.scheduler.jobs:sweep", "interval",
                MappingProxyType({"seconds": interval, "timezone": UTC}),
                misfire_grace_time=interval, takes_lease=True),
        # Working days are the report service's to decide (bank holidays, closure days); the
        # trigger only keeps weekends out. London civil time, so 07:00 stays 07:00 in BST.
        JobSpec(MORNING_REPORT, "triage.scheduler.jobs:morning_report", "cron",
                MappingProxyType({"day_of_week": "mon-fri", "hour": hour, "minute": minute,
                                  "timezone": LONDON}),
                misfire_grace_time=REPORT_MISFIRE_GRACE_SECONDS),
    )


def build_trigger(spec: JobSpec):
    """The APScheduler trigger for a spec (always with an explicit time zone)."""
    kinds = {"interval": IntervalTrigger, "cron": CronTrigger}
    if spec.trigger not in kinds:
        raise SchedulerConfigError(f"job {spec.id}: unknown trigger {spec.trigger!r}")
    if "timezone" not in spec.trigger_args:
        raise SchedulerConfigError(f"job {spec.id}: a trigger needs an explicit time zone")
    return kinds[spec.trigger](**spec.trigger_args)


REPORT_SERVICE = "triage.services.report.build"


# --- the job functions ---------------------------------------------------------------------

def sweep(now: datetime, claimant: str | None = None, keep_going=None) -> dict[str, int]:
    """Record what is due, then email every notification that is due, new or not yet sent."""
    result = sweep_clocks(now)
    email = send_pending_email(now, claimant=claimant, keep_going=keep_going)
    return {"breaches": result.breaches, "warnings": result.warnings,
            "notifications": result.notifications, "emailed": email.sent,
            "email_failed": email.failed}


def _report_service():
    """The morning report's service, found by name when a job runs, as the job table finds its
    functions: the scheduler depends on its contract (report_due_today, build_scheduled_report),
    and a stand-in with that contract can take its place."""
    return importlib.import_module(REPORT_SERVICE)


def morning_report(now: datetime, trigger: str = "scheduled") -> dict[str, int]:
    """Build this morning's report unless it is not a working day or one already exists."""
    report = _report_service().build_scheduled_report(now, trigger=trigger)
    if report is None:
        return {"built": 0}
    return {"built": 1, "report_id": report.id, "version": report.version}


def report_time_today(now: datetime, hour: int, minute: int) -> datetime:
    """This London day's report time, in UTC (hour >= 3, so it always exists exactly once)."""
    return datetime.combine(local_date(now), time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def morning_report_catch_up(now: datetime, hour: int, minute: int) -> dict[str, int]:
    """At start-up: build today's report if its time has passed and it is due but missing.

    The time check is made here from the job table's own hour and minute, so the catch-up can
    never run ahead of the cron job whatever the service checks; the working-day and "none
    exists yet" checks are the service's, which makes this safe to run on every start.
    """
    now = require_aware(now, "now")
    if now < report_time_today(now, hour, minute):
        return {"built": 0, "before_report_time": 1}
    if not _report_service().report_due_today(now):
        return {"built": 0}
    return morning_report(now, trigger="catch_up")
