"""The morning report counts the families stepped down to early help and the night's
out-of-hours handover, as stored with the report."""
from datetime import date, timedelta

from sqlalchemy import select

from tests.support.report_council import NOW, utc
from triage.domain.step_down import StepDownState
from triage.extensions import db
from triage.models import Agency, OutOfHoursHandover, StepDown
from triage.services import contacts, out_of_hours
from triage.services.calendar import working_day_calendar
from triage.services.report import build
from triage.services.unit_of_work import unit_of_work
from triage.settings import front_door_settings


def _step_down(council, state: StepDownState, answered_at=None) -> None:
    referral = council["a_referral"]
    db.session.add(StepDown(referral_id=referral.id, child_id=referral.child_id, state=state,
                            agency_id=db.session.scalar(select(Agency.id).order_by(Agency.id).limit(1)),
                            handed_over_at=utc(2026, 9, 1, 10), due_date=date(2026, 9, 8), answered_at=answered_at,
                            answered_by="eh.team" if answered_at else None))


def _edt_contact(council, received) -> int:
    contact, _ = contacts.record_contact(council["era"], received + timedelta(minutes=5), {
        "channel": "edt_handover", "source_code": "9", "concern": "Police called EDT overnight.",
        "consent": "not_required", "received_at": received, "children": [{"child": {
            "first_name": "Night", "last_name": "Test", "sex": "female", "date_of_birth": date(2012, 3, 2)},
            "confirmed_new": True}]})
    return contact.id


def test_the_report_counts_step_downs_and_the_out_of_hours_handover(council):
    _step_down(council, StepDownState.WAITING)
    _step_down(council, StepDownState.ACCEPTED, utc(2026, 11, 25, 14))
    _step_down(council, StepDownState.RETURNED, utc(2026, 11, 26, 9))
    _step_down(council, StepDownState.ACCEPTED, utc(2026, 10, 2, 9))  # before the week: not counted
    db.session.commit()
    night = [_edt_contact(council, utc(2026, 11, 26, 22)), _edt_contact(council, utc(2026, 11, 27, 6))]
    hours = out_of_hours.hours_from(front_door_settings(), working_day_calendar())
    with unit_of_work("handover"):
        out_of_hours.gather(NOW, hours)
    first = db.session.scalar(select(OutOfHoursHandover).where(OutOfHoursHandover.contact_id == night[0]))
    out_of_hours.accept(council["era"], NOW, hours, night[0], first.version)

    content = build.build_content(NOW)

    assert content["handovers"]["step_downs"] == {"since": "2026-11-21T00:00:00+00:00", "waiting": 1,
                                                  "accepted": 1, "returned": 1}
    assert content["handovers"]["out_of_hours"] == {"handed_over": 2, "accepted": 1, "waiting": 1}
