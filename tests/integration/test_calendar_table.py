"""The working-day calendar table agrees with the pure calendar, day for day."""
from datetime import date, timedelta

from sqlalchemy import select, update

from triage.extensions import db
from triage.models import WorkingDay
from triage.services import calendar

FIRST, LAST = date(2018, 1, 1), date(2035, 12, 31)


def table_between(first: date, last: date) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        select(WorkingDay.day, WorkingDay.is_working_day, WorkingDay.number)
        .where(WorkingDay.day >= first, WorkingDay.day <= last).order_by(WorkingDay.day))]


def assert_agrees(pure) -> None:
    rows = table_between(FIRST, LAST)
    assert len(rows) == (LAST - FIRST).days + 1
    base = rows[0][2] - pure.is_working_day(FIRST)  # the table counts from 2000; the pure count from FIRST
    for day, working, number in rows:
        assert working == pure.is_working_day(day), day
        assert number - base == pure.working_days_between(FIRST - timedelta(days=1), day), day
    # "Working days between" as a subtraction, on dates a report asks about.
    by_day = {d: n for d, _, n in rows}
    for start, end in ((date(2018, 12, 20), date(2019, 2, 26)), (date(2026, 11, 2), date(2027, 1, 7)),
                       (date(2035, 12, 24), date(2035, 12, 31)), (date(2020, 5, 7), date(2020, 5, 8))):
        assert by_day[end] - by_day[start] == pure.working_days_between(start, end)


def test_the_migrated_table_agrees_with_the_pure_calendar_on_every_day_2018_to_2035(app):
    assert calendar.ensure_working_days() is False  # the migration filled it already
    assert_agrees(calendar.working_day_calendar())


def test_closure_days_re_derive_the_table_in_the_same_transaction(app, make_user, actor_for, now):
    admin = actor_for(make_user("admin"))
    calendar.add_closure_day(admin, now, date(2026, 12, 24), "Christmas Eve")
    calendar.add_closure_day(admin, now, date(2019, 5, 7), "Past closure")
    assert_agrees(calendar.working_day_calendar())
    assert calendar.ensure_working_days() is False

    calendar.remove_closure_day(admin, now, date(2026, 12, 24))
    assert_agrees(calendar.working_day_calendar())
    assert table_between(date(2026, 12, 24), date(2026, 12, 24))[0][1] is True


def test_a_table_out_of_step_is_rewritten_from_the_pure_calendar(app):
    db.session.execute(update(WorkingDay).where(WorkingDay.day == date(2027, 3, 3)).values(is_working_day=False))
    db.session.execute(update(WorkingDay).where(WorkingDay.day >= date(2027, 3, 3))
                       .values(number=WorkingDay.number - 1))
    assert calendar.ensure_working_days() is True
    db.session.commit()
    assert_agrees(calendar.working_day_calendar())


def test_working_days_left_by_subtraction_is_the_domains_answer(app):
    from triage.domain.clocks import working_days_left, working_days_left_by_number

    pure = calendar.working_day_calendar()
    days = [date(2026, 12, 18) + timedelta(days=n) for n in range(0, 30)]
    numbers = calendar.day_numbers(days)
    for today in days:
        for due in days:
            assert working_days_left_by_number(due, numbers[due], today, numbers[today]) == \
                working_days_left(due, today, pure), (today, due)


def test_a_day_beyond_the_table_is_numbered_as_the_table_would(app):
    pure = calendar.working_day_calendar()
    numbers = calendar.day_numbers([date(2045, 12, 29), date(2046, 1, 5)])
    assert numbers[date(2046, 1, 5)] - numbers[date(2045, 12, 29)] == \
        pure.working_days_between(date(2045, 12, 29), date(2046, 1, 5))
