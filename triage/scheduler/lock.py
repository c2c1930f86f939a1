"""One active scheduler per deployment.

Two implementations behind one small interface (acquire / confirm / release):

* PostgreSQL: `pg_try_advisory_lock(ADVISORY_LOCK_KEY)` on a dedicated connection kept open
  (in autocommit, so it never sits idle in a transaction) for as long as the process is active.
  The server drops the lock the moment that connection ends, including when the process dies,
  so a standby's next attempt succeeds. The SchedulerLock row only records who holds it.
* SQLite (and anything else): the SchedulerLock row is the lock. It is taken when absent or
  when its heartbeat is older than `stale_after`, in one conditional upsert, so two contenders
  cannot both win; the holder refreshes the heartbeat, and deletes the row on a clean stop.

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
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from triage.models import SchedulerLock

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
# A constant key for this service's scheduler; advisory locks are per database. "tria" in ASCII,
# below 2**31 so pg_locks shows it as classid 0, objid this value.
ADVISORY_LOCK_KEY = 0x74726961
TABLE = SchedulerLock.__table__


def default_holder() -> str:
    """hostname:pid, plus a short token so two lock objects in one process are told apart."""
    return f"{socket.gethostname()}:{os.getpid()}#{secrets.token_hex(3)}"[:120]


def _upsert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(TABLE)


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


class RowLock(_Lock):
    """The SchedulerLock row with a heartbeat: for SQLite, where there is no advisory lock."""

    kind = "row"

    def __init__(self, engine: Engine, *, stale_after: timedelta, **kwargs):
        super().__init__(engine, **kwargs)
        self.stale_after = stale_after
        self._last_confirmed: datetime | None = None

    def acquire(self, now: datetime) -> bool:
        with self._mutex:
            if self._held and self.confirm(now):
                return True
            values = {"holder": self.holder, "acquired_at": now, "heartbeat_at": now}
            # One statement: insert when absent, take over only when the heartbeat is stale.
            statement = (_upsert(self._engine.dialect.name)
                         .values(name=self.name, **values)
                         .on_conflict_do_update(index_elements=[TABLE.c.name], set_=values,
                                                where=TABLE.c.heartbeat_at < now - self.stale_after)
                         .returning(TABLE.c.holder))
            try:
                with self._engine.begin() as conn:
                    winner = conn.execute(statement).scalar()
            except SQLAlchemyError as exc:
                log.warning("scheduler lock: could not try the lock row (%s)", type(exc).__name__)
                return False
            self._held = winner == self.holder
            if self._held:
                self._last_confirmed = now
            return self._held

    def confirm(self, now: datetime) -> bool:
        """Refresh the heartbeat; False once another holder has taken the row."""
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
                self._last_confirmed = now
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


class AdvisoryLock(_Lock):
    """A PostgreSQL session advisory lock on a dedicated connection."""

    kind = "advisory"

    def __init__(self, engine: Engine, *, key: int = ADVISORY_LOCK_KEY, **kwargs):
        super().__init__(engine, **kwargs)
        self.key = key
        self._lock_engine: Engine | None = None
        self._conn: Connection | None = None
        self.backend_pid: int | None = None

    def _connect(self) -> Connection:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        if self._lock_engine is None:
            # NullPool: closing the connection really ends the server session (and the lock);
            # a pooled connection would keep the lock alive in the pool.
            self._lock_engine = create_engine(self._engine.url, poolclass=NullPool,
                                              hide_parameters=True)
        return self._lock_engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _close(self) -> None:
        conn, self._conn, self.backend_pid = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except SQLAlchemyError:
                pass

    def acquire(self, now: datetime) -> bool:
        with self._mutex:
            if self._held and self.confirm(now):
                return True
            try:
                conn = self._conn or self._connect()
                self._conn = conn
                got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
                if not got:
                    self._close()  # a standby holds no connection between attempts
                    return False
                self.backend_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
                values = {"holder": self.holder, "acquired_at": now, "heartbeat_at": now}
                conn.execute(_upsert("postgresql").values(name=self.name, **values)
                             .on_conflict_do_update(index_elements=[TABLE.c.name], set_=values))
            except SQLAlchemyError as exc:
                log.warning("scheduler lock: could not try the advisory lock (%s)", type(exc).__name__)
                self._close()
                self._held = False
                return False
            self._held = True
            return True

    def confirm(self, now: datetime) -> bool:
        """Check on the dedicated connection that the session still holds the lock."""
        with self._mutex:
            if not self._held or self._conn is None:
                self._held = False
                return False
            try:
                still = self._conn.execute(text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid() AND granted AND objsubid = 1"
                    " AND ((classid::bigint << 32) | objid::bigint) = :key)"), {"key": self.key}).scalar()
                if still:
                    self._heartbeat_row(self._conn, now)
            except DBAPIError as exc:
                # The connection is gone, and with it the lock (the server released it).
                log.warning("scheduler lock: the lock connection failed (%s)", type(exc).__name__)
                still = False
            if not still:
                self._held = False
                self._close()
            return bool(still)

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None:
                try:
                    if self._held:
                        self._delete_row(self._conn)
                    self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                except SQLAlchemyError as exc:
                    log.warning("scheduler lock: unlock failed (%s); closing the connection "
                                "releases it", type(exc).__name__)
            self._held = False
            self._close()
            if self._lock_engine is not None:
                self._lock_engine.dispose()
                self._lock_engine = None


def make_lock(engine: Engine, *, heartbeat_seconds: int, holder: str | None = None) -> RowLock | AdvisoryLock:
    """The right lock for the database: advisory on PostgreSQL, the row elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, holder=holder)
    return RowLock(engine, holder=holder, stale_after=timedelta(seconds=3 * heartbeat_seconds))
