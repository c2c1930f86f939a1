"""A child's chronology: every event about the child in time order, read set-based and audited."""
from datetime import date

import pytest

from tests.support.statements import recorded_statements
from tests.support.stories import contact_about, whole_story
from triage.extensions import db
from triage.models import AuditEvent, User
from triage.services import chronology
from triage.services.chronology import EventKind
from triage.services.errors import Forbidden, NotFound


def test_the_chronology_holds_every_kind_of_event_in_time_order_each_naming_its_record(app, staff, now):
    story = whole_story(staff)

    child, page = chronology.read_chronology(staff["worker"], now, story["child_id"])

    assert child.id == story["child_id"]
    seen = [(e.on, e.kind, e.record, e.record_id) for e in page.items]
    assert seen == [
        (date(2026, 9, 1), EventKind.CONTACT, "contact", story["first"]),
        (date(2026, 9, 1), EventKind.REFERRAL, "referral", story["referral"]),
        (date(2026, 9, 1), EventKind.ASSESSMENT, "referral", story["referral"]),
        (date(2026, 9, 2), EventKind.PARTNER_ANSWER, "contact", story["first"]),
        (date(2026, 9, 2), EventKind.MEETING_ITEM, "meeting", story["meeting"]),
        (date(2026, 9, 3), EventKind.STRATEGY_DISCUSSION, "referral", story["referral"]),
        (date(2026, 9, 4), EventKind.S47, "referral", story["referral"]),
        (date(2026, 9, 22), EventKind.ICPC, "referral", story["referral"]),
        (date(2026, 10, 5), EventKind.CLOSURE, "referral", story["referral"]),
        (date(2026, 11, 2), EventKind.CONTACT, "contact", story["second"]),
    ]
    assert page.total == 10
    by_kind = {}
    for event in page.items:
        by_kind.setdefault(event.kind, event)  # the first of each kind
    assert "Child and family assessment" in by_kind[EventKind.CONTACT].detail  # the first contact's decision
    assert page.items[-1].detail.startswith("Awaiting decision")
    assert "Due " in by_kind[EventKind.ASSESSMENT].detail and "clock" in by_kind[EventKind.ASSESSMENT].detail
    assert by_kind[EventKind.S47].detail.startswith("Outcome 10/09/2026")
    assert story["agency"] in by_kind[EventKind.PARTNER_ANSWER].title
    assert "no further action" in by_kind[EventKind.CLOSURE].detail.lower()


def test_the_chronology_filters_by_kind_and_pages(app, staff, now):
    story = whole_story(staff)

    _, contacts_only = chronology.read_chronology(staff["worker"], now, story["child_id"],
                                                  frozenset({EventKind.CONTACT, EventKind.CLOSURE}))
    _, second_page = chronology.read_chronology(staff["worker"], now, story["child_id"], page=2, per_page=4)

    assert [e.kind for e in contacts_only.items] == [EventKind.CONTACT, EventKind.CLOSURE, EventKind.CONTACT]
    assert (second_page.total, second_page.pages) == (10, 3)
    assert [e.kind for e in second_page.items] == [EventKind.MEETING_ITEM, EventKind.STRATEGY_DISCUSSION,
                                                   EventKind.S47, EventKind.ICPC]


def test_reading_the_chronology_is_one_audit_row_for_the_child(app, staff, now):
    story = whole_story(staff)

    chronology.read_chronology(staff["worker"], now, story["child_id"])

    rows = db.session.query(AuditEvent).filter_by(entity="chronology", user_id=staff["worker"].user_id).all()
    assert [(r.action, r.entity_id, r.child_id, r.detail) for r in rows] == [
        ("read", story["child_id"], story["child_id"], "10 events")]


def test_the_chronology_is_read_in_a_handful_of_statements_however_many_events(app, staff, now):
    story = whole_story(staff)
    with recorded_statements() as few:
        chronology.read_chronology(staff["worker"], now, story["child_id"])
    for n in range(6):
        contact_about(staff, date(2026, 11, 3 + n), child_id=story["child_id"])
    with recorded_statements() as many:
        _, page = chronology.read_chronology(staff["worker"], now, story["child_id"])

    assert page.total == 10 + 6 * 3  # each contact, its referral and its assessment
    assert len(many) == len(few) <= 10


def test_only_the_roles_that_read_child_records_read_the_chronology(app, staff, now, make_user, actor_for):
    story = whole_story(staff)
    with pytest.raises(Forbidden):
        chronology.read_chronology(actor_for(make_user("performance")), now, story["child_id"])
    with pytest.raises(NotFound):
        chronology.read_chronology(staff["worker"], now, story["child_id"] + 1000)


# The API and the pages ------------------------------------------------------------------------

def test_the_api_serves_the_chronology_paginated_and_filtered(app, staff, api_as):
    story = whole_story(staff)
    api = api_as("practitioner")

    first = api.get(f"/api/v1/children/{story['child_id']}/chronology?page_size=4")
    closures = api.get(f"/api/v1/children/{story['child_id']}/chronology?kind=closure&kind=icpc")

    assert first.status_code == 200
    assert '"total": 10' in first.headers["X-Pagination"]
    assert [e["kind"] for e in first.json] == ["contact", "referral", "assessment", "partner_answer"]
    assert first.json[0] == {"at": "2026-09-01T10:00:00+00:00", "on": "2026-09-01", "kind": "contact",
                             "title": f"Contact {story['first']} received", "detail": first.json[0]["detail"],
                             "record": "contact", "record_id": story["first"], "child_id": story["child_id"]}
    assert [e["kind"] for e in closures.json] == ["icpc", "closure"]


def test_the_api_names_a_bad_kind_and_refuses_roles_without_child_records(app, staff, api_as):
    story = whole_story(staff)
    url = f"/api/v1/children/{story['child_id']}/chronology"

    bad = api_as("practitioner").get(url + "?kind=gossip")
    assert bad.status_code == 422 and "kind" in bad.json["errors"]["query"]
    assert api_as("performance").get(url).status_code == 403
    assert api_as("practitioner").get(f"/api/v1/children/{story['child_id'] + 1000}/chronology").status_code == 404


def test_the_child_page_shows_the_latest_events_linked_and_the_full_chronology_filters(
        app, staff, client, login):
    story = whole_story(staff)
    login(db.session.get(User, staff["worker"].user_id))

    record = client.get(f"/children/{story['child_id']}").get_data(as_text=True)
    assert "The latest 10 of 10 events, newest first." in record
    assert f'href="/contacts/{story["first"]}"' in record and f'href="/cases/{story["referral"]}"' in record
    assert f'href="/meetings/{story["meeting"]}"' in record
    assert f'href="/children/{story["child_id"]}/chronology"' in record
    # The record and its latest events are one read of the child, as before.
    assert db.session.query(AuditEvent).filter_by(user_id=staff["worker"].user_id, child_id=story["child_id"],
                                                  action="read").count() == 1

    full = client.get(f"/children/{story['child_id']}/chronology?kind=closure")
    page = full.get_data(as_text=True)
    assert full.status_code == 200 and "1 event of the kinds chosen." in page
    assert 'value="closure" checked' in page and f"Case {story['referral']} closed" in page
    assert "Strategy discussion</a>" not in page

    printable = client.get(f"/children/{story['child_id']}/chronology?print=1").get_data(as_text=True)
    assert "data-print" in printable and printable.count('data-kind="') == 10
