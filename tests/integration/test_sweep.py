"""The clock sweep: set-based, each warning and breach recorded once, at its due time."""
import threading
from datetime import UTC, datetime, timedelta

import pytest

from triage.domain.clocks import ClockKind
from triage.extensions import db
from triage.models import Clock, ClockEvent, Notification
from triage.services import clocks
from triage.services.sweep import sweep_clocks

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def worker(make_user):
    manager = make_user("manager")
    worker = make_user("practitioner")
    worker.manager_id = manager.id
    db.session.commit()
    return worker, manager


def _clocks(n, owner_id=None, start=T0, every=timedelta(minutes=30)):
    made = []
    for i in range(n):
        due = start + every * (i + 1)
        made.append(clocks.start_clock(ClockKind.PARTNER_INFORMATION, "information_request", i + 1, start,
                                       due, due - timedelta(hours=1), owner_id=owner_id))
    db.session.commit()
    return made


def test_a_sweep_run_twice_records_nothing_twice(app):
    _clocks(6)
    first = sweep_clocks(T0 + timedelta(hours=2))
    second = sweep_clocks(T0 + timedelta(hours=2))
    assert (first.breaches, first.warnings) == (3, 3)
    assert (second.breaches, second.warnings) == (0, 0)
    assert db.session.query(ClockEvent).count() == 6


def test_a_scheduler_down_for_three_hours_records_every_breach_in_the_gap_once_at_its_due_time(app):
    made = _clocks(9)  # due every half hour from 09:30; each warns an hour before
    sweep_clocks(T0)  # the last sweep before the outage: nothing due yet
    sweep_clocks(T0 + timedelta(hours=3, minutes=5))  # back at 12:05
    breaches = db.session.query(ClockEvent).filter_by(kind="breached").order_by(ClockEvent.at).all()
    assert [e.at for e in breaches] == [c.due_at for c in made[:6]]  # 09:30 ... 12:00
    assert all(e.recorded_at == T0 + timedelta(hours=3, minutes=5) for e in breaches)
    by_id = db.session.query(Clock).order_by(Clock.id).all()
    assert [c.state for c in by_id] == ["breached"] * 6 + ["due_soon"] * 2 + ["running"]  # 12:30, 13:00 warn
    assert [c.breached_at for c in by_id][:6] == [c.due_at for c in made[:6]]


def test_a_stopped_clock_is_left_alone(app):
    [clock] = _clocks(1)
    clocks.stop_clock(ClockKind.PARTNER_INFORMATION, "information_request", 1, T0 + timedelta(minutes=10))
    db.session.commit()
    assert sweep_clocks(T0 + timedelta(days=1)).breaches == 0
    assert db.session.get(Clock, clock.id).state == "met"


def test_a_clock_stopped_late_before_any_sweep_still_records_its_breach_once(app):
    [clock] = _clocks(1)
    clocks.stop_clock(ClockKind.PARTNER_INFORMATION, "information_request", 1, T0 + timedelta(hours=5))
    db.session.commit()
    sweep_clocks(T0 + timedelta(hours=6))
    [event] = db.session.query(ClockEvent).all()
    assert (event.kind, event.at) == ("breached", clock.due_at)


def test_the_owner_and_their_manager_are_notified_once_without_personal_data(app, worker):
    practitioner, manager = worker
    _clocks(1, owner_id=practitioner.id)
    sweep_clocks(T0 + timedelta(minutes=10))  # inside the warning hour before 09:30
    sweep_clocks(T0 + timedelta(hours=1))  # breached
    sweep_clocks(T0 + timedelta(hours=2))  # nothing new
    notes = db.session.query(Notification).order_by(Notification.id).all()
    assert sorted((n.user_id, n.message) for n in notes) == sorted([
        (practitioner.id, "partner_information clock due_soon on information_request 1"),
        (manager.id, "partner_information clock due_soon on information_request 1"),
        (practitioner.id, "partner_information clock breached on information_request 1"),
        (manager.id, "partner_information clock breached on information_request 1"),
    ])


@pytest.mark.postgresql_only  # SQLite serialises writers, so there is no race to lose
def test_two_sweeps_racing_produce_one_set_of_events(app):
    _clocks(50)
    errors = []

    def run():
        try:
            with app.app_context():
                sweep_clocks(T0 + timedelta(days=1))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.session.query(ClockEvent).count() == 50


def test_a_breached_decision_clock_with_no_owner_tells_every_front_door_manager_once(app, make_user):
    managers = [make_user("manager"), make_user("manager")]
    make_user("practitioner")
    retired = make_user("manager")
    retired.active = False
    db.session.commit()
    clocks.start_clock(ClockKind.DECISION, "contact", 1, T0, T0 + timedelta(hours=1), T0)
    clocks.start_clock(ClockKind.PARTNER_INFORMATION, "information_request", 1, T0, T0 + timedelta(hours=1), T0)
    db.session.commit()
    sweep_clocks(T0 + timedelta(hours=2))
    sweep_clocks(T0 + timedelta(hours=3))
    told = db.session.query(Notification).filter(Notification.message.like("decision clock breached%")).all()
    assert sorted(n.user_id for n in told) == sorted(m.id for m in managers)
    assert db.session.query(Notification).filter(Notification.message.like("partner_information%")).count() == 0
