"""Engine settings that make SQLite behave: foreign keys enforced, WAL for concurrent readers."""
from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


def configure_engine_events() -> None:
    global _configured
    if _configured:
        return
    _configured = True

    @event.listens_for(Engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
