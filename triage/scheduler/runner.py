"""The scheduler process: take the lock or stand by, catch up, run the job table, stop cleanly.

`SchedulerRunner` holds everything the process does apart from APScheduler's own loop, as
plain methods that tests call directly (no live scheduler thread):

* `start_up(now)`   take the lock if free and, on becoming active, catch up;
* `run_job(id, now)` one job from the table, guarded by the lock, in its own app context;
* `catch_up(now)`   a sweep now, and this morning's report if its time has passed and it is missing;
* `heartbeat()`     renew the lease; on losing it, stop the scheduler and go back to standing by;
* `handle_signal()` SIGTERM/SIGINT: shut the scheduler down (waiting for running jobs), release.

`serve()` is the process loop around them. Signals reach it through a wake-up pipe read by a
small watcher thread, so the real work of stopping never runs inside a Python signal handler
(where it could wait on a lock the interrupted main thread holds).
"""
from __future__ import annotations

import logging
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from functools import partial

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import ref_to_obj
from flask import Flask

from triage.clock import UTC, utcnow
from triage.extensions import db
from triage.scheduler.jobs import (
    MORNING_REPORT,
    SWEEP,
    SchedulerConfigError,
    build_trigger,
    job_table,
    morning_report_catch_up,
    report_time,
)
from triage.scheduler.lock import LeaseLock, limit_idle_transactions, make_lock
from triage.services.notify import abandon_email_claims

log = logging.getLogger("triage.scheduler")

HEARTBEAT = "scheduler-heartbeat"
CATCH_UP = "start-up-catch-up"
DEFAULT_HEARTBEAT_SECONDS = 5  # the lease goes stale after 3 missed heartbeats
DEFAULT_STANDBY_RETRY_SECONDS = 5
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_WATCHER_EXIT = b"\0"


def _seconds(config, name: str, default: int) -> int:
    raw = config.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SchedulerConfigError(f"{name} must be a whole number of seconds, not {raw!r}") from None
    if value < 1:
        raise SchedulerConfigError(f"{name} must be at least 1 second")
    return value


def _resolve(ref: str) -> Callable:
    return ref_to_obj(ref)


def _counts(result: dict | None) -> str:
    return " ".join(f"{key}={value}" for key, value in (result or {}).items())


