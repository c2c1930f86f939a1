"""The daily multi-agency triage meeting through its services, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from triage.extensions import db
from triage.models import AuditEvent, Clock, Contact, ContactChild, MeetingItem, RagChange
from triage.services import contacts, meetings
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound

UTC = UTC
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """London is on GMT in late November, so London wall-clock time is UTC here."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


def notification(n: int, **extra) -> dict:
    return {"channel": "police_notification", "source_code": "6", "consent": "not_required",
            "concern": f"Domestic abuse incident {n}; children present.",
            "police_incident_reference": f"INC-{n:04d}", "dash_risk": "medium",
            "children": [{"child": {"first_name": f"Child{n}", "last_name": "Example", "sex": "female",
                                    "date_of_birth": date(2016, 1, n % 28 + 1)}, "confirmed_new": True}],
            **extra}


@pytest.fixture
def people(make_user, actor_for):
    """Everyone at the table, as Actors."""
    users = {
        "chair": make_user("practitioner", "chair.prac"),
        "manager": make_user("manager", "front.door.manager"),
        "police": make_user("partner", "pc.rep", agency="police"),
        "health": make_user("partner", "health.rep", agency="health"),
        "education": make_user("partner", "school.rep", agency="education"),
        "other_police": make_user("partner", "pc.absent", agency="police"),
    }
    actors = {name: actor_for(user) for name, user in users.items()}
    actors["users"] = users
    return actors


def record(actor, now, n, **extra) -> Contact:
    contact, _ = contacts.record_contact(actor, now, notification(n, **extra))
    return contact


def attend(people, meeting, now, *names):
    agency = {"police": "police", "health": "health", "education": "education", "other_police": "police"}
    for name in names:
        meetings.record_attendance(people["chair"], now, meeting.id, agency[name], "virtual",
                                   user_id=people["users"][name].id)


def start_thursday(people, *before_start: int):
    """Thursday's daily meeting, with police notifications `before_start` received at 09:00."""
    meeting = meetings.plan_meeting(people["chair"], at(THURSDAY, 8), "mash_daily", THURSDAY)
    for n in before_start:
        record(people["police"], at(THURSDAY, 9), n)
    return meetings.start_meeting(people["chair"], at(THURSDAY, 9, 30), meeting.id)


@pytest.fixture
def thursday_meeting(people):
    """Thursday's daily meeting, started at 09:30: the cut-off for Friday's."""
    return start_thursday(people)


def test_tomorrows_agenda_builds_from_the_days_police_notifications_and_a_confirmed_outcome_stops_the_clock(
        people, thursday_meeting):
    police, chair, manager = people["police"], people["chair"], people["manager"]
    on_thursdays_agenda = record(police, at(THURSDAY, 8, 0), 1)
    day = [record(police, at(THURSDAY, 10, 0), 2), record(police, at(THURSDAY, 13, 0), 3),
           record(police, at(THURSDAY, 16, 0), 4)]
    phone_call, _ = contacts.record_contact(chair, at(THURSDAY, 11), {
        **notification(5), "channel": "phone", "source_code": "1A", "police_incident_reference": None})
    contacts.set_rag(chair, at(THURSDAY, 16, 30), day[2].id, "red", "Weapon mentioned")

    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    preview = meetings.agenda_preview(chair, at(THURSDAY, 17, 5), friday.id)
    assert [line.contact.id for line in preview.lines] == [day[2].id, day[0].id, day[1].id]  # red first
    assert preview.cut_off == at(THURSDAY, 9, 30)
    assert on_thursdays_agenda.id not in [line.contact.id for line in preview.lines]
    assert phone_call.id not in [line.contact.id for line in preview.lines]

    started = meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    after_the_start = record(police, at(FRIDAY, 9, 40), 6)  # goes to Monday's meeting
    items = meetings.items_for(chair, at(FRIDAY, 9, 41), started.id)
    assert [i.contact_id for i in items] == [day[2].id, day[0].id, day[1].id]
    assert after_the_start.id not in [i.contact_id for i in items]
    assert started.current_item_id == items[0].id

    item = items[1]  # Thursday 10:00's notification: its clock runs out at Friday 10:00
    attend(people, started, at(FRIDAY, 9, 31), "police", "health", "education")
    meetings.record_contribution(police, at(FRIDAY, 9, 42), item.id, "Two previous DA call-outs in 2026.")
    meetings.record_contribution(people["health"], at(FRIDAY, 9, 43), item.id, "Known to health visiting.")
    meetings.record_contribution(people["education"], at(FRIDAY, 9, 44), item.id, "Attendance 82%; no concerns.")
    item = db.session.get(MeetingItem, item.id)
    assert sorted(c.agency.code for c in item.contributions) == ["education", "health", "police"]
    assert {c.agency.code: c.recorded_by for c in item.contributions}["police"] == "pc.rep"

    agreed = meetings.agree_outcome(chair, at(FRIDAY, 9, 46), item.id, "amber", "assessment", "childrens_social_care",
                                    "Repeat incidents; assess under section 17.", version=item.version)
    assert agreed.state == "agreed"
    confirmed = meetings.confirm_outcome(manager, at(FRIDAY, 9, 50), item.id)
    assert confirmed.state == "confirmed"

    clock = db.session.scalar(select(Clock).where(Clock.kind == "decision", Clock.contact_id == day[0].id))
    assert clock.stopped_at == at(FRIDAY, 9, 50)
    assert clock.state == "met"
    contact = db.session.get(Contact, day[0].id)
    assert contact.state == "decided"
    assert [link.outcome for link in contact.children] == ["assessment"]
    assert "Repeat incidents" in contact.children[0].rationale
    # The agreed priority is on the contact too, with the meeting as the reason.
    assert contact.rag == "amber"
    assert db.session.scalar(select(RagChange.reason).where(RagChange.contact_id == contact.id)).startswith(
        "Agreed at the Daily MASH triage")


