"""The one transaction every use case runs in.

A use case either happens whole or not at all: `unit_of_work` commits once when the block (or the
decorated function) finishes and rolls back on any error, so no page or API module ever touches
the session. A concurrent edit caught by a record's version column becomes a visible 409 that
names the record, never a silent overwrite. Use cases may call one another: only the outermost
unit commits or rolls back.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from triage.extensions import db
from triage.services.errors import Conflict

_DEPTH = "triage.unit_of_work.depth"


@contextmanager
def unit_of_work(what: str = "record", *, keep_loaded: bool = False) -> Iterator[None]:
    """Run a use case in one transaction.

    `what` names the record in the 409 a concurrent edit raises ("this contact").
    `keep_loaded` commits without expiring what was loaded: a read whose only write is its audit
    row answers from the rows in hand instead of loading each one again after the commit.
    """
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            _commit(session, keep_loaded)
    except StaleDataError:
        if depth == 0:
            session.rollback()
        raise Conflict(f"Someone else changed this {what} at the same moment; reload it and try again",
                       {"version": [f"This {what} was changed by someone else"]}) from None
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def _commit(session, keep_loaded: bool) -> None:
    if not keep_loaded:
        session.commit()
        return
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before
