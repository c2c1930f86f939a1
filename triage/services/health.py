"""Whether the service can do its work: asked by load balancers through /healthz."""
from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import text

from triage.extensions import db


@dataclass(frozen=True)
class DatabaseCheck:
    answers: bool
    cause: str | None = None  # the error's class when it does not: never its message


def database_answers() -> DatabaseCheck:
    """Ask the database the cheapest question there is; any failure means "not healthy"."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - whatever the failure, the answer is "unavailable"
        with suppress(Exception):  # the connection may already be gone: nothing to undo
            db.session.rollback()
        return DatabaseCheck(False, type(getattr(exc, "orig", None) or exc).__name__)
    return DatabaseCheck(True)
