"""A partner's child matched to the record already kept: by NHS number, then by name and known date
of birth (the one live record), single and batch alike; the partner's answer the same either way;
a match by name confirmed or undone at screening."""
from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import func, insert, select

from tests.conftest import NOW, csrf_token_from
from triage.extensions import db
from triage.models import AuditEvent, Child, Contact, ContactChild
from triage.services import contacts
from triage.services.errors import Conflict
from triage.services.reference import ensure_locality

NHS, OTHER_NHS = "9434765919", "9434765927"
BORN = date(2017, 3, 2)


def notification(**child) -> dict:
    return {
        "channel": "police_notification", "source_code": "6", "consent": "not_required",
        "concern": "Domestic abuse incident; children present.", "police_incident_reference": "INC-2026-0042",
        "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                                "date_of_birth": BORN.isoformat(), **child}}],
    }


def record(now, **fields) -> int:
    values = {"first_name": "Maya", "last_name": "Okafor", "sex": "female", "date_of_birth": BORN,
              "created_at": now, "updated_at": now, "version": 1, **fields}
    child_id = db.session.execute(insert(Child).values(values).returning(Child.id)).scalar_one()
    db.session.commit()
    return child_id


def links() -> list[ContactChild]:
    db.session.rollback()
    return list(db.session.scalars(select(ContactChild).order_by(ContactChild.id)))


def children() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Child))


def send(client, body: dict, key: str, batch: bool):
    """One contact, by the single intake or as a batch of one; the contact's answer."""
    if batch:
        response = client.post("/api/v1/contacts/batch", json={"contacts": [{"idempotency_key": key, "contact": body}]})
        assert response.status_code == 200, response.json
        [answer] = response.json["results"]
        assert answer["status"] == "created", answer
        return answer["contact"]
    response = client.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.json
    return response.json


BOTH = pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])


@BOTH
def test_an_nhs_number_already_recorded_is_that_child_whatever_the_name(api_as, now, batch):
    known = record(now, nhs_number=NHS, first_name="Maia")

    send(api_as("partner", "police"), notification(nhs_number=NHS), "a", batch)

    [link] = links()
    assert (link.child_id, link.matched_by, link.match_details) == (known, "nhs_number", None)
    assert children() == 1


@BOTH
def test_the_one_record_with_the_name_and_known_date_of_birth_is_the_child_flagged_to_confirm(api_as, now, batch):
    known = record(now, nhs_number=NHS)
    record(now, first_name="Mia")  # another name, the same date of birth
    record(now, date_of_birth=date(2017, 3, 3))  # the same name, another date

    send(api_as("partner", "police"), notification(first_name="  MAYA ", last_name="okafor  "), "a", batch)

    [link] = links()
    assert (link.child_id, link.matched_by) == (known, "name_and_date_of_birth")
    sent = json.loads(link.match_details)
    assert (sent["first_name"], sent["last_name"], sent["date_of_birth"]) == ("MAYA", "okafor", "2017-03-02")
    assert children() == 3


def test_names_are_compared_with_spacing_and_case_ignored_inside_them_too(api_as, now):
    known = record(now, first_name="Anna  Maria", last_name="O'Neill")

    send(api_as("partner", "police"), notification(first_name="anna maria", last_name="O'NEILL"), "a", False)

    assert [link.child_id for link in links()] == [known]


@BOTH
def test_two_records_with_the_name_and_date_of_birth_make_a_new_child(api_as, now, batch):
    first, second = record(now), record(now)

    send(api_as("partner", "police"), notification(), "a", batch)

    [link] = links()
    assert link.child_id not in (first, second) and link.matched_by is None and link.match_details is None
    assert children() == 3


@BOTH
def test_an_approximate_or_expected_date_of_birth_matches_nothing(api_as, now, batch):
    record(now, birth_date_status="approximate")  # estimated from an age: not a known date
    record(now, date_of_birth=None, expected_date_of_birth=BORN)  # unborn
    record(now, date_of_birth=date(2016, 6, 1))
    police = api_as("partner", "police")

    send(police, notification(), "a", batch)  # a known date: the approximate record is not a candidate
    send(police, notification(date_of_birth=None, approximate_age=9), "b", batch)  # an age given: no match

    assert [link.matched_by for link in links()] == [None, None]
    assert children() == 5


