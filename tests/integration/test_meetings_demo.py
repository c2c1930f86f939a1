"""`flask triage seed-demo` leaves the last two daily meetings held and today's planned."""
from sqlalchemy import select

from triage.clock import local_date
from triage.demo import seed_demo
from triage.extensions import db
from triage.models import Meeting
from triage.services import meetings


def test_the_demo_has_two_past_daily_meetings_with_attendance_and_todays_planned(app, now):
    summary = seed_demo(now, children=5, echo=lambda _: None)

    held = db.session.scalars(select(Meeting).where(Meeting.series == "mash_daily:all")
                              .order_by(Meeting.meeting_date)).all()
    assert summary.step("Triage meetings").added == 3
    assert [m.state for m in held] == ["closed", "closed", "planned"]
    assert held[-1].meeting_date == local_date(now)
    assert held[1].cut_off == held[0].started_at
    assert [a.code for a in meetings.absent_core_agencies(held[0])] == ["education"]
    assert seed_demo(now, children=5, echo=lambda _: None).step("Triage meetings").added == 0
