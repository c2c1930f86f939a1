"""Scheduler test support: runners and locks that are always released, a stand-in report
service, clocks past due, and a scheduler double for the shutdown paths.

No test here starts a live scheduler thread: the runner's start-up, job and stop logic are
plain methods called in whatever order a test needs.
"""
from __future__ import annotations

import sys
import types
from datetime import datetime, timedelta
from datetime import time as civil_time

import pytest
from flask import current_app
from sqlalchemy import select

from triage.clock import LONDON, local_date
from triage.domain.clocks import ClockKind
from triage.extensions import db
from triage.models import MorningReport
from triage.services import clocks

REPORT_MODULE = "triage.services.report.build"


@pytest.fixture
def bare_app(tmp_path):
    """An app for registration tests: configuration only, no migrated database needed."""
    from triage.app import create_app

    return create_app({"TESTING": True, "ENV_NAME": "testing",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite'}"})


@pytest.fixture
def locks(app):
    """Make scheduler locks against the test database; all are released afterwards."""
    from triage.scheduler.lock import make_lock

    made = []

    def make(**kwargs):
        lock = make_lock(db.engine, heartbeat_seconds=20, **kwargs)
        made.append(lock)
        return lock

    yield make
    for lock in made:
        lock.release()


@pytest.fixture
def runners(app):
    """Make scheduler runners (each with its own lock, as separate processes would have)."""
    from triage.scheduler import SchedulerRunner

    made = []

    def make():
        runner = SchedulerRunner(app)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.lock.release()


class FakeReportService:
    """Stands in for triage.services.report.build, with its contract but none of its content:
    report_due_today(now) is "a working day (here Monday to Friday) and the report time has
    passed in London"; build_scheduled_report(now, trigger) stores today's report when it is due
    and none was built by the scheduler yet, else returns None. It records every call, so tests
    can show who called it, when and with which trigger."""

    def __init__(self):
        self.built: list[tuple[datetime, str]] = []
        self.calls = 0
        self.fail_with: Exception | None = None
        self.always_due = False  # a service that would build at any hour

    @property
    def built_at(self) -> list[datetime]:
        return [at for at, _ in self.built]

    def report_due_today(self, now) -> bool:
        if self.always_due:
            return True
        hour, minute = current_app.config["MORNING_REPORT_HOUR"], current_app.config["MORNING_REPORT_MINUTE"]
        return local_date(now).weekday() < 5 and now >= datetime.combine(
            local_date(now), civil_time(hour, minute), tzinfo=LONDON)

    def build_scheduled_report(self, now, trigger="scheduled"):
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        if not self.report_due_today(now) or db.session.scalar(select(MorningReport.id).where(
                MorningReport.report_date == local_date(now),
                MorningReport.trigger.in_(("scheduled", "catch_up")))):
            return None
        report = MorningReport(report_date=local_date(now), version=1, built_at=now,
                               trigger=trigger, built_by="scheduler", content={})
        db.session.add(report)
        db.session.commit()
        self.built.append((now, trigger))
        return report

    def as_module(self) -> types.ModuleType:
        module = types.ModuleType(REPORT_MODULE)
        module.build_scheduled_report = self.build_scheduled_report
        module.report_due_today = self.report_due_today
        return module


@pytest.fixture
def fake_reports(monkeypatch):
    """The stand-in in place of the real report service, for tests that pin how it is called."""
    fake = FakeReportService()
    monkeypatch.setitem(sys.modules, REPORT_MODULE, fake.as_module())
    return fake


def make_clocks(start: datetime, n: int, every=timedelta(minutes=30), warn_before=timedelta(hours=1)):
    """n running partner-information clocks due every half hour after `start`; committed."""
    made = []
    for i in range(n):
        due = start + every * (i + 1)
        made.append(clocks.start_clock(ClockKind.PARTNER_INFORMATION, "information_request", i + 1,
                                       start - timedelta(hours=4), due, due - warn_before))
    db.session.commit()
    return made


def fresh(query):
    """Read what other sessions (the jobs' own app contexts) have committed."""
    db.session.rollback()
    return query()


def take_over_from(holder, lock, backend: str, now: datetime) -> None:
    """Make `holder` lose the lease the way a dead or stopped process does: its heartbeat goes
    stale, and `lock` takes it over."""
    assert lock.acquire(now + holder.stale_after + timedelta(seconds=1))


class SchedulerDouble:
    """Records shutdown calls, as the BlockingScheduler would receive them."""

    def __init__(self):
        self.running = True
        self.shutdowns: list[bool] = []

    def shutdown(self, wait=True):
        self.shutdowns.append(wait)
        self.running = False
