"""A believable demo on whatever day it is opened: a well-run Front Door, with very few things
overdue and none by weeks, both when it is first made and when `make run` is typed weeks later."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from triage.demo import seed_demo
from triage.extensions import db
from triage.models import Clock, Contact

NOW = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
QUIET = {"echo": lambda *a, **k: None}


def _overdue(now: datetime) -> list[timedelta]:
    """How late each running clock is at `now`."""
    running = db.session.scalars(select(Clock).where(Clock.stopped_at.is_(None), Clock.due_at < now)).all()
    return [now - c.due_at for c in running]


def _open_contacts_older_than(now: datetime, age: timedelta) -> int:
    return len(db.session.scalars(select(Contact.id).where(Contact.state != "decided",
                                                            Contact.received_at < now - age)).all())


def test_a_new_demo_looks_like_a_well_run_front_door(app):
    seed_demo(NOW, children=60, catch_up=True, **QUIET)
    late = _overdue(NOW)
    assert len(late) <= 3 and all(t < timedelta(days=2) for t in late), late
    assert _open_contacts_older_than(NOW, timedelta(days=2)) == 0
    assert db.session.scalars(select(Clock.id).where(Clock.stopped_at.is_(None), Clock.due_at >= NOW)).first()


def test_opened_weeks_later_the_demo_has_caught_up_and_a_second_run_adds_nothing(app):
    seed_demo(NOW, children=60, **QUIET)
    contacts_before = db.session.query(Contact).count()
    later = NOW + timedelta(days=31, hours=-1)  # a Sunday morning, a month on

    summary = seed_demo(later, children=60, catch_up=True, **QUIET)

    assert summary.step("Catching up to today").added > 0
    assert db.session.query(Contact).count() > contacts_before  # the Front Door kept working meanwhile
    late = _overdue(later)
    assert len(late) <= 3 and all(t < timedelta(days=2) for t in late), late
    assert _open_contacts_older_than(later, timedelta(days=2)) == 0
    again = seed_demo(later, children=60, catch_up=True, **QUIET)
    assert again.added == 0
