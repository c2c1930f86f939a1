"""One active scheduler per deployment: a lease its holder must keep renewing.

The SchedulerLock row is the lease, on every database. It is taken when absent or when its
heartbeat is older than `stale_after`, in one conditional upsert, so two contenders cannot both
win; the holder renews the heartbeat, and deletes the row on a clean stop. A holder that dies or
hangs (SIGSTOP, a frozen VM) stops renewing, so a standby takes over once the heartbeat is
stale, and the old holder, if it wakes, finds the row no longer names it and stops acting.
(A PostgreSQL session advisory lock was used before: a stopped process keeps its connection, and
so its lock, for ever.) The takeover records whom it replaced (`previous_holder`), so the new
holder can release work the old one had claimed but not finished.

Heartbeats are compared with the contenders' own clocks: keep the hosts' clocks in sync (NTP).

Every method takes `now` (aware UTC) from the caller, so tests need no frozen clock. The lock
uses its own connections, never the request/job session, and a mutex so the heartbeat job and
a job's guard can share it across the scheduler's worker threads.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from triage.models import SchedulerLock

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
TABLE = SchedulerLock.__table__


def default_holder() -> str:
    """hostname:pid, plus a short token so two lock objects in one process are told apart."""
    return f"{socket.gethostname()}:{os.getpid()}#{secrets.token_hex(3)}"[:120]


def _upsert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(TABLE)


class _Lock:
    kind = "lock"

    def __init__(self, engine: Engine, *, name: str = LOCK_NAME, holder: str | None = None):
        self.name = name
        self.holder = holder or default_holder()
        self._engine = engine
        self._held = False
        self._mutex = threading.RLock()

    @property
    def held(self) -> bool:
        """What this object last knew; `confirm(now)` asks the database."""
        return self._held

    def current_holder(self) -> tuple[str, datetime] | None:
        """Who the row says holds the lock, and their last heartbeat (for the log)."""
        try:
            with self._engine.connect() as conn:
                row = conn.execute(select(TABLE.c.holder, TABLE.c.heartbeat_at)
                                   .where(TABLE.c.name == self.name)).first()
        except SQLAlchemyError:
            return None
        return (row.holder, row.heartbeat_at) if row else None

    def _heartbeat_row(self, conn: Connection, now: datetime) -> bool:
        result = conn.execute(update(TABLE).where(TABLE.c.name == self.name,
                                                  TABLE.c.holder == self.holder)
                              .values(heartbeat_at=now))
        return result.rowcount == 1

    def _delete_row(self, conn: Connection) -> None:
        conn.execute(delete(TABLE).where(TABLE.c.name == self.name, TABLE.c.holder == self.holder))


class LeaseLock(_Lock):
    """The SchedulerLock row as a lease with a heartbeat."""

    kind = "lease"

    def __init__(self, engine: Engine, *, stale_after: timedelta, **kwargs):
        super().__init__(engine, **kwargs)
        self.stale_after = stale_after
        self._last_confirmed: datetime | None = None
        self._confirmed_monotonic: float | None = None
        self.took_over_from: str | None = None  # set by an acquire that replaced another holder

    def _confirmed(self, now: datetime) -> None:
        self._last_confirmed = now
        self._confirmed_monotonic = time.monotonic()

    def fresh(self) -> bool:
        """Held, and renewed less than `stale_after` ago by this process's own reckoning: a
        holder that was stopped longer than that must not act until it has renewed, since a
        standby may have taken over meanwhile."""
        return (self._held and self._confirmed_monotonic is not None
                and time.monotonic() - self._confirmed_monotonic < self.stale_after.total_seconds())

    def acquire(self, now: datetime) -> bool:
        with self._mutex:
            if self._held and self.confirm(now):
                return True
            values = {"holder": self.holder, "acquired_at": now, "heartbeat_at": now}
            # One statement: insert when absent, take over only when the heartbeat is stale; in
            # the update, `holder` is still the row's old value, kept as previous_holder.
            statement = (_upsert(self._engine.dialect.name)
                         .values(name=self.name, previous_holder=None, **values)
                         .on_conflict_do_update(index_elements=[TABLE.c.name],
                                                set_={**values, "previous_holder": TABLE.c.holder},
                                                where=TABLE.c.heartbeat_at < now - self.stale_after)
                         .returning(TABLE.c.holder, TABLE.c.previous_holder))
            try:
                with self._engine.begin() as conn:
                    row = conn.execute(statement).first()
            except SQLAlchemyError as exc:
                log.warning("scheduler lock: could not try the lock row (%s)", type(exc).__name__)
                return False
            self._held = row is not None and row.holder == self.holder
            self.took_over_from = None
            if self._held:
                self._confirmed(now)
                self.took_over_from = row.previous_holder
            return self._held

    def confirm(self, now: datetime) -> bool:
        """Renew the heartbeat; False once another holder has taken the row."""
        with self._mutex:
            if not self._held:
                return False
            try:
                with self._engine.begin() as conn:
                    still = self._heartbeat_row(conn, now)
            except SQLAlchemyError as exc:
                # Busy or unreachable: we cannot tell. Keep going only while nobody else could
                # yet have judged our heartbeat stale.
                still = self._last_confirmed is not None and now - self._last_confirmed < self.stale_after
                log.warning("scheduler lock: heartbeat failed (%s); %s", type(exc).__name__,
                            "still within the stale window" if still else "treating the lock as lost")
                self._held = still
                return still
            self._held = still
            if still:
                self._confirmed(now)
            return still

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                return
            self._held = False
            try:
                with self._engine.begin() as conn:
                    self._delete_row(conn)
            except SQLAlchemyError as exc:
                log.warning("scheduler lock: could not delete the lock row (%s); it expires "
                            "when its heartbeat goes stale", type(exc).__name__)


def make_lock(engine: Engine, *, heartbeat_seconds: int, holder: str | None = None) -> LeaseLock:
    """The scheduler's lease: stale (and so taken over) after three missed heartbeats."""
    return LeaseLock(engine, holder=holder, stale_after=timedelta(seconds=3 * heartbeat_seconds))


def limit_idle_transactions(engine: Engine, seconds: int) -> None:
    """PostgreSQL: end any session of this engine left idle inside a transaction for `seconds`.

    A scheduler stopped in the middle of a sweep would otherwise hold that transaction's row
    locks, and the standby's sweep, inserting the same events, would wait on them for as long
    as the old process stays stopped. The server ends the session; the stale sweep is abandoned
    and its work is redone by the new holder. Call it in the scheduler process only."""
    if engine.dialect.name != "postgresql":
        return
    milliseconds = int(seconds * 1000)

    @event.listens_for(engine, "connect")
    def _limit(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET idle_in_transaction_session_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()

    engine.dispose()  # connections made before this get the setting too, by being remade
