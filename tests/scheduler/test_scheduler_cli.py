"""`flask triage sweep` and `flask triage scheduler` at the terminal."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.scheduler.conftest import fresh, make_clocks
from triage.clock import utcnow
from triage.extensions import db
from triage.models import ClockEvent


def test_flask_triage_sweep_runs_one_sweep_and_prints_the_counts(app):
    # Relative to the real clock: the command reads it, as a person at a terminal would.
    make_clocks(utcnow() - timedelta(minutes=75), 3, warn_before=timedelta(hours=2))  # due -45m, -15m, +15m
    runner = app.test_cli_runner()

    first = runner.invoke(args=["triage", "sweep"])
    second = runner.invoke(args=["triage", "sweep"])

    assert first.exit_code == 0, first.output
    assert ": 2 breaches, 1 warnings, 0 notifications recorded" in first.output
    assert ": 0 breaches, 0 warnings, 0 notifications recorded" in second.output
    assert fresh(lambda: db.session.query(ClockEvent).count()) == 3


def test_flask_triage_scheduler_refuses_to_start_with_a_report_hour_of_1(app, monkeypatch):
    from triage.scheduler.runner import SchedulerRunner

    monkeypatch.setitem(app.config, "MORNING_REPORT_HOUR", 1)
    # Were the hour accepted, the command would serve until stopped: fail instead of hanging.
    monkeypatch.setattr(SchedulerRunner, "serve", lambda self: pytest.fail("the scheduler started"))
    result = app.test_cli_runner().invoke(args=["triage", "scheduler"])
    assert result.exit_code == 1
    assert "Scheduler not started: MORNING_REPORT_HOUR is 1" in result.output
