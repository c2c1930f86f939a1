"""The scheduler process's logic, driven step by step: start-up and catch-up, guarded jobs,
a standby that does nothing twice, losing the lock, and stopping on SIGTERM."""
from __future__ import annotations

import logging
import os
import re
import signal
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.scheduler.conftest import SchedulerDouble, fresh, make_clocks, take_over_from
from triage.extensions import db
from triage.models import ClockEvent, MorningReport, SchedulerLock

UTC = UTC
TUESDAY_8AM = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 08:00 London (GMT), a working day


def _events():
    return fresh(lambda: db.session.query(ClockEvent).order_by(ClockEvent.clock_id, ClockEvent.kind).all())


def _reports(on: date):
    return fresh(lambda: db.session.query(MorningReport).filter_by(report_date=on).all())


# --- one set of events from two schedulers --------------------------------------------------

def test_two_schedulers_started_together_produce_one_set_of_events(app, runners):
    made = make_clocks(TUESDAY_8AM - timedelta(hours=3), 8)  # due 05:30 ... 09:00
    first, second = runners(), runners()

    assert first.start_up(TUESDAY_8AM) is True
    assert second.start_up(TUESDAY_8AM) is False
    tick = TUESDAY_8AM + timedelta(minutes=1)
    assert first.run_job("sweep-clocks", tick) is not None
    assert second.run_job("sweep-clocks", tick) is None
    assert second.run_job("morning-report", tick) is None
    assert second.catch_up(tick) == {"sweep-clocks": None, "morning-report": None}
    assert (first.state, second.state) == ("active", "standby")

    # What the active scheduler's two sweeps (08:00 at start-up, 08:01) should record, once each.
    breached = {(c.id, "breached") for c in made if c.due_at < tick}  # 05:30 ... 08:00
    due_soon = {(c.id, "due_soon") for c in made for t in (TUESDAY_8AM, tick) if c.warn_at <= t <= c.due_at}
    assert [(e.clock_id, e.kind) for e in _events()] == sorted(breached | due_soon)
    assert len(breached) == 6 and len(due_soon) == 3  # 08:00 warned at start-up, breached at 08:01
    [report] = _reports(date(2026, 11, 24))  # built by the real report service, at start-up
    assert (report.trigger, report.built_at) == ("catch_up", TUESDAY_8AM)


def test_the_standby_takes_over_when_the_holder_stops_and_still_does_nothing_twice(
        app, runners, fake_reports, backend):
    make_clocks(TUESDAY_8AM - timedelta(hours=3), 4)
    first, second = runners(), runners()
    first.start_up(TUESDAY_8AM)
    second.start_up(TUESDAY_8AM)
    before = [(e.clock_id, e.kind, e.at) for e in _events()]

    first.stop()  # a clean stop releases the lock at once
    assert second.start_up(TUESDAY_8AM + timedelta(minutes=2)) is True
    second.run_job("sweep-clocks", TUESDAY_8AM + timedelta(minutes=3))

    assert [(e.clock_id, e.kind, e.at) for e in _events()] == before
    assert len(fake_reports.built_at) == 1 and len(_reports(date(2026, 11, 24))) == 1


