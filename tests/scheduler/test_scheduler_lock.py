"""One active scheduler per database: a lease row its holder renews, on both databases."""
from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.scheduler.conftest import fresh, take_over_from
from triage.extensions import db
from triage.models import SchedulerLock
from triage.scheduler.lock import LeaseLock, limit_idle_transactions

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _row():
    return fresh(lambda: db.session.get(SchedulerLock, "scheduler"))


def test_every_database_gets_the_lease(locks):
    assert isinstance(locks(), LeaseLock)


def test_of_two_locks_on_one_database_only_one_is_acquired(locks):
    first, second = locks(), locks()
    assert first.acquire(T0) is True
    assert second.acquire(T0) is False
    assert second.acquire(T0 + timedelta(seconds=30)) is False
    assert first.confirm(T0 + timedelta(seconds=30)) is True


def test_the_holder_is_recorded_as_host_and_process(locks):
    lock = locks()
    lock.acquire(T0)
    row = _row()
    assert row.holder == lock.holder
    assert re.fullmatch(r"[^:]+:\d+#[0-9a-f]{6}", lock.holder)
    assert (row.acquired_at, row.heartbeat_at) == (T0, T0)


def test_after_the_holder_releases_the_other_acquires(locks):
    first, second = locks(), locks()
    first.acquire(T0)
    first.release()
    assert _row() is None
    assert second.acquire(T0 + timedelta(seconds=1)) is True
    assert _row().holder == second.holder
    assert first.confirm(T0 + timedelta(seconds=2)) is False


def test_a_holder_that_dies_loses_the_lock_to_the_standby(locks, backend):
    holder, standby = locks(), locks()
    holder.acquire(T0)
    take_over_from(holder, standby, backend, T0)
    assert _row().holder == standby.holder
    assert holder.confirm(T0 + timedelta(minutes=2)) is False
    assert holder.acquire(T0 + timedelta(minutes=2)) is False


def test_the_lease_is_kept_by_its_heartbeat_and_taken_only_once_stale(locks):
    holder, standby = locks(), locks()  # stale after 3 x 20 s
    holder.acquire(T0)
    assert holder.confirm(T0 + timedelta(seconds=50))
    assert standby.acquire(T0 + timedelta(seconds=100)) is False  # heartbeat 50 s ago
    assert standby.acquire(T0 + timedelta(seconds=111)) is True  # 61 s without one
    assert holder.confirm(T0 + timedelta(seconds=112)) is False


def test_a_holder_that_stops_renewing_loses_the_lease_though_its_connections_live(locks):
    # A stopped (SIGSTOP) process keeps its connections: on PostgreSQL that kept the old advisory
    # lock for ever. The lease goes stale all the same.
    holder, standby = locks(), locks()
    holder.acquire(T0)
    assert standby.acquire(T0 + timedelta(seconds=61)) is True
    assert holder.confirm(T0 + timedelta(seconds=62)) is False
    assert holder.held is False


def test_a_takeover_names_the_holder_it_replaced_and_a_first_or_clean_acquire_names_none(locks):
    first, second, third = locks(), locks(), locks()
    assert first.acquire(T0) and first.took_over_from is None
    assert second.acquire(T0 + timedelta(seconds=61))
    assert second.took_over_from == first.holder
    assert _row().previous_holder == first.holder
    second.release()
    assert third.acquire(T0 + timedelta(seconds=62)) and third.took_over_from is None


def test_a_holder_that_has_not_renewed_within_the_stale_window_does_not_count_itself_fresh(locks):
    lock = locks()
    assert lock.fresh() is False
    lock.acquire(T0)
    assert lock.fresh() is True
    lock.stale_after = timedelta(0)  # as if stopped for longer than the window since renewing
    assert lock.fresh() is False


@pytest.mark.postgresql_only
def test_a_sweep_left_open_by_a_stopped_scheduler_is_abandoned_so_the_next_sweep_does_not_wait_for_ever(app):
    # A scheduler stopped mid-sweep holds its uncommitted events; the next holder's sweep inserts
    # the same ones and waits on them. The scheduler process's sessions end such a transaction.
    import time

    from sqlalchemy import create_engine, insert, text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from tests.scheduler.conftest import make_clocks
    from triage.models import ClockEvent
    from triage.services.sweep import sweep_clocks

    [clock] = make_clocks(T0 - timedelta(hours=2), 1)  # due an hour and a half before T0
    stopped = create_engine(db.engine.url, poolclass=NullPool)
    limit_idle_transactions(stopped, 1)
    conn = stopped.connect()
    try:
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "1s"
        conn.execute(insert(ClockEvent).values(clock_id=clock.id, kind="breached", at=clock.due_at,
                                               recorded_at=T0 - timedelta(minutes=1)))
        started = time.monotonic()  # ...and the stopped scheduler never commits
        result = sweep_clocks(T0)
        waited = time.monotonic() - started
        with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
            conn.execute(text("SELECT 1"))
    finally:
        conn.invalidate()
        stopped.dispose()
    assert result.breaches == 1 and 0.5 < waited < 10
    [event] = fresh(lambda: db.session.query(ClockEvent).all())
    assert event.recorded_at == T0  # recorded by the sweep that went on, not the abandoned one


def test_many_locks_trying_at_the_same_moment_give_exactly_one_holder(locks):
    contenders = [locks() for _ in range(6)]
    start = threading.Barrier(len(contenders))
    results = [None] * len(contenders)

    def attempt(i):
        start.wait()
        results[i] = contenders[i].acquire(T0)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(contenders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    [winner] = [c for c, won in zip(contenders, results, strict=False) if won]
    assert _row().holder == winner.holder
