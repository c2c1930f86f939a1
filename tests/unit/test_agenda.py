"""The triage meeting's agenda rule and its state tables: pure, no app, no database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triage.domain.agenda import AgendaRule, Candidate, ItemSource, build_agenda, order_key, source_for
from triage.domain.meetings import (
    InvalidMeetingStep,
    ItemState,
    MeetingState,
    check_item_move,
    check_meeting_move,
    partner_may_see,
)

UTC = UTC
YESTERDAY_START = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
TODAY_START = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
DAILY = AgendaRule(channels=frozenset({"police_notification"}), takes_put_forward=True,
                   cut_off=YESTERDAY_START, until=TODAY_START)


def notification(contact_id: int, hours_before_start: float = 3, rag: str | None = None,
                 due_in_hours: float | None = None, **fields) -> Candidate:
    received = TODAY_START - timedelta(hours=hours_before_start)
    due = received + timedelta(hours=24) if due_in_hours is None else TODAY_START + timedelta(hours=due_in_hours)
    return Candidate(contact_id=contact_id, channel=fields.pop("channel", "police_notification"),
                     received_at=received, rag=rag, decision_due_at=due, **fields)


def ids(agenda) -> list[int]:
    return [e.candidate.contact_id for e in agenda.entries]


# Ordering -------------------------------------------------------------------------------------

def test_the_agenda_lists_red_then_amber_then_green_then_unrated():
    agenda = build_agenda([notification(1, rag=None), notification(2, rag="green"),
                           notification(3, rag="red"), notification(4, rag="amber")], DAILY)

    assert ids(agenda) == [3, 4, 2, 1]


def test_within_a_rating_the_least_time_left_on_the_decision_clock_comes_first():
    agenda = build_agenda([notification(1, rag="amber", due_in_hours=20),
                           notification(2, rag="amber", due_in_hours=2),
                           notification(3, rag="amber", due_in_hours=-1),  # already breached
                           notification(4, rag="red", due_in_hours=23)], DAILY)

    assert ids(agenda) == [4, 3, 2, 1]


def test_equal_rating_and_due_time_fall_back_to_the_oldest_then_the_contact_id():
    due = 10
    agenda = build_agenda([notification(7, 2, "green", due), notification(5, 2, "green", due),
                           notification(6, 8, "green", due)], DAILY)

    assert ids(agenda) == [6, 5, 7]


def test_the_order_key_puts_an_unknown_rating_with_the_unrated():
    due = TODAY_START
    assert order_key("purple", due, due, 1) == order_key(None, due, due, 1)
    assert order_key("green", due, due, 1) < order_key(None, due, due, 1)


# Selection ------------------------------------------------------------------------------------

def test_police_notifications_since_the_previous_meeting_started_are_taken():
    before_cut_off = notification(1, hours_before_start=25)  # was on yesterday's agenda
    since = notification(2, hours_before_start=23)

    agenda = build_agenda([before_cut_off, since], DAILY)

    assert ids(agenda) == [2]
    assert agenda.entries[0].source is ItemSource.CHANNEL
    assert dict((c.contact_id, why) for c, why in agenda.left_off) == {1: "arrived before the cut-off"}


def test_what_arrives_after_the_agenda_froze_goes_to_the_next_meeting():
    late = notification(1, hours_before_start=-0.1)

    assert source_for(late, DAILY) is None
    assert "next meeting" in build_agenda([late], DAILY).left_off[0][1]


def test_the_first_meeting_of_a_series_takes_every_undecided_notification():
    first = AgendaRule(channels=DAILY.channels, takes_put_forward=True, cut_off=None, until=TODAY_START)

    assert ids(build_agenda([notification(1, hours_before_start=24 * 30)], first)) == [1]


def test_contacts_put_forward_are_taken_whenever_they_arrived_until_discussed():
    put_forward = notification(1, hours_before_start=72, channel="phone", put_forward=True)
    discussed = notification(2, hours_before_start=72, channel="phone", put_forward=True,
                             earlier_item_state="agreed")
    phone_call = notification(3, hours_before_start=1, channel="phone")

    agenda = build_agenda([put_forward, discussed, phone_call], DAILY)

    assert ids(agenda) == [1]
    assert agenda.entries[0].source is ItemSource.PUT_FORWARD


def test_a_meeting_that_does_not_take_put_forward_contacts_leaves_them_off():
    weekly = AgendaRule(channels=frozenset(), takes_put_forward=False, cut_off=None, until=TODAY_START)

    assert source_for(notification(1, channel="phone", put_forward=True), weekly) is None


def test_items_not_reached_last_time_carry_over_even_from_before_the_cut_off():
    carried = notification(1, hours_before_start=30, earlier_item_state="not_reached")

    agenda = build_agenda([carried], DAILY)

    assert agenda.entries[0].source is ItemSource.CARRIED_OVER


@pytest.mark.parametrize("earlier, why", [
    ("agreed", "already discussed"), ("confirmed", "already discussed"),
    ("removed", "removed from an earlier agenda"), ("pending", "on another meeting's agenda"),
])
def test_a_contact_already_handled_by_another_meeting_is_left_off(earlier, why):
    agenda = build_agenda([notification(1, earlier_item_state=earlier)], DAILY)

    assert ids(agenda) == []
    assert why in agenda.left_off[0][1]


def test_decided_contacts_never_appear_even_when_added_by_hand():
    decided = notification(1, decided=True)

    agenda = build_agenda([decided], DAILY, added=[1])

    assert ids(agenda) == []
    assert agenda.left_off == [(decided, "already decided")]


def test_the_chair_adds_any_undecided_contact_and_removes_any_item():
    old_phone_call = notification(1, hours_before_start=200, channel="phone", rag="red")
    notification_removed = notification(2, rag="red")
    kept = notification(3, rag="amber")

    agenda = build_agenda([old_phone_call, notification_removed, kept], DAILY, added=[1], removed=[2])

    assert ids(agenda) == [1, 3]
    assert agenda.entries[0].source is ItemSource.ADDED
    assert (notification_removed, "removed by the chair") in agenda.left_off


def test_a_contact_offered_twice_appears_once():
    assert ids(build_agenda([notification(1), notification(1)], DAILY)) == [1]


# State tables ---------------------------------------------------------------------------------

@pytest.mark.parametrize("current, target", [
    ("planned", "open"), ("planned", "cancelled"), ("open", "closed"),
])
def test_allowed_meeting_steps(current, target):
    assert check_meeting_move(current, target) is MeetingState(target)


@pytest.mark.parametrize("current, target, message", [
    ("planned", "closed", "This meeting is planned; it cannot be closed from there"),
    ("open", "open", "This meeting is in progress; it cannot be started from there"),
    ("closed", "open", "This meeting is closed; it cannot be started from there"),
    ("open", "cancelled", "This meeting is in progress; it cannot be cancelled from there"),
    ("cancelled", "open", "This meeting is cancelled; it cannot be started from there"),
])
def test_refused_meeting_steps_name_the_state_the_meeting_is_in(current, target, message):
    with pytest.raises(InvalidMeetingStep, match=message):
        check_meeting_move(current, target)


def test_a_removed_item_can_be_put_back_but_a_confirmed_one_never_removed():
    assert check_item_move("removed", "pending") is ItemState.PENDING
    with pytest.raises(InvalidMeetingStep, match="This item is decision confirmed; it cannot be removed"):
        check_item_move("confirmed", "removed")


def test_an_agreed_outcome_can_be_revisited_until_it_is_confirmed():
    assert check_item_move("pending", "agreed") is ItemState.AGREED
    assert check_item_move("agreed", "agreed") is ItemState.AGREED
    assert check_item_move("agreed", "confirmed") is ItemState.CONFIRMED
    with pytest.raises(InvalidMeetingStep, match="This item is decision confirmed"):
        check_item_move("confirmed", "agreed")
    with pytest.raises(InvalidMeetingStep, match="This item is to discuss; it cannot be confirmed"):
        check_item_move("pending", "confirmed")


# Partner access -------------------------------------------------------------------------------

CLOSED_AT = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("state, closed_at, now, attended, allowed", [
    ("open", None, CLOSED_AT, True, True),
    ("open", None, CLOSED_AT, False, False),
    ("planned", None, CLOSED_AT, True, False),
    ("closed", CLOSED_AT, CLOSED_AT + timedelta(hours=2), True, True),
    ("closed", CLOSED_AT, CLOSED_AT + timedelta(hours=2, seconds=1), True, False),
    ("closed", CLOSED_AT, CLOSED_AT + timedelta(minutes=5), False, False),
    ("cancelled", None, CLOSED_AT, True, False),
])
def test_a_partner_sees_a_meeting_only_as_an_attendee_while_open_and_briefly_after(
        state, closed_at, now, attended, allowed):
    assert partner_may_see(state, closed_at, now, attended, access_hours=2) is allowed
