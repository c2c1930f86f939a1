"""Notifications in plain words: the child's name, where the clock stands now, and the record it is
about; a badge with the unread count on every page; opening one reads it. The names are personal
data: shown to the recipient alone, audited per child, never logged."""
import logging
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from freezegun import freeze_time

from tests.conftest import NOW, csrf_token_from
from tests.support.statements import recorded_statements
from tests.support.stories import allocated_referral
from triage.clock import local_date
from triage.domain.calendar import WorkingDayCalendar
from triage.extensions import db
from triage.models import Assessment, AuditEvent, Notification
from triage.services.inbox import where_it_stands
from triage.services.sweep import sweep_clocks


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)


def _working_days_late(due: date) -> int:
    from triage.services.calendar import working_day_calendar
    return working_day_calendar().working_days_between(due, local_date(NOW))


@freeze_time(NOW)
def test_the_api_says_what_each_notification_is_about_in_plain_words(app, client, login, make_user, actor_for):
    referral, worker, _ = allocated_referral(make_user, actor_for)
    sweep_clocks(NOW)
    login(worker)

    listed = client.get("/api/v1/notifications").json
    due = db.session.query(Assessment).filter_by(referral_id=referral.id).one().due_date
    late = _working_days_late(due)
    texts = {n["text"] for n in listed}
    assert f"Assessment for Noor Ali is overdue by {late} working days" in texts
    assert any(re.fullmatch(r"Case discussion 1 for Noor Ali is overdue by \d+ working days", t) for t in texts)
    assert {tuple(sorted(n["about"].items())) for n in listed} == {(("id", referral.id), ("kind", "case"))}
    # What was there before is unchanged: the stored message names clocks and numbers only.
    assert all("Noor" not in n["message"] for n in listed)


@freeze_time(NOW)
def test_showing_the_words_is_audited_per_child_and_never_logged(app, client, login, make_user, actor_for, caplog):
    referral, worker, _ = allocated_referral(make_user, actor_for)
    sweep_clocks(NOW)
    login(worker)
    caplog.set_level(logging.DEBUG)

    page = client.get("/notifications")

    assert "Assessment for Noor Ali is overdue" in page.get_data(as_text=True)
    shown = db.session.query(AuditEvent).filter_by(entity="notification", user_id=worker.id).all()
    assert shown and {e.child_id for e in shown} == {referral.child_id}
    assert "Noor" not in caplog.text and "Ali is" not in caplog.text


@freeze_time(NOW)
def test_every_page_shows_the_unread_count_in_one_cheap_query_and_opening_one_reads_it(
        app, client, login, make_user, actor_for):
    referral, worker, manager = allocated_referral(make_user, actor_for)
    sweep_clocks(NOW)
    login(worker)
    unread = db.session.query(Notification).filter_by(user_id=worker.id, read_at=None).count()
    assert unread == 3

    with recorded_statements() as statements:
        home = client.get("/").get_data(as_text=True)
    assert f'app-badge">{unread}<' in home
    about_notifications = [s for s in statements if "notification" in s.lower()]
    assert len(about_notifications) == 1 and "count(" in about_notifications[0].lower()

    first = db.session.query(Notification).filter_by(user_id=worker.id).order_by(Notification.id).first()
    opened = client.get(f"/notifications/{first.id}")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/cases/{referral.id}"
    assert db.session.get(Notification, first.id).read_at is not None
    assert f'app-badge">{unread - 1}<' in client.get("/").get_data(as_text=True)

    # Someone else's notification is not there to open.
    theirs = db.session.query(Notification).filter_by(user_id=manager.id).first()
    assert client.get(f"/notifications/{theirs.id}").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


@freeze_time(NOW)
def test_marking_read_through_the_api_answers_with_the_words(app, client, login, make_user, actor_for):
    _, worker, _ = allocated_referral(make_user, actor_for)
    sweep_clocks(NOW)
    login(worker)
    chosen = client.get("/api/v1/notifications").json[0]
    token = csrf_token_from(client.get("/").get_data(as_text=True))

    read = client.post(f"/api/v1/notifications/{chosen['id']}/read", headers={"X-CSRFToken": token})

    assert read.status_code == 200 and read.json["text"] == chosen["text"] and read.json["read_at"]


def test_no_badge_for_someone_with_nothing_unread(app, client, login, make_user):
    login(make_user("practitioner"))
    page = client.get("/").get_data(as_text=True)
    assert "Notifications" in page and "app-badge" not in page


# --- where a clock stands, in words (no database) ------------------------------------------------

CALENDAR = WorkingDayCalendar([date(2026, 12, 25), date(2026, 12, 28)])
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _clock(due_at, due_date=None, stopped_at=None):
    return SimpleNamespace(due_at=due_at, due_date=due_date, stopped_at=stopped_at)


def _end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def test_working_day_clocks_count_working_days_and_skip_the_weekend():
    today = date(2026, 11, 27)
    stands = [where_it_stands(_clock(_end_of(due), due), FRIDAY, today, CALENDAR)
              for due in (date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 2),
                          date(2026, 11, 26), date(2026, 11, 23))]
    assert stands == ["is due today", "is due in 1 working day", "is due in 3 working days",
                      "is overdue by 1 working day", "is overdue by 4 working days"]


def test_hour_clocks_say_how_many_hours_and_when_in_london():
    today = date(2026, 11, 27)
    assert where_it_stands(_clock(FRIDAY - timedelta(hours=5)), FRIDAY, today, CALENDAR) == "is overdue by 5 hours"
    assert where_it_stands(_clock(FRIDAY - timedelta(days=3)), FRIDAY, today, CALENDAR) == "is overdue by 3 days"
    assert where_it_stands(_clock(FRIDAY + timedelta(hours=4)), FRIDAY, today, CALENDAR) == "is due by 14:00 today"
    summer = datetime(2026, 7, 3, 10, 0, tzinfo=UTC)  # British Summer Time: 11:00 in London
    assert where_it_stands(_clock(summer + timedelta(days=1)), summer, date(2026, 7, 3),
                           CALENDAR) == "is due by 11:00 on 4 Jul"


def test_a_stopped_clock_says_whether_it_was_done_in_time():
    done_late = _clock(FRIDAY, stopped_at=FRIDAY + timedelta(minutes=1))
    done_early = _clock(FRIDAY, stopped_at=FRIDAY - timedelta(hours=1))
    assert where_it_stands(done_late, FRIDAY, date(2026, 11, 27), CALENDAR) == "was done late"
    assert where_it_stands(done_early, FRIDAY, date(2026, 11, 27), CALENDAR) == "was done in time"