def test_a_police_representative_not_at_the_meeting_cannot_read_its_items_and_one_who_is_can_with_every_read_audited(
        people, thursday_meeting, app):
    police, absent_police, chair = people["police"], people["other_police"], people["chair"]
    record(police, at(THURSDAY, 10), 2)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    attend(people, friday, at(FRIDAY, 9, 31), "police")
    item = meetings.items_for(chair, at(FRIDAY, 9, 32), friday.id)[0]
    child_id = item.contact.children[0].child_id

    for call in (lambda: meetings.get_item(absent_police, at(FRIDAY, 9, 35), item.id),
                 lambda: meetings.get_meeting(absent_police, at(FRIDAY, 9, 35), friday.id),
                 lambda: meetings.items_for(absent_police, at(FRIDAY, 9, 35), friday.id),
                 lambda: meetings.live_state(absent_police, at(FRIDAY, 9, 35), friday.id)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(NotFound):
        meetings.record_contribution(absent_police, at(FRIDAY, 9, 35), item.id, "Anything")

    seen = meetings.get_item(police, at(FRIDAY, 9, 36), item.id)
    assert seen.id == item.id
    reads = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "meeting_item", AuditEvent.action == "read",
        AuditEvent.user_id == people["users"]["police"].id)).all()
    assert [(r.entity_id, r.child_id, r.role, r.agency_id) for r in reads] == [
        (item.id, child_id, "partner", people["users"]["police"].agency_id)]

    meetings.close_meeting(chair, at(FRIDAY, 10, 30), friday.id)
    hours = app.config["MEETING_PARTNER_ACCESS_HOURS"]
    assert meetings.get_item(police, at(FRIDAY, 10, 30) + timedelta(hours=hours), item.id)
    with pytest.raises(NotFound):
        meetings.get_item(police, at(FRIDAY, 10, 30) + timedelta(hours=hours, seconds=1), item.id)
    assert meetings.search_meetings(police, at(FRIDAY, 10, 30) + timedelta(hours=hours, minutes=1)).items == []


def test_a_token_principal_of_the_police_cannot_read_meeting_items(people, thursday_meeting):
    from triage.domain.roles import Role
    from triage.services.actor import Actor

    item_meeting = thursday_meeting
    feed = Actor(role=Role.PARTNER, label="token:police feed", token_id=1,
                 agency_id=people["users"]["police"].agency_id, channel="api")
    with pytest.raises(NotFound):
        meetings.get_meeting(feed, at(THURSDAY, 9, 40), item_meeting.id)


