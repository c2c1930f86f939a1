"""The checks every use case makes before it acts: may this person do it, and are they editing
the version they saw."""
from __future__ import annotations

from collections.abc import Iterable

from triage.services.actor import Actor
from triage.services.errors import Conflict, Forbidden


def require(actor: Actor, roles: Iterable, doing: str) -> None:
    """Refuse with a 403 that says what the person's role cannot do."""
    if not actor.has_role(*roles):
        raise Forbidden(f"Your role cannot {doing}")


def check_version(record, version: int | None, what: str) -> None:
    """Refuse with a 409 when the record changed since the person loaded it.

    `version` None means the caller did not send one (the API makes it optional for some
    writes); the version column still catches a race at commit.
    """
    if version is not None and record.version != version:
        raise Conflict(f"Someone else changed this {what} (now version {record.version}, you had "
                       f"version {version}); reload it and try again",
                       {"version": [f"Now version {record.version}"]})