class SchedulerRunner:
    def __init__(self, app: Flask, lock: LeaseLock | None = None):
        self.app = app
        self.jobs = job_table(app.config)  # refuses unsafe settings before anything starts
        self._specs = {spec.id: spec for spec in self.jobs}
        self._funcs = {spec.id: _resolve(spec.func) for spec in self.jobs}
        self.heartbeat_seconds = _seconds(app.config, "SCHEDULER_HEARTBEAT_SECONDS",
                                          DEFAULT_HEARTBEAT_SECONDS)
        self.standby_retry_seconds = _seconds(app.config, "SCHEDULER_STANDBY_RETRY_SECONDS",
                                              DEFAULT_STANDBY_RETRY_SECONDS)
        if lock is None:
            with app.app_context():
                lock = make_lock(db.engine, heartbeat_seconds=self.heartbeat_seconds)
        self.lock = lock
        self.state = "starting"  # starting -> active | standby
        self._stop = threading.Event()
        self.scheduler = None  # the running APScheduler, while active
        self._running = 0  # jobs in progress in this process
        self._idle = threading.Condition()

    # --- the lock ---------------------------------------------------------------------------

    def try_become_active(self, now: datetime | None = None) -> bool:
        """Take the lock if it is free; log only when this process changes state."""
        now = now or utcnow()
        held = self.lock.acquire(now)
        if held and self.state != "active":
            log.info("scheduler active: %s holds the %s lock", self.lock.holder, self.lock.kind)
            if self.lock.took_over_from:
                self._release_claims_of(self.lock.took_over_from)
        elif not held and self.state != "standby":
            current = self.lock.current_holder()
            log.info("scheduler standing by: the lock is held by %s; retrying every %ss",
                     current[0] if current else "another process", self.standby_retry_seconds)
        self.state = "active" if held else "standby"
        return held

    def _release_claims_of(self, previous: str) -> None:
        """The holder we replaced stopped renewing (dead or hung): what it had claimed and not
        sent goes back to the pool at once, rather than when the claims lapse."""
        with self.app.app_context():
            try:
                released = abandon_email_claims(previous)
            except Exception as exc:  # the claims still lapse by themselves
                db.session.rollback()
                log.error("releasing %s's email claims failed: %s", previous, type(exc).__name__)
                return
        log.info("scheduler took over from %s: %s unsent email claims released", previous, released)

    def holds_lease(self) -> bool:
        """Whether work in progress may go on: active, not stopping, lease renewed recently."""
        return self.state == "active" and not self._stop.is_set() and self.lock.fresh()

    def start_up(self, now: datetime | None = None) -> bool:
        """Become active if the lock is free, and then catch up. False: standing by."""
        now = now or utcnow()
        if not self.try_become_active(now):
            return False
        self.catch_up(now)
        return True

    def heartbeat(self) -> None:
        if not self.lock.confirm(utcnow()):
            self._lock_lost()

    def _lock_lost(self) -> None:
        if self.state == "active":
            log.error("scheduler lock lost: %s stops running jobs and stands by", self.lock.holder)
        self.state = "standby"
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            with suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=False)  # called from a job thread: it cannot wait for itself

    # --- jobs -------------------------------------------------------------------------------

    def _func(self, job_id: str) -> Callable:
        func = self._funcs[job_id]
        if self._specs[job_id].takes_lease:
            func = partial(func, claimant=self.lock.holder, keep_going=self.holds_lease)
        return func

    def run_job(self, job_id: str, now: datetime | None = None) -> dict | None:
        """Run one job from the table; None when skipped (lock not held) or failed."""
        return self._execute(job_id, self._func(job_id), now)

    def catch_up(self, now: datetime | None = None) -> dict:
        """After downtime: the sweep records every breach in the gap at its due time; the report
        is built once if today's is due and missing."""
        now = now or utcnow()
        hour, minute = report_time(self.app.config)
        return {
            SWEEP: self._execute(SWEEP, self._func(SWEEP), now),
            MORNING_REPORT: self._execute(
                f"{MORNING_REPORT} (catch-up)",
                partial(morning_report_catch_up, hour=hour, minute=minute), now),
        }

    def _execute(self, name: str, func: Callable[[datetime], dict], now: datetime | None) -> dict | None:
        now = now or utcnow()
        if not self.lock.confirm(now):
            log.warning("job %s skipped: this process does not hold the scheduler lock", name)
            self._lock_lost()
            return None
        started = time.monotonic()
        with self._idle:
            self._running += 1
        try:
            with self.app.app_context():
                try:
                    result = func(now)
                except Exception as exc:  # a failed job is logged; the scheduler carries on
                    db.session.rollback()
                    log.error("job %s failed: %s", name, type(exc).__name__, exc_info=True)
                    return None
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()
        log.info("job %s done in %.2fs: %s", name, time.monotonic() - started, _counts(result))
        return result

    def wait_for_jobs(self, timeout: float | None = None) -> bool:
        """Wait until no job of this process is running (True), e.g. before taking the lease
        again after losing it: a sweep in progress finishes or gives up before another starts."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    # --- the process ------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop for good: no new runs, wait for running jobs to finish, release the lock."""
        self._stop.set()
        scheduler = self.scheduler
        if scheduler is not None:
            # Not started yet (SchedulerNotRunningError): the start listener shuts it down at once.
            with suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=True)
        self.lock.release()
        self.state = "stopped"

    def handle_signal(self, signum: int) -> None:
        log.info("scheduler: %s received, shutting down", signal.strsignal(signum))
        self.stop()

    def watch_signals(self, fd: int) -> None:
        """Read the signal wake-up pipe until a stop signal (or the exit byte) arrives."""
        while True:
            select.select([fd], [], [])
            try:
                data = os.read(fd, 64)
            except BlockingIOError:
                continue
            if not data or _WATCHER_EXIT in data:
                return
            for signum in data:
                if signum in STOP_SIGNALS:
                    self.handle_signal(signum)
                    return

    def _run_active(self) -> None:
        scheduler = build_scheduler(self.app, self)
        # The catch-up runs as a job, so that a stop waits for it like any other job.
        scheduler.add_job(self.catch_up, DateTrigger(run_date=utcnow(), timezone=UTC), id=CATCH_UP,
                          name=CATCH_UP, misfire_grace_time=None, max_instances=1)

        def stop_if_asked(_event):
            if self._stop.is_set():  # a signal arrived between taking the lock and starting
                scheduler.shutdown(wait=False)

        scheduler.add_listener(stop_if_asked, EVENT_SCHEDULER_STARTED)
        self.scheduler = scheduler
        try:
            scheduler.start()  # BlockingScheduler: returns after shutdown
        finally:
            self.scheduler = None

    def serve(self) -> None:
        """Run until SIGTERM/SIGINT: active while holding the lock, standing by otherwise."""
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        previous = {sig: signal.signal(sig, lambda *_: None) for sig in STOP_SIGNALS}
        previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        watcher = threading.Thread(target=self.watch_signals, args=(read_fd,),
                                   name="scheduler-signals", daemon=True)
        watcher.start()
        try:
            while not self._stop.is_set():
                if self.try_become_active() and not self._stop.is_set():
                    self._run_active()
                    self.wait_for_jobs()  # jobs see holds_lease() go false and stop
                    if not self._stop.is_set():
                        self.lock.release()  # lost it: tidy up before standing by
                self._stop.wait(self.standby_retry_seconds)
        finally:
            signal.set_wakeup_fd(previous_fd)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            with suppress(OSError):
                os.write(write_fd, _WATCHER_EXIT)
            watcher.join(timeout=60)  # a stop in progress waits for running jobs
            self.lock.release()
            os.close(read_fd)
            os.close(write_fd)