def test_items_not_reached_carry_over_and_removed_items_keep_their_reason(people, thursday_meeting):
    police, chair = people["police"], people["chair"]
    first, second = record(police, at(THURSDAY, 10), 2), record(police, at(THURSDAY, 11), 3)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.remove_item(chair, at(THURSDAY, 17, 1), friday.id, second.id, "Already a strategy discussion today")
    with pytest.raises(Invalid) as no_reason:
        meetings.remove_item(chair, at(THURSDAY, 17, 1), friday.id, first.id, "  ")
    assert "reason" in no_reason.value.errors
    meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    items = meetings.items_for(chair, at(FRIDAY, 9, 31), friday.id, include_removed=True)
    assert [(i.contact_id, i.state) for i in items] == [(first.id, "pending"), (second.id, "removed")]
    assert items[1].removed_reason == "Already a strategy discussion today"

    meetings.close_meeting(chair, at(FRIDAY, 10), friday.id)
    assert db.session.get(MeetingItem, items[0].id).state == "not_reached"
    monday = meetings.plan_meeting(chair, at(FRIDAY, 12), "mash_daily", date(2026, 11, 30))
    preview = meetings.agenda_preview(chair, at(FRIDAY, 12), monday.id)
    assert [(line.contact.id, line.source.value) for line in preview.lines] == [(first.id, "carried_over")]


def test_the_chair_adds_a_contact_by_hand_with_a_reason_and_it_goes_after_the_current_item(people, thursday_meeting):
    police, chair = people["police"], people["chair"]
    record(police, at(THURSDAY, 10), 2)
    record(police, at(THURSDAY, 11), 3)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    urgent, _ = contacts.record_contact(chair, at(FRIDAY, 9, 35), {
        **notification(9), "channel": "phone", "source_code": "2A", "police_incident_reference": None})

    item = meetings.add_item(chair, at(FRIDAY, 9, 36), friday.id, urgent.id, "School rang: disclosure this morning")

    order = [i.contact_id for i in meetings.items_for(chair, at(FRIDAY, 9, 37), friday.id)]
    assert order[1] == urgent.id and len(order) == 3
    assert (item.source, item.added_reason) == ("added", "School rang: disclosure this morning")
    with pytest.raises(Conflict, match="already on the agenda"):
        meetings.add_item(chair, at(FRIDAY, 9, 38), friday.id, urgent.id, "again")


@pytest.mark.parametrize("step, message", [
    (lambda c, m, now: meetings.close_meeting(c, now, m.id), "This meeting is planned; it cannot be closed"),
])
def test_closing_a_meeting_that_has_not_started_is_a_conflict_naming_its_state(people, step, message):
    meeting = meetings.plan_meeting(people["chair"], at(THURSDAY, 8), "mash_daily", THURSDAY)
    with pytest.raises(Conflict, match=message):
        step(people["chair"], meeting, at(THURSDAY, 9))


def test_starting_twice_and_confirming_before_agreeing_are_conflicts(people, thursday_meeting):
    police, chair, manager = people["police"], people["chair"], people["manager"]
    with pytest.raises(Conflict, match="This meeting is in progress; it cannot be started"):
        meetings.start_meeting(chair, at(THURSDAY, 9, 40), thursday_meeting.id)
    record(police, at(THURSDAY, 10), 2)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    item = meetings.items_for(chair, at(FRIDAY, 9, 31), friday.id)[0]
    with pytest.raises(Conflict, match="This item is to discuss; it cannot be confirmed"):
        meetings.confirm_outcome(manager, at(FRIDAY, 9, 32), item.id)


def test_a_second_edit_with_a_stale_version_is_a_conflict(people, thursday_meeting):
    police, chair, manager = people["police"], people["chair"], people["manager"]
    record(police, at(THURSDAY, 10), 2)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    item = meetings.items_for(chair, at(FRIDAY, 9, 31), friday.id)[0]
    version = item.version
    meetings.agree_outcome(chair, at(FRIDAY, 9, 40), item.id, "green", "early_help", "early_help",
                           "Step down to early help.", version=version)
    with pytest.raises(Conflict, match="Someone else changed this item"):
        meetings.agree_outcome(manager, at(FRIDAY, 9, 41), item.id, "red", "strategy_s47",
                               "childrens_social_care", "Escalate.", version=version)
    assert db.session.get(MeetingItem, item.id).outcome == "early_help"