@pytest.mark.postgresql_only
def test_two_schedulers_starting_at_the_same_instant_on_postgresql_produce_one_set_of_events(
        app, runners, fake_reports):
    made = make_clocks(TUESDAY_8AM - timedelta(hours=3), 6)
    contenders = [runners() for _ in range(3)]
    barrier = threading.Barrier(len(contenders))
    active = [None] * len(contenders)

    def start(i):
        barrier.wait()
        active[i] = contenders[i].start_up(TUESDAY_8AM)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(contenders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert active.count(True) == 1
    assert sorted(e.clock_id for e in _events() if e.kind == "breached") == \
        [c.id for c in made if c.due_at < TUESDAY_8AM]
    assert fake_reports.calls == 1


# --- downtime -------------------------------------------------------------------------------

def test_a_scheduler_stopped_for_three_hours_and_restarted_records_every_breach_in_the_gap_once_at_its_due_time(
        app, runners, fake_reports):
    stopped_at = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 05:00 London, before the report
    made = make_clocks(stopped_at, 9)  # due every half hour 05:30 ... 09:30, each warned an hour before
    before = runners()
    before.start_up(stopped_at)
    before.stop()

    restarted_at = stopped_at + timedelta(hours=3, minutes=5)  # 08:05
    after = runners()
    assert after.start_up(restarted_at) is True
    after.run_job("sweep-clocks", restarted_at + timedelta(minutes=1))

    breaches = [e for e in _events() if e.kind == "breached"]
    assert sorted((e.clock_id, e.at) for e in breaches) == [(c.id, c.due_at) for c in made[:6]]  # 05:30 ... 08:00
    assert {e.recorded_at for e in breaches} == {restarted_at}
    assert sorted(e.clock_id for e in _events() if e.kind == "due_soon") == [c.id for c in made[:2] + made[6:8]]
    assert fake_reports.built == [(restarted_at, "catch_up")]  # 07:00 fell in the gap: built once on restart


def test_restarting_again_the_same_morning_does_not_build_a_second_report(app, runners):
    for minutes in (0, 20, 40):
        runner = runners()
        assert runner.start_up(TUESDAY_8AM + timedelta(minutes=minutes))
        runner.stop()
    assert len(_reports(date(2026, 11, 24))) == 1


@pytest.mark.parametrize("started, built", [
    (datetime(2026, 11, 24, 6, 59, tzinfo=UTC), False),  # 06:59 GMT: too early
    (datetime(2026, 11, 24, 7, 0, tzinfo=UTC), True),  # 07:00 GMT
    (datetime(2026, 3, 30, 5, 30, tzinfo=UTC), False),  # 06:30 BST
    (datetime(2026, 3, 30, 6, 30, tzinfo=UTC), True),  # 07:30 BST: after the report time in London
    (datetime(2026, 11, 28, 9, 0, tzinfo=UTC), False),  # a Saturday: the service says not due
])
def test_the_start_up_catch_up_builds_the_report_only_once_its_london_time_has_passed(
        app, runners, fake_reports, started, built):
    runners().start_up(started)
    assert fake_reports.built_at == ([started] if built else [])


def test_a_report_is_not_built_early_at_start_up_even_by_a_service_that_would(app, runners, fake_reports):
    fake_reports.always_due = True
    runners().start_up(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    assert fake_reports.calls == 0


def test_the_cron_job_builds_with_the_scheduled_trigger_through_the_real_service(app, runners):
    runner = runners()
    runner.try_become_active(TUESDAY_8AM)
    first = runner.run_job("morning-report", TUESDAY_8AM)
    again = runner.run_job("morning-report", TUESDAY_8AM + timedelta(minutes=1))
    [report] = _reports(date(2026, 11, 24))
    assert first == {"built": 1, "report_id": report.id, "version": 1} and report.trigger == "scheduled"
    assert again == {"built": 0}


def test_no_report_is_built_on_a_bank_holiday_by_the_real_service(app, runners):
    christmas = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)  # a Friday
    runners().start_up(christmas)
    assert _reports(date(2026, 12, 25)) == []


# --- jobs -----------------------------------------------------------------------------------

def test_the_report_job_passes_now_to_the_service_and_logs_the_report_id(app, runners, fake_reports, caplog):
    runner = runners()
    runner.try_become_active(TUESDAY_8AM)
    with caplog.at_level(logging.INFO, logger="triage.scheduler"):
        result = runner.run_job("morning-report", TUESDAY_8AM)
    [report] = _reports(date(2026, 11, 24))
    assert result == {"built": 1, "report_id": report.id, "version": 1}
    assert fake_reports.built == [(TUESDAY_8AM, "scheduled")]
    assert re.search(rf"job morning-report done in [\d.]+s: built=1 report_id={report.id} version=1",
                     caplog.text)


def test_a_failing_job_is_logged_and_the_next_job_still_runs(app, runners, fake_reports, caplog):
    make_clocks(TUESDAY_8AM - timedelta(hours=1), 1)
    runner = runners()
    runner.try_become_active(TUESDAY_8AM)
    fake_reports.fail_with = RuntimeError("report store unavailable")
    with caplog.at_level(logging.INFO, logger="triage.scheduler"):
        assert runner.run_job("morning-report", TUESDAY_8AM) is None
        assert runner.run_job("sweep-clocks", TUESDAY_8AM) == {"breaches": 1, "warnings": 0,
                                                                "notifications": 0, "emailed": 0,
                                                                "email_failed": 0}
    assert "job morning-report failed: RuntimeError" in caplog.text
    assert runner.state == "active"


def test_a_runner_that_never_took_the_lock_runs_nothing(app, runners, fake_reports):
    make_clocks(TUESDAY_8AM - timedelta(hours=2), 2)
    runner = runners()
    assert runner.run_job("sweep-clocks", TUESDAY_8AM) is None
    assert runner.run_job("morning-report", TUESDAY_8AM) is None
    assert _events() == [] and fake_reports.calls == 0


def test_a_scheduler_that_loses_its_lock_stops_its_jobs_and_stands_by(app, runners, backend, fake_reports):
    make_clocks(TUESDAY_8AM - timedelta(hours=2), 2)
    holder, standby = runners(), runners()
    holder.try_become_active(TUESDAY_8AM)
    holder.scheduler = SchedulerDouble()
    take_over_from(holder.lock, standby.lock, backend, TUESDAY_8AM)

    holder.heartbeat()
    assert holder.scheduler.shutdowns == [False]  # from a job thread: it must not wait for itself
    assert holder.state == "standby"
    assert holder.run_job("sweep-clocks", TUESDAY_8AM + timedelta(minutes=5)) is None
    assert _events() == []


# --- stopping -------------------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_stop_signal_handler_shuts_the_scheduler_down_waiting_for_jobs_and_releases_the_lock(
        app, runners, signum):
    runner, other = runners(), runners()
    runner.try_become_active(TUESDAY_8AM)
    runner.scheduler = SchedulerDouble()

    runner.handle_signal(signum)

    assert runner.scheduler.shutdowns == [True]
    assert fresh(lambda: db.session.get(SchedulerLock, "scheduler")) is None
    assert other.try_become_active(TUESDAY_8AM + timedelta(seconds=1)) is True
    assert runner.state == "stopped"


def test_a_stop_signal_on_the_wake_up_pipe_reaches_the_handler(app, runners):
    runner = runners()
    runner.try_become_active(TUESDAY_8AM)
    runner.scheduler = SchedulerDouble()
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, bytes([signal.SIGTERM]))
        runner.watch_signals(read_fd)  # returns once it has handled the signal
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert runner.scheduler.shutdowns == [True]
    assert runner.lock.held is False


def test_other_signals_on_the_wake_up_pipe_are_ignored(app, runners):
    runner = runners()
    runner.try_become_active(TUESDAY_8AM)
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, bytes([signal.SIGHUP]) + b"\0")  # then the exit byte serve() writes
        runner.watch_signals(read_fd)
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert runner.lock.held is True and runner.state == "active"
