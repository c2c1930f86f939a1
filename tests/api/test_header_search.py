"""The header search: one box for a name, a child id, an NHS number, a contact or a referral number;
a query naming one record goes straight to it; every child shown is audited."""
from datetime import UTC, date, datetime

import pytest

from triage.extensions import db
from triage.models import AuditEvent, Referral
from triage.services import children, contacts

VALID_NHS = "9434765919"


def at(d: date, hour=10):
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def records(make_user, actor_for, now):
    """Two children called Gibson (one with an NHS number), and a contact that made a referral."""
    era, manager = make_user("era"), make_user("manager")
    ava = children.create_child(actor_for(era), now, {
        "first_name": "Ava", "last_name": "Gibson", "sex": "female", "date_of_birth": date(2016, 3, 2),
        "nhs_number": VALID_NHS}, confirmed_new=True)
    leo = children.create_child(actor_for(era), now, {
        "first_name": "Leo", "last_name": "Gibson", "sex": "male", "date_of_birth": date(2019, 8, 9)},
        confirmed_new=True)
    day = date(2026, 11, 2)
    contact, _ = contacts.record_contact(actor_for(era), at(day), {
        "channel": "phone", "source_code": "2A", "concern": "School worried", "consent": "given",
        "consent_by": "Mother", "received_at": at(day), "children": [{"child_id": ava.id}]})
    contacts.record_decision(actor_for(manager), at(day, 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Assess"}])
    referral = db.session.query(Referral).filter_by(contact_id=contact.id).one()
    return {"ava": ava, "leo": leo, "contact": contact, "referral": referral, "era": era}


def _search(client, query: str):
    return client.get("/search", query_string={"q": query})


def test_a_name_lists_the_children_and_audits_each_one_shown(client, login, records):
    login(records["era"])
    page = _search(client, "gibson")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 records found" in text
    for child in (records["ava"], records["leo"]):
        assert f'href="/children/{child.id}"' in text
    shown = db.session.query(AuditEvent).filter_by(entity="child", action="search",
                                                   user_id=records["era"].id).all()
    assert {e.child_id for e in shown} == {records["ava"].id, records["leo"].id}


@pytest.mark.parametrize("typed", ["943 476 5919", "9434765919", " 943-476-5919 "])
def test_an_nhs_number_goes_straight_to_the_child(client, login, records, typed):
    login(records["era"])
    found = _search(client, typed)
    assert found.status_code == 302 and found.headers["Location"] == f"/children/{records['ava'].id}"


def test_a_council_child_id_goes_straight_to_the_child_whatever_its_case(client, login, records):
    login(records["era"])
    council_id = records["leo"].council_child_id
    assert council_id
    found = _search(client, council_id.lower())
    assert found.status_code == 302 and found.headers["Location"] == f"/children/{records['leo'].id}"


def test_contact_and_referral_numbers_go_straight_to_the_record(client, login, records):
    login(records["era"])
    contact_id, referral_id = records["contact"].id, records["referral"].id
    for typed, where in ((f"contact {contact_id}", f"/contacts/{contact_id}"), (f"C{contact_id}", f"/contacts/{contact_id}"),
                         (f"referral {referral_id}", f"/cases/{referral_id}"), (f"case #{referral_id}", f"/cases/{referral_id}")):
        found = _search(client, typed)
        assert found.status_code == 302 and found.headers["Location"] == where, typed


def test_a_number_that_is_no_record_says_nothing_matches(client, login, records):
    login(records["era"])
    page = _search(client, "contact 999999")
    assert page.status_code == 200 and "0 records found" in page.get_data(as_text=True)


@pytest.mark.parametrize("typed, problem", [("   ", "Enter a name, child id, NHS number"), ("x" * 101, "at most 100")])
def test_an_empty_or_overlong_search_is_a_400_naming_the_box(client, login, records, typed, problem):
    login(records["era"])
    page = _search(client, typed)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert problem in text and 'href="#search-page-q"' in text


@pytest.mark.parametrize("role, allowed", [("era", True), ("practitioner", True), ("manager", True),
                                           ("partner", False), ("performance", False), ("admin", False)])
def test_only_people_who_open_child_records_have_the_search(client, login, make_user, role, allowed):
    login(make_user(role))
    assert ('id="header-search"' in client.get("/").get_data(as_text=True)) is allowed
    assert _search(client, "gibson").status_code == (200 if allowed else 403)


def test_both_searches_say_when_a_date_of_birth_is_approximate_or_not_known(client, login, records, actor_for, now):
    era = actor_for(records["era"])
    children.create_child(era, now, {"first_name": "Ivy", "last_name": "Gibson", "sex": "female",
                                     "approximate_age": 9}, confirmed_new=True)
    children.create_child(era, now, {"first_name": "Kai", "last_name": "Gibson", "sex": "male",
                                     "birth_date_status": "not_known"}, confirmed_new=True)
    login(records["era"])
    for page in (_search(client, "gibson"), client.get("/children", query_string={"name": "gibson"})):
        rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row
                for row in page.get_data(as_text=True).split('<tr class="govuk-table__row">')[1:]}
        assert "(approximate)" in rows["Ivy Gibson"] and "Not known" in rows["Kai Gibson"]
        assert "(approximate)" not in rows["Ava Gibson"] and "2 March 2016" in rows["Ava Gibson"]
