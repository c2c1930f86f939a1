"""Searches take % and _ as letters, not LIKE wildcards, wherever a person's term reaches a LIKE."""
from datetime import UTC, date, datetime

import pytest

from triage.services import children, contacts, meetings

UTC = UTC


def _police_notification(police, first: str, last: str, when: datetime) -> None:
    contacts.record_contact(police, when, {
        "channel": "police_notification", "source_code": "6", "consent": "not_required",
        "concern": "Incident", "police_incident_reference": f"INC-{first}", "dash_risk": "medium",
        "children": [{"child": {"first_name": first, "last_name": last, "sex": "female",
                                "date_of_birth": date(2016, 1, 2)}, "confirmed_new": True}]})


@pytest.fixture
def friday_meeting(make_user, actor_for):
    """Friday's meeting discusses Lily Hart; Ann_a Web%b arrives after its agenda was set."""
    chair = actor_for(make_user("practitioner"))
    police = actor_for(make_user("partner", agency="police"))
    meeting = meetings.plan_meeting(chair, datetime(2026, 11, 26, 8, tzinfo=UTC), "mash_daily", date(2026, 11, 27))
    _police_notification(police, "Lily", "Hart", datetime(2026, 11, 26, 10, tzinfo=UTC))
    meetings.start_meeting(chair, datetime(2026, 11, 27, 9, 30, tzinfo=UTC), meeting.id)
    _police_notification(police, "Ann_a", "Web%b", datetime(2026, 11, 27, 10, tzinfo=UTC))
    return chair, meeting


@pytest.mark.parametrize("term, found", [("%", False), ("_", False), ("l_ly", False), ("li%y", False),
                                         ("lily", True), ("HART", True)])
def test_a_meeting_search_by_child_name_matches_percent_and_underscore_literally(friday_meeting, term, found):
    chair, meeting = friday_meeting
    result = meetings.search_meetings(chair, datetime(2026, 11, 27, 12, tzinfo=UTC),
                                      meetings.MeetingSearch(child_name=term))
    assert [m.id for m in result.items] == ([meeting.id] if found else [])


@pytest.mark.parametrize("term, names", [("_", ["Ann_a"]), ("%", ["Ann_a"]), ("l_ly", []),
                                         ("li%y", []), ("\\", []), ("lily", ["Lily"])])
def test_a_child_search_by_name_matches_percent_underscore_and_backslash_literally(
        friday_meeting, make_user, actor_for, term, names):
    manager = actor_for(make_user("manager"))
    found = children.search_children(manager, datetime(2026, 11, 27, 12, tzinfo=UTC),
                                     children.ChildSearch(name=term))
    assert sorted(c.first_name for c in found.items) == names