def test_a_late_confirmation_needs_a_delay_reason_and_records_the_breach(people):
    chair, manager = people["chair"], people["manager"]
    thursday_meeting = start_thursday(people, 2)  # received 09:00: due Friday 09:00
    item = meetings.items_for(chair, at(THURSDAY, 9, 31), thursday_meeting.id)[0]
    meetings.agree_outcome(chair, at(THURSDAY, 9, 45), item.id, "green", "information_advice", "education",
                           "Advice to school.")
    meetings.close_meeting(chair, at(THURSDAY, 11), thursday_meeting.id)

    with pytest.raises(Invalid) as late:
        meetings.confirm_outcome(manager, at(FRIDAY, 10), item.id)
    assert "delay_reason" in late.value.errors
    assert db.session.get(MeetingItem, item.id).state == "agreed"
    meetings.confirm_outcome(manager, at(FRIDAY, 10), item.id, delay_reason="Manager on leave")
    clock = db.session.scalar(select(Clock).where(Clock.kind == "decision", Clock.contact_id == item.contact_id))
    assert clock.state == "breached"
    link = db.session.scalar(select(ContactChild).where(ContactChild.contact_id == item.contact_id))
    assert (link.within_clock, link.delay_reason) == (False, "Manager on leave")


def test_only_a_manager_confirms_and_a_partner_records_only_for_their_own_agency(people, thursday_meeting):
    police, chair = people["police"], people["chair"]
    record(police, at(THURSDAY, 10), 2)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    attend(people, friday, at(FRIDAY, 9, 31), "police")
    item = meetings.items_for(chair, at(FRIDAY, 9, 31), friday.id)[0]
    meetings.agree_outcome(chair, at(FRIDAY, 9, 40), item.id, "amber", "assessment", "childrens_social_care", "r")
    with pytest.raises(Forbidden):
        meetings.confirm_outcome(chair, at(FRIDAY, 9, 41), item.id)
    with pytest.raises(Forbidden):
        meetings.record_contribution(police, at(FRIDAY, 9, 42), item.id, "x", agency_code="health")
    with pytest.raises(Conflict, match="Nobody from Health"):
        meetings.record_contribution(chair, at(FRIDAY, 9, 42), item.id, "GP says", agency_code="health")
    entry = meetings.record_contribution(chair, at(FRIDAY, 9, 42), item.id, "Open to CSC in 2024.")
    assert entry.agency.code == "childrens_social_care"


def test_attendance_shows_which_core_agencies_were_absent(people, thursday_meeting):
    attend(people, thursday_meeting, at(THURSDAY, 9, 31), "police", "health")
    meetings.record_attendance(people["chair"], at(THURSDAY, 9, 31), thursday_meeting.id, "childrens_social_care",
                               "in_person", user_id=people["users"]["chair"].id)
    absent = meetings.absent_core_agencies(thursday_meeting)
    assert [a.code for a in absent] == ["education", "early_help"]
    with pytest.raises(Invalid) as wrong_agency:
        meetings.record_attendance(people["chair"], at(THURSDAY, 9, 32), thursday_meeting.id, "health", "virtual",
                                   user_id=people["users"]["education"].id)
    assert "agency" in wrong_agency.value.errors


def test_meeting_types_are_settings_and_the_weekly_one_meets_per_locality_with_its_own_agencies(people, app):
    from triage.models import Agency
    from triage.services.reference import ensure_locality

    with pytest.raises(Invalid) as no_locality:
        meetings.plan_meeting(people["chair"], at(THURSDAY, 8), "emotional_health_weekly", THURSDAY)
    assert "locality_id" in no_locality.value.errors
    north = ensure_locality("North")
    weekly = meetings.plan_meeting(people["chair"], at(THURSDAY, 8), "emotional_health_weekly", THURSDAY,
                                   locality_id=north.id)
    assert weekly.series == f"emotional_health_weekly:{north.id}"
    assert {"camhs", "primary_mental_health", "school_nursing"} <= set(db.session.scalars(select(Agency.code)))
    assert [a.code for a in meetings.absent_core_agencies(weekly)] == [
        "camhs", "primary_mental_health", "school_nursing", "early_help"]
    meetings.plan_meeting(people["chair"], at(THURSDAY, 8), "mash_daily", THURSDAY)
    with pytest.raises(Conflict, match="already a Daily MASH triage"):
        meetings.plan_meeting(people["chair"], at(THURSDAY, 8), "mash_daily", THURSDAY)


