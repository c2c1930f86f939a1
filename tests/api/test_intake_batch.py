"""Batch intake: a police force's overnight notifications in one request, each answered on its own,
written set-based, and a retry of the whole batch writing nothing new."""
from sqlalchemy import event, func, select

from triage.extensions import db
from triage.models import AuditEvent, Child, Clock, Contact, ContactChild

URL = "/api/v1/contacts/batch"


def notification(n: int, **child) -> dict:
    return {
        "idempotency_key": f"ppn-{n}",
        "contact": {
            "channel": "police_notification", "source_code": "6", "consent": "not_required",
            "concern": f"Domestic abuse incident {n}; children present.",
            "police_incident_reference": f"INC-2026-{n:05d}",
            "children": [{"child": {"first_name": f"Child{n}", "last_name": "Okafor", "sex": "female",
                                    "date_of_birth": "2017-03-02", **child}}],
        },
    }


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


# Five malformed notifications, each wrong in one field, and where each answer names it.
MALFORMED = {
    7: (lambda item: item["contact"].pop("police_incident_reference"), "contact.police_incident_reference"),
    99: (lambda item: item["contact"].update(channel="pigeon"), "contact.channel"),
    250: (lambda item: item["contact"]["children"][0]["child"].pop("sex"), "contact.children.0.child.sex"),
    311: (lambda item: item.update(idempotency_key="  "), "idempotency_key"),
    499: (lambda item: item["contact"].update(children=[]), "contact.children"),
}


def overnight_batch() -> list[dict]:
    items = [notification(n) for n in range(500)]
    for n, (spoil, _) in MALFORMED.items():
        spoil(items[n])
    return items


def test_500_notifications_with_5_malformed_create_495_and_name_each_bad_field(api_as):
    police = api_as("partner", "police")

    response = police.post(URL, json={"contacts": overnight_batch()})

    assert response.status_code == 200, response.json
    body = response.json
    assert (body["created"], body["replayed"], body["refused"]) == (495, 0, 5)
    assert [r["index"] for r in body["results"]] == list(range(500))
    refused = {r["index"]: r for r in body["results"] if r["status"] == "refused"}
    assert set(refused) == set(MALFORMED)
    for n, (_, field) in MALFORMED.items():
        assert field in refused[n]["errors"], refused[n]
        assert refused[n]["contact"] is None
    created = [r for r in body["results"] if r["status"] == "created"]
    assert all(r["contact"]["state"] == "received" and r["contact"]["child_ids"] == [] for r in created)
    assert len({r["contact"]["id"] for r in created}) == 495
    assert count(Contact) == 495 and count(ContactChild) == 495 and count(Child) == 495
    assert count(Clock) == 2 * 495  # decision and acknowledgement for each
    audited = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "create", AuditEvent.entity == "contact"))
    assert audited == 495


def test_the_same_batch_sent_again_creates_nothing_and_answers_with_the_first_contacts(api_as):
    police = api_as("partner", "police")
    first = police.post(URL, json={"contacts": overnight_batch()}).json

    again = api_as("partner", "police").post(URL, json={"contacts": overnight_batch()})  # a rotated token too

    assert again.status_code == 200
    assert (again.json["created"], again.json["replayed"], again.json["refused"]) == (0, 495, 5)
    ids = {r["index"]: r["contact"]["id"] for r in first["results"] if r["contact"]}
    assert {r["index"]: r["contact"]["id"] for r in again.json["results"] if r["contact"]} == ids
    assert count(Contact) == 495 and count(Child) == 495 and count(Clock) == 990


def test_a_batch_is_written_in_the_same_statements_however_many_contacts_it_holds(api_as):
    police = api_as("partner", "police")
    police.post(URL, json={"contacts": [notification(1000)]})  # the token and the calendar in hand

    def statements_for(items):
        seen = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if "closure_day" not in statement:  # the working-day calendar, cached for a moment
                seen.append(statement.split()[0].upper())

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert police.post(URL, json={"contacts": items}).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return seen

    few = statements_for([notification(n) for n in range(5)])
    many = statements_for([notification(n) for n in range(100, 180)])
    assert few.count("INSERT") == many.count("INSERT") == 5  # children, contacts, links, clocks, audit
    assert len(few) == len(many)


def test_a_key_reused_for_a_different_contact_is_refused_and_a_repeat_inside_a_batch_is_a_replay(api_as):
    police = api_as("partner", "police")
    police.post(URL, json={"contacts": [notification(1)]})
    changed = notification(1)
    changed["contact"]["concern"] = "Another incident altogether"

    response = police.post(URL, json={"contacts": [changed, notification(2), notification(2)]})

    results = response.json["results"]
    assert results[0]["status"] == "refused" and list(results[0]["errors"]) == ["idempotency_key"]
    assert results[1]["status"] == "created" and results[2]["status"] == "replayed"
    assert results[2]["contact"]["id"] == results[1]["contact"]["id"]
    assert count(Contact) == 2


def test_notifications_about_one_child_by_nhs_number_name_one_record(api_as):
    police = api_as("partner", "police")
    items = [notification(n, nhs_number="9434765919", first_name="Maya") for n in range(3)]

    response = police.post(URL, json={"contacts": items})

    assert response.json["created"] == 3
    assert count(Child) == 1
    assert len(set(db.session.scalars(select(ContactChild.child_id)))) == 1


def test_batches_are_for_partner_feeds_and_at_most_500(api_as):
    assert api_as("era").post(URL, json={"contacts": [notification(1)]}).status_code == 403
    too_many = api_as("partner", "police").post(URL, json={"contacts": [notification(n) for n in range(501)]})
    assert too_many.status_code == 422 and "contacts" in too_many.json["errors"]["json"]
    empty = api_as("partner", "police").post(URL, json={"contacts": []})
    assert empty.status_code == 422
    assert count(Contact) == 0


def test_an_item_that_is_not_an_object_is_refused_alone(api_as):
    response = api_as("partner", "police").post(URL, json={"contacts": ["junk", notification(1)]})

    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["refused", "created"]
    assert response.json["results"][0]["errors"]
