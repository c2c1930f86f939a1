"""Pathways: locality meetings beside the county-wide one, and administrators' routing rules
putting contacts on a pathway's agenda (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import cycle

import pytest

from triage.extensions import db
from triage.models import PathwayRule
from triage.services import contacts, meetings
from triage.services.errors import Conflict, Forbidden, Invalid
from triage.services.meetings.pathways import RuleCommand, create_rule, list_rules, update_rule
from triage.services.reference import ensure_locality

WEDNESDAY, THURSDAY = date(2026, 11, 25), date(2026, 11, 26)
FIRST_NAMES = cycle(["Sam", "Kai", "Ash", "Rio", "Jay", "Lee", "Max", "Ray", "Zak", "Ali"])


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)  # GMT in November


@pytest.fixture
def people(make_user, actor_for):
    return {"chair": actor_for(make_user("practitioner")), "admin": actor_for(make_user("admin")),
            "era": actor_for(make_user("era")), "police": actor_for(make_user("partner", agency="police"))}


def contact(actor, when, concern, born=date(2016, 1, 1), locality=None, channel="phone", source="2A"):
    # A new child each time: a partner naming the same names and date of birth again means the
    # same child (intake matches them), and these tests need children in different places.
    child = {"first_name": next(FIRST_NAMES), "last_name": "Rowe", "sex": "male", "date_of_birth": born}
    if locality is not None:
        child["locality_id"] = locality.id
    data = {"channel": channel, "source_code": source, "concern": concern, "consent": "given",
            "consent_by": "Mother", "received_at": when, "children": [{"child": child, "confirmed_new": True}]}
    if channel == "police_notification":
        data.update(consent="not_required", police_incident_reference=f"INC-{when:%H%M}", consent_by=None)
    made, _ = contacts.record_contact(actor, when, data)
    return made.id


def agenda(people, meeting, now) -> list[int]:
    return [line.contact.id for line in meetings.agenda_preview(people["chair"], now, meeting.id).lines]


def test_a_locality_holds_its_own_mash_meeting_beside_the_county_wide_one(app, people):
    north, west = ensure_locality("North"), ensure_locality("West")
    county = meetings.plan_meeting(people["chair"], at(WEDNESDAY, 8), "mash_daily", THURSDAY)
    virtual_north = meetings.plan_meeting(people["chair"], at(WEDNESDAY, 8), "mash_daily", THURSDAY,
                                          locality_id=north.id)
    assert virtual_north.series == f"mash_daily:{north.id}" != county.series
    from_north = contact(people["police"], at(WEDNESDAY, 15), "Domestic abuse", locality=north,
                         channel="police_notification", source="6")
    from_west = contact(people["police"], at(WEDNESDAY, 16), "Domestic abuse", locality=west,
                        channel="police_notification", source="6")
    assert agenda(people, virtual_north, at(THURSDAY, 9)) == [from_north]
    assert agenda(people, county, at(THURSDAY, 9)) == [from_west]  # North meets on its own today

    meetings.cancel_meeting(people["chair"], at(THURSDAY, 8), virtual_north.id, "Nobody from health free")
    assert sorted(agenda(people, county, at(THURSDAY, 9))) == [from_north, from_west]


def test_a_routing_rule_fills_the_weekly_emotional_health_agenda_of_the_childs_locality(app, people):
    north, west = ensure_locality("North"), ensure_locality("West")
    weekly = meetings.plan_meeting(people["chair"], at(WEDNESDAY, 8), "emotional_health_weekly", THURSDAY,
                                   locality_id=north.id)
    worried = contact(people["era"], at(WEDNESDAY, 10), "School reports self-harm and low mood", locality=north)
    contact(people["era"], at(WEDNESDAY, 11), "Self-harm disclosed to the school nurse", locality=west)
    contact(people["era"], at(WEDNESDAY, 12), "Bruising seen at school", locality=north)
    assert agenda(people, weekly, at(THURSDAY, 13)) == []  # no rule yet: the agenda never filled

    create_rule(people["admin"], at(WEDNESDAY, 12), RuleCommand(
        name="Emotional health", meeting_type="emotional_health_weekly", concern_categories=("emotional_health",)))
    preview = meetings.agenda_preview(people["chair"], at(THURSDAY, 13), weekly.id)
    assert [(line.contact.id, line.source.value) for line in preview.lines] == [(worried, "routed")]


def test_the_14_plus_team_gets_young_people_at_risk_of_exploitation_or_missing(app, people):
    team = meetings.plan_meeting(people["chair"], at(WEDNESDAY, 8), "team_14_plus", THURSDAY)
    create_rule(people["admin"], at(WEDNESDAY, 8), RuleCommand(
        name="14+ at risk", meeting_type="team_14_plus", min_age=14, concern_categories=("exploitation", "missing")))
    fifteen = contact(people["era"], at(WEDNESDAY, 10), "Missing overnight, found in another town",
                      born=date(2011, 3, 1))
    contact(people["era"], at(WEDNESDAY, 11), "Missing overnight, found at a friend's", born=date(2016, 3, 1))
    contact(people["era"], at(WEDNESDAY, 12), "Bruising seen at school", born=date(2010, 3, 1))
    assert agenda(people, team, at(THURSDAY, 11)) == [fifteen]


def test_only_administrators_write_rules_each_mistake_named_and_stale_edits_refused(app, people):
    command = RuleCommand(name="14+", meeting_type="team_14_plus", min_age=14)
    with pytest.raises(Forbidden):
        create_rule(people["chair"], at(WEDNESDAY, 8), command)
    with pytest.raises(Invalid) as bad:
        create_rule(people["admin"], at(WEDNESDAY, 8), RuleCommand(
            name=" ", meeting_type="nope", min_age=16, max_age=14, concern_categories=("gangs",),
            source_codes=("99",), locality_id=999))
    assert set(bad.value.errors) == {"name", "meeting_type", "max_age", "concern_categories", "source_codes",
                                     "locality_id"}
    assert db.session.query(PathwayRule).count() == 0

    rule = create_rule(people["admin"], at(WEDNESDAY, 8), command)
    off = update_rule(people["admin"], at(WEDNESDAY, 9), rule.id,
                      RuleCommand(name="14+", meeting_type="team_14_plus", min_age=14, active=False), 1)
    assert (off.active, off.version) == (False, 2)
    with pytest.raises(Conflict):
        update_rule(people["admin"], at(WEDNESDAY, 10), rule.id, command, 1)
    assert [r.id for r in list_rules(people["chair"], at(WEDNESDAY, 10)).items] == [rule.id]