def build_scheduler(app: Flask, runner: SchedulerRunner | None = None, *, scheduler_class=None):
    """An unstarted scheduler holding the job table (plus the lock heartbeat).

    Every job goes through the runner, so it runs only while this process holds the lock:
    a scheduler built here and started without `SchedulerRunner.serve()` runs nothing.
    """
    runner = runner or SchedulerRunner(app)
    scheduler = (scheduler_class or BlockingScheduler)(
        timezone=UTC,  # explicit: never ask tzlocal; the report trigger carries Europe/London
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    for spec in runner.jobs:
        scheduler.add_job(runner.run_job, build_trigger(spec), args=(spec.id,), id=spec.id,
                          name=spec.id, coalesce=spec.coalesce, max_instances=spec.max_instances,
                          misfire_grace_time=spec.misfire_grace_time)
    scheduler.add_job(runner.heartbeat, IntervalTrigger(seconds=runner.heartbeat_seconds, timezone=UTC),
                      id=HEARTBEAT, name=HEARTBEAT, coalesce=True, max_instances=1,
                      misfire_grace_time=runner.heartbeat_seconds)
    return scheduler


def run(app: Flask, echo: Callable[[str], None] = print) -> None:
    """The scheduler process (`flask triage scheduler`, `python -m triage.scheduler`)."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines say what ran
    runner = SchedulerRunner(app)
    with app.app_context():
        limit_idle_transactions(db.engine, _seconds(app.config, "SCHEDULER_IDLE_TRANSACTION_SECONDS", 30))
    echo(f"Scheduler {runner.lock.holder} starting ({runner.lock.kind} lock); "
         "SIGTERM or Ctrl-C stops it")
    runner.serve()
    echo("Scheduler stopped")
