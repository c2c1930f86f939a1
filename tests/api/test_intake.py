"""Intake from partner systems: retries never duplicate, answers never reveal what the Front
Door knows, and the path stays lean."""
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import event, insert, select, update

from tests.conftest import NOW
from triage.extensions import db
from triage.models import ApiToken, AuditEvent, Child, Clock, ClosureDay, Contact, ContactChild

KNOWN_NHS = "9434765919"
NOTIFICATION = {
    "channel": "police_notification", "source_code": "6", "concern": "Domestic abuse incident; children present.",
    "police_incident_reference": "INC-2026-0042", "consent": "not_required",
    "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                            "date_of_birth": "2017-03-02"}}],
}


def post(client, body=NOTIFICATION, key=None):
    return client.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": key} if key is not None else {})


def contacts_stored() -> int:
    db.session.rollback()
    return db.session.scalar(select(db.func.count()).select_from(Contact))


# ---------------------------------------------------------------- retries that never duplicate

@pytest.mark.parametrize("key", ["   ", "\t"])
def test_a_blank_idempotency_key_is_refused_naming_the_header_and_nothing_is_written(api_as, key):
    response = post(api_as("partner", "police"), key=key)
    assert response.status_code == 422, response.json
    assert "Idempotency-Key" in response.json["errors"]
    assert contacts_stored() == 0


def test_an_idempotency_key_is_trimmed_so_a_retry_with_spaces_is_the_same_retry(api_as):
    police = api_as("partner", "police")
    first, second = post(police, key="ppn-7"), post(police, key="  ppn-7 ")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json == second.json
    assert contacts_stored() == 1


@pytest.mark.parametrize("length", [101, 500])
def test_a_key_longer_than_the_documented_maximum_is_refused_naming_the_header(api_as, length):
    police = api_as("partner", "police")
    response = post(police, key="k" * length)
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"Idempotency-Key": ["Use at most 100 characters"]}
    assert contacts_stored() == 0
    assert post(police, key="k" * 100).status_code == 201


def test_the_maximum_key_length_is_documented(api_as):
    spec = api_as("era").get("/api/v1/openapi.json").json
    [header] = [p for p in spec["paths"]["/api/v1/contacts"]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["schema"]["maxLength"] == 100 and header["in"] == "header"


def test_a_partner_rotating_its_token_mid_retry_still_gets_the_first_contact(api_as):
    old_token, new_token = api_as("partner", "police"), api_as("partner", "police")
    first, retry = post(old_token, key="ppn-8"), post(new_token, key="ppn-8")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json["id"] == first.json["id"]
    assert contacts_stored() == 1
    # Keys are each agency's own: another agency using the same one records its own contact.
    assert post(api_as("partner", "health"), key="ppn-8").status_code == 201
    assert contacts_stored() == 2


def test_a_reused_partner_reference_with_a_different_body_is_a_conflict_naming_the_field(api_as):
    police = api_as("partner", "police")
    body = {**NOTIFICATION, "partner_reference": "PPN-77"}
    first = post(police, body)
    again = post(api_as("partner", "police"), body)  # the same body from a rotated token: the original
    assert (first.status_code, again.status_code) == (201, 200) and again.json == first.json
    other = post(police, {**body, "concern": "A different incident altogether"})
    assert other.status_code == 409, other.json
    assert list(other.json["errors"]) == ["partner_reference"]
    assert contacts_stored() == 1


@pytest.mark.postgresql_only  # concurrent writers: what PostgreSQL deployments do
def test_retries_racing_each_other_record_one_contact_and_all_get_its_id(app, api_as):
    from concurrent.futures import ThreadPoolExecutor

    police = api_as("partner", "police")

    def attempt(_):
        with app.app_context():
            return post(police, key="race-1")

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(attempt, range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json["id"] for a in answers}) == 1
    assert contacts_stored() == 1