@BOTH
def test_a_merged_duplicate_leads_by_nhs_number_to_the_record_kept_and_is_never_matched_by_name(
        api_as, now, batch):
    kept = record(now, first_name="Maisie")
    record(now, nhs_number=NHS, merged_into_id=kept, merged_at=now)  # Maya Okafor, merged away
    police = api_as("partner", "police")

    send(police, notification(nhs_number=NHS), "a", batch)
    send(police, notification(), "b", batch)  # by name: the tombstone is no candidate

    by_nhs, by_name = links()
    assert (by_nhs.child_id, by_nhs.matched_by) == (kept, "nhs_number")
    assert by_name.child_id != kept and by_name.matched_by is None
    assert children() == 3


@BOTH
def test_an_nhs_number_no_record_has_matches_by_name_only_a_record_without_one(api_as, now, batch):
    unnumbered = record(now)
    police = api_as("partner", "police")

    send(police, notification(nhs_number=NHS), "a", batch)
    assert [(link.child_id, link.matched_by) for link in links()] == [(unnumbered, "name_and_date_of_birth")]
    assert db.session.get(Child, unnumbered).nhs_number is None  # the number waits for the practitioner

    db.session.execute(Child.__table__.update().where(Child.id == unnumbered).values(nhs_number=OTHER_NHS))
    db.session.commit()
    send(police, notification(nhs_number=NHS), "b", batch)  # another NHS number: another child
    assert links()[-1].child_id != unnumbered and links()[-1].matched_by is None


def test_the_partners_answer_is_the_same_whether_or_not_the_child_was_known(api_as, now):
    record(now, first_name="Known")
    police = api_as("partner", "police")

    def answers(first_name: str, key: str) -> tuple[dict, dict]:
        with freeze_time(NOW):
            single = police.post("/api/v1/contacts", json=notification(first_name=first_name),
                                 headers={"Idempotency-Key": key})
            batch = police.post("/api/v1/contacts/batch", json={"contacts": [
                {"idempotency_key": key + "-b", "contact": notification(first_name=first_name)}]})
        assert single.status_code == 201 and batch.status_code == 200
        one = {k: v for k, v in single.json.items() if k != "id"}
        [item] = batch.json["results"]
        return one, {k: (v if k != "contact" else {c: x for c, x in v.items() if c != "id"})
                     for k, v in item.items() if k != "idempotency_key"}

    known, unknown = answers("Known", "k"), answers("Stranger", "s")

    # The stranger's second contact finds the record the first one made.
    assert [link.matched_by for link in links()] == ["name_and_date_of_birth"] * 2 + [None, "name_and_date_of_birth"]
    assert known == unknown
    assert known[0]["child_ids"] == []


def test_the_same_name_and_date_of_birth_twice_in_one_contact_is_refused_known_or_not(api_as, now):
    police = api_as("partner", "police")
    body = notification()
    body["children"].append({"child": {**body["children"][0]["child"], "first_name": "maya "}})

    unknown = police.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": "u"})
    record(now)
    known = police.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": "k"})

    assert unknown.status_code == known.status_code == 422
    assert unknown.json == known.json and "children.1" in known.json["errors"]
    twins = notification(nhs_number=NHS)
    twins["children"].append({"child": {**twins["children"][0]["child"], "nhs_number": OTHER_NHS}})
    assert police.post("/api/v1/contacts", json=twins, headers={"Idempotency-Key": "t"}).status_code == 201


@BOTH
def test_a_record_the_contact_already_names_by_nhs_number_is_not_matched_again_by_name(api_as, now, batch):
    known = record(now, nhs_number=NHS)  # Maya Okafor
    body = notification(first_name="Mai", nhs_number=NHS)
    body["children"].append(notification()["children"][0])  # Maya Okafor, no NHS number

    send(api_as("partner", "police"), body, "a", batch)

    by_nhs, by_name = links()
    assert (by_nhs.child_id, by_nhs.matched_by) == (known, "nhs_number")
    assert by_name.child_id != known and by_name.matched_by is None


def test_a_batch_names_one_record_for_notifications_about_one_new_child_and_flags_the_later_ones(api_as, now):
    police = api_as("partner", "police")
    items = [{"idempotency_key": f"n{n}", "contact": notification(first_name=name)}
             for n, name in enumerate(["Maya", "MAYA", "Leo"])]

    response = police.post("/api/v1/contacts/batch", json={"contacts": items})

    assert response.json["created"] == 3
    first, second, leo = links()
    assert first.child_id == second.child_id != leo.child_id
    assert (first.matched_by, second.matched_by, leo.matched_by) == (None, "name_and_date_of_birth", None)
    assert children() == 2