def test_actions_have_owners_and_due_dates_and_overdue_ones_are_listed(people):
    chair = people["chair"]
    thursday_meeting = start_thursday(people, 2)
    item = meetings.items_for(chair, at(THURSDAY, 9, 31), thursday_meeting.id)[0]
    soon = meetings.add_action(chair, at(THURSDAY, 9, 40), item.id, "Share DA history with school", THURSDAY,
                               owner_agency="police")
    later = meetings.add_action(chair, at(THURSDAY, 9, 41), item.id, "Call mother", date(2026, 12, 3),
                                owner_name="Early help coordinator")
    with pytest.raises(Invalid) as bad:
        meetings.add_action(chair, at(THURSDAY, 9, 42), item.id, "", None)
    assert {"description", "due_date", "owner_agency"} <= set(bad.value.errors)

    overdue = meetings.list_actions(chair, at(FRIDAY, 9), meetings.ActionFilters(overdue=True))
    assert [a.id for a in overdue.items] == [soon.id]
    assert meetings.is_overdue(soon, at(FRIDAY, 9)) and not meetings.is_overdue(later, at(FRIDAY, 9))
    meetings.set_action_done(chair, at(FRIDAY, 9, 5), soon.id)
    assert meetings.list_actions(chair, at(FRIDAY, 9, 6), meetings.ActionFilters(overdue=True)).items == []


def test_meeting_history_is_searchable_by_date_and_child(people, thursday_meeting):
    police, chair = people["police"], people["chair"]
    contact = record(police, at(THURSDAY, 10), 2)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.start_meeting(chair, at(FRIDAY, 9, 30), friday.id)
    child_id = contact.children[0].child_id

    by_child = meetings.search_meetings(chair, at(FRIDAY, 12), meetings.MeetingSearch(child_id=child_id))
    assert [m.id for m in by_child.items] == [friday.id]
    by_name = meetings.search_meetings(chair, at(FRIDAY, 12), meetings.MeetingSearch(child_name="child2 exam"))
    assert [m.id for m in by_name.items] == [friday.id]
    by_date = meetings.search_meetings(chair, at(FRIDAY, 12), meetings.MeetingSearch(date_to=THURSDAY))
    assert [m.id for m in by_date.items] == [thursday_meeting.id]
    search = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search",
                                                         AuditEvent.entity == "meeting")).all()
    assert search[0].child_id == child_id


def test_the_live_revision_moves_with_every_change_and_the_minutes_list_who_came(people, thursday_meeting):
    chair = people["chair"]
    _, first = meetings.current_revision(chair, at(THURSDAY, 9, 31), thursday_meeting.id)
    attend(people, thursday_meeting, at(THURSDAY, 9, 32), "police")
    _, second = meetings.current_revision(chair, at(THURSDAY, 9, 33), thursday_meeting.id)
    assert first != second
    meetings.close_meeting(chair, at(THURSDAY, 10), thursday_meeting.id)
    record_ = meetings.minutes(chair, at(THURSDAY, 10, 5), thursday_meeting.id)
    assert record_.draft is False and [a.agency.code for a in record_.attendance] == ["police"]


def test_the_chair_puts_back_an_item_taken_off_by_mistake(people, thursday_meeting):
    police, chair = people["police"], people["chair"]
    contact = record(police, at(THURSDAY, 10), 2)
    friday = meetings.plan_meeting(chair, at(THURSDAY, 17), "mash_daily", FRIDAY)
    meetings.remove_item(chair, at(THURSDAY, 17, 1), friday.id, contact.id, "Wrong family")
    assert meetings.agenda_preview(chair, at(THURSDAY, 17, 2), friday.id).lines == []

    item = meetings.add_item(chair, at(THURSDAY, 17, 3), friday.id, contact.id, "It was the right family after all")

    assert (item.state, item.source, item.removed_reason) == ("pending", "added", None)
    preview = meetings.agenda_preview(chair, at(THURSDAY, 17, 4), friday.id)
    assert [line.contact.id for line in preview.lines] == [contact.id]
    trail = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.entity == "contact",
                                                               AuditEvent.action == "update")).all()
    assert any("Wrong family" in d for d in trail) and any("right family" in d for d in trail)