@pytest.mark.postgresql_only  # concurrent writers: what PostgreSQL deployments do
@pytest.mark.parametrize("nhs", [None, KNOWN_NHS], ids=["names-and-date-of-birth", "nhs-number"])
def test_partners_telling_of_the_same_new_child_at_the_same_moment_make_one_record(app, api_as, nhs):
    from concurrent.futures import ThreadPoolExecutor

    police = api_as("partner", "police")
    child = {**NOTIFICATION["children"][0]["child"], **({"nhs_number": nhs} if nhs else {})}
    body = {**NOTIFICATION, "children": [{"child": child}]}

    def attempt(n):
        with app.app_context():
            return post(police, {**body, "police_incident_reference": f"INC-2026-{n:04d}"}, key=f"same-child-{n}")

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(attempt, range(6)))
    assert [a.status_code for a in answers] == [201] * 6
    assert contacts_stored() == 6
    assert db.session.scalar(select(db.func.count()).select_from(Child)) == 1
    assert db.session.scalar(select(db.func.count(db.distinct(ContactChild.child_id)))) == 1


@pytest.mark.postgresql_only  # concurrent writers: what PostgreSQL deployments do
def test_one_notice_sent_alone_and_in_a_batch_at_the_same_moment_is_one_contact_and_never_an_error(app, api_as):
    from concurrent.futures import ThreadPoolExecutor

    police = api_as("partner", "police")

    def attempt(n):
        with app.app_context():
            if n % 2:
                return police.post("/api/v1/contacts/batch", json={
                    "contacts": [{"idempotency_key": "both-ways", "contact": NOTIFICATION}]})
            return post(police, key="both-ways")

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(attempt, range(6)))
    assert all(a.status_code in (200, 201) for a in answers), [(a.status_code, a.json) for a in answers]
    assert contacts_stored() == 1
    assert db.session.scalar(select(db.func.count()).select_from(Child)) == 1


# ---------------------------------------------------------------- partner intake never reveals a match

def known_child(api_as) -> int:
    made = api_as("era").post("/api/v1/children", json={
        "first_name": "Maya", "last_name": "Okafor", "sex": "female", "date_of_birth": "2017-03-02",
        "nhs_number": KNOWN_NHS})
    assert made.status_code == 201, made.json
    return made.json["id"]


def test_a_partner_cannot_name_a_child_by_record_id_whether_or_not_it_exists(api_as):
    known = known_child(api_as)
    police = api_as("partner", "police")
    answers = [post(police, {**NOTIFICATION, "children": [{"child_id": child_id}]}) for child_id in (known, known + 1000)]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json == answers[1].json
    assert "children.0.child_id" in answers[0].json["errors"]
    assert contacts_stored() == 0


def test_a_partner_naming_a_known_child_gets_the_same_answer_as_for_an_unknown_one(api_as):
    known = known_child(api_as)
    police = api_as("partner", "police")

    def named(nhs_number, reference):
        child = {**NOTIFICATION["children"][0]["child"], "nhs_number": nhs_number}
        return post(police, {**NOTIFICATION, "partner_reference": reference, "children": [{"child": child}]})

    for_known, for_unknown = named(KNOWN_NHS, "P-1"), named("4010232137", "P-2")
    assert (for_known.status_code, for_unknown.status_code) == (201, 201)
    assert set(for_known.json) == set(for_unknown.json)
    assert for_known.json["child_ids"] == for_unknown.json["child_ids"] == []
    # A retry answers the same way.
    assert named(KNOWN_NHS, "P-1").json == for_known.json
    # The Front Door sees the match when it screens the contact.
    screened = api_as("practitioner").get(f"/api/v1/contacts/{for_known.json['id']}").json
    assert screened["child_ids"] == [known]


def test_a_partner_cannot_give_the_councils_child_id(api_as):
    known_child(api_as)
    taken = db.session.scalar(select(Child.council_child_id))
    child = {**NOTIFICATION["children"][0]["child"], "council_child_id": taken}
    response = post(api_as("partner", "police"), {**NOTIFICATION, "children": [{"child": child}]})
    assert response.status_code == 422
    assert "children.0.council_child_id" in response.json["errors"]