def test_a_batch_looks_its_children_up_in_one_statement(api_as, now):
    from sqlalchemy import event

    record(now, nhs_number=NHS, first_name="Ada")
    police = api_as("partner", "police")
    police.post("/api/v1/contacts/batch", json={"contacts": [{"idempotency_key": "warm", "contact": notification()}]})
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.split()[0].upper() == "SELECT" and "FROM child" in statement.replace('"', ""):
            seen.append(statement)

    items = [{"idempotency_key": f"x{n}", "contact": notification(first_name=f"Child{n}", **(
        {"nhs_number": NHS} if n == 0 else {}))} for n in range(40)]
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert police.post("/api/v1/contacts/batch", json={"contacts": items}).json["created"] == 40
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert len(seen) == 1


# ---------------------------------------------------------------- confirming at screening

def matched_contact(api_as, now) -> tuple[int, int]:
    known = record(now)
    receipt = send(api_as("partner", "police"), notification(nhs_number=NHS, postcode="wr1 2ab"), "m", False)
    return receipt["id"], known


def test_not_the_same_child_moves_the_contact_to_a_new_record_made_from_what_the_partner_sent(
        api_as, now, make_user, actor_for):
    contact_id, known = matched_contact(api_as, now)
    practitioner = actor_for(make_user("practitioner"))
    version = db.session.get(Contact, contact_id).version

    contacts.answer_match(practitioner, now, contact_id, known, False, version)

    [link] = links()
    new = db.session.get(Child, link.child_id)
    assert new.id != known and (link.matched_by, link.match_details) == (None, None)
    assert (new.first_name, new.date_of_birth, new.nhs_number, new.postcode) == ("Maya", BORN, NHS, "WR1 2AB")
    trail = db.session.execute(select(AuditEvent.action, AuditEvent.entity, AuditEvent.child_id).where(
        AuditEvent.user_id == practitioner.user_id)).all()
    assert ("create", "child", new.id) in trail and ("update", "contact", known) in trail
    with pytest.raises(Conflict):  # the page it was answered from is stale now
        contacts.answer_match(practitioner, now, contact_id, new.id, True, version)


def test_not_the_same_child_takes_the_contact_out_of_the_wrong_records_locality(api_as, now, make_user,
                                                                               actor_for):
    north, west = ensure_locality("North"), ensure_locality("West")
    known = record(now, locality_id=north.id)
    receipt = send(api_as("partner", "police"), notification(nhs_number=NHS, locality_id=west.id), "w", False)
    contact = db.session.get(Contact, receipt["id"])
    assert contact.locality_id == north.id  # the matched record's, as at intake

    contacts.answer_match(actor_for(make_user("practitioner")), now, contact.id, known, False, contact.version)

    [link] = links()
    assert db.session.get(Child, link.child_id).locality_id == west.id
    assert db.session.get(Contact, receipt["id"]).locality_id == west.id


def test_the_same_child_settles_the_question_and_the_record_gains_the_nhs_number(api_as, now, make_user,
                                                                                  actor_for):
    contact_id, known = matched_contact(api_as, now)
    practitioner = actor_for(make_user("practitioner"))

    contacts.answer_match(practitioner, now, contact_id, known, True, db.session.get(Contact, contact_id).version)

    [link] = links()
    assert (link.child_id, link.matched_by, link.match_details) == (known, "name_and_date_of_birth", None)
    assert db.session.get(Child, known).nhs_number == NHS
    assert children() == 1


def test_the_contact_page_flags_the_match_and_not_the_same_child_makes_a_new_record(
        app, api_as, now, client, login, make_user):
    contact_id, known = matched_contact(api_as, now)
    login(make_user("practitioner"))
    url = f"/contacts/{contact_id}"

    page = client.get(url).get_data(as_text=True)

    assert "Matched to an existing record by name and date of birth: check this is the same child" in page
    action = f"/contacts/{contact_id}/children/{known}/match"
    assert action in page
    version = db.session.get(Contact, contact_id).version
    answered = client.post(action, data={"csrf_token": csrf_token_from(page), "version": str(version),
                                         "answer": "different"})
    assert answered.status_code == 302, answered.get_data(as_text=True)
    [link] = links()
    assert link.child_id != known
    after = client.get(url).get_data(as_text=True)
    assert "check this is the same child" not in after
    assert client.post(action, data={"csrf_token": csrf_token_from(after), "version": str(version),
                                     "answer": "same"}).status_code in (404, 409)