def test_a_partner_naming_one_child_twice_is_told_so_whether_or_not_the_child_is_known(api_as):
    known_child(api_as)
    police = api_as("partner", "police")
    answers = []
    for nhs in (KNOWN_NHS, "4010232137"):
        child = {**NOTIFICATION["children"][0]["child"], "nhs_number": nhs}
        answers.append(post(police, {**NOTIFICATION, "children": [{"child": child}, {"child": child}]}))
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json == answers[1].json


# ---------------------------------------------------------------- lean intake

def count_statements(run) -> list[str]:
    """The SQL statements `run` sends, each as its verb and first table ("INSERT contact")."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if "pg_advisory_xact_lock" in statement:
            seen.append("LOCK turn")
            return
        words = statement.replace('"', "").split()
        verb = words[0].upper()
        if verb == "WITH":  # data-modifying CTEs: name every table written
            seen.append("WITH " + ",".join(words[i + 2] for i, w in enumerate(words[:-2]) if w.upper() == "INSERT"))
            return
        table = words[2] if verb == "INSERT" else next(
            (words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "UPDATE")), "?")
        seen.append(f"{verb} {table}")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def test_a_partner_contact_is_written_in_one_statement_per_table_or_fewer(api_as, backend):
    police = api_as("partner", "police")
    assert post(police, key="warm").status_code == 201  # the token and the calendar are now in hand
    body = {**NOTIFICATION, "children": [{"child": {**NOTIFICATION["children"][0]["child"], "first_name": "Leo"}}]}
    statements = count_statements(lambda: post(police, body, key="second"))
    # The one look-up: a child already recorded with this NHS number, or this name and date of birth.
    if backend == "postgresql":  # links, clocks and audit in one statement
        # First, the turn that makes a second intake about the same child wait for this one: its
        # own statement (the look-up's snapshot must be taken after the wait), before any write
        # (so that no intake waits for a turn holding a contact's key another waits for).
        assert statements == ["LOCK turn", "INSERT contact", "SELECT child", "INSERT child",
                              "WITH contact_child,clock,audit_event"], statements
    else:
        assert statements == ["INSERT contact", "SELECT child", "INSERT child", "INSERT contact_child", "INSERT clock",
                              "INSERT audit_event"], statements


def test_a_retry_is_caught_by_the_unique_key_without_a_search_first(api_as):
    police = api_as("partner", "police")
    post(police, key="once")
    statements = count_statements(lambda: post(police, key="once"))
    # Only the child's turn (PostgreSQL) comes before the contact's INSERT, which the key stops.
    first = statements.index("INSERT contact")
    assert statements[:first] == (["LOCK turn"] if db.engine.dialect.name == "postgresql" else []), statements
    assert not any(s.startswith("INSERT") for s in statements[first + 1:]), statements


def test_the_database_gives_a_child_recorded_without_one_the_councils_id(app, now):
    child_id = db.session.execute(insert(Child).values(
        first_name="Ava", last_name="Stone", sex="female", date_of_birth=date(2019, 1, 2), created_at=now,
        updated_at=now, version=1).returning(Child.id)).scalar_one()
    given = db.session.execute(insert(Child).values(
        first_name="Bo", last_name="Stone", sex="male", date_of_birth=date(2019, 1, 2), council_child_id="C42",
        created_at=now, updated_at=now, version=1).returning(Child.id)).scalar_one()
    db.session.commit()
    ids = dict(db.session.execute(select(Child.id, Child.council_child_id)).all())
    assert ids == {child_id: f"T{child_id:07d}", given: "C42"}


def test_intake_records_its_clocks_links_and_audit_as_before(api_as):
    police = api_as("partner", "police")
    with freeze_time(NOW):
        receipt = post(police, key="whole").json
    contact = db.session.get(Contact, receipt["id"])
    assert receipt == {"id": contact.id, "state": "received", "version": 1, "child_ids": [],
                       "received_at": "2026-11-27T09:30:00+00:00", "decision_due_at": "2026-11-28T09:30:00+00:00"}
    [link] = db.session.scalars(select(ContactChild).where(ContactChild.contact_id == contact.id)).all()
    child = db.session.get(Child, link.child_id)
    assert child.council_child_id == f"T{child.id:07d}" and child.version == 1
    assert {c.kind for c in db.session.scalars(select(Clock).where(Clock.contact_id == contact.id))} == {
        "decision", "acknowledgement"}
    trail = {(e.action, e.entity, e.child_id, e.channel, e.role)
             for e in db.session.scalars(select(AuditEvent).where(AuditEvent.child_id == child.id))}
    assert trail == {("create", "child", child.id, "api", "partner"), ("create", "contact", child.id, "api", "partner")}


def test_a_token_is_looked_up_once_and_a_revocation_elsewhere_counts_within_a_second(app, api_as):
    client = api_as("era")
    with freeze_time(NOW) as frozen:
        assert client.get("/api/v1/me").status_code == 200
        again = count_statements(lambda: client.get("/api/v1/me"))
        assert again == [], again
        # Another process revokes it: this one's copy lasts under a second.
        db.session.execute(update(ApiToken).values(revoked_at=NOW))
        db.session.commit()
        frozen.tick(1.01)
        assert client.get("/api/v1/me").status_code == 401


def test_a_closure_day_added_elsewhere_moves_the_next_contacts_clocks_within_a_second(app, api_as):
    police = api_as("partner", "police")
    friday = "2026-11-27T15:00:00+00:00"
    with freeze_time(friday) as frozen:
        before = post(police, key="a").json
        db.session.execute(insert(ClosureDay).values(day=date(2026, 11, 30), reason="Another process",
                                                     created_at=NOW))
        db.session.commit()
        frozen.tick(1.01)
        post(police, key="b")
    acknowledgements = [c.due_at.date().isoformat() for c in db.session.scalars(
        select(Clock).where(Clock.kind == "acknowledgement").order_by(Clock.id))]
    assert before["id"] and acknowledgements == ["2026-11-30", "2026-12-01"]


def test_the_front_door_sees_the_likely_matches_of_a_partners_child_at_screening(app, api_as, make_user, actor_for,
                                                                                 now):
    from triage.services import contacts

    known = known_child(api_as)  # Maya Okafor, born 2 March 2017
    other = db.session.execute(insert(Child).values(  # a second record with that name and date of birth
        first_name="Maya", last_name="Okafor", sex="female", date_of_birth=date(2017, 3, 2), created_at=now,
        updated_at=now, version=1).returning(Child.id)).scalar_one()
    db.session.commit()
    police = api_as("partner", "police")
    receipt = post(police, key="no-nhs").json  # the same name and date of birth, no NHS number: two candidates
    assert receipt["child_ids"] == []
    practitioner = actor_for(make_user("practitioner"))
    contact = contacts.get_contact(practitioner, now, receipt["id"])
    [entry] = contacts.history_for(contact, practitioner, now)
    assert entry.child.id not in (known, other)
    assert [m.id for m in entry.possible_matches] == [known, other]
    seen = db.session.scalars(select(AuditEvent).where(AuditEvent.child_id == known, AuditEvent.action == "read")).all()
    assert [(e.user_id, e.detail) for e in seen] == [(practitioner.user_id, f"possible match in contact {contact.id}")]


def test_staff_naming_children_keep_their_order_and_each_is_audited_and_clocked_once(api_as):
    era = api_as("era")
    first = known_child(api_as)
    body = {**NOTIFICATION, "children": [{"child": {"first_name": "Zed", "last_name": "Ng", "sex": "male",
                                                    "date_of_birth": "2019-05-05"}}, {"child_id": first}]}
    receipt = era.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": "order"}).json
    new = receipt["child_ids"][0]
    assert receipt["child_ids"] == [new, first] and new != first
    assert era.get(f"/api/v1/contacts/{receipt['id']}").json["child_ids"] == [new, first]
    created = db.session.execute(select(AuditEvent.action, AuditEvent.entity, AuditEvent.child_id).where(
        AuditEvent.action == "create").order_by(AuditEvent.id)).all()
    assert created[-3:] == [("create", "child", new), ("create", "contact", new), ("create", "contact", first)]
    assert db.session.scalar(select(db.func.count()).select_from(Clock).where(Clock.contact_id == receipt["id"])) == 2
