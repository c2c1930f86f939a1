"""The Front Door matches a partner system's children at screening."""
from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from tests.conftest import NOW
from tests.web.test_contacts_pages import LATER, contact_form, token
from triage.extensions import db
from triage.models import Child, Contact
from triage.services import contacts


def _police_contact(actor_for, make_user, reference: str):
    police = actor_for(make_user("partner", agency="police"))
    receipt, _ = contacts.receive_contact(police, NOW, {
        "channel": "police_notification", "source_code": "6", "concern": "Incident",
        "police_incident_reference": reference, "consent": "not_required",
        "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                                "date_of_birth": date(2017, 3, 2)}}]}, idempotency_key=reference)
    return receipt


def test_the_contact_page_flags_a_partners_child_matched_by_name_and_date_of_birth(
        app, client, login, make_user, make_child, actor_for):
    known = make_child("Maya", "Okafor", date(2017, 3, 2), council_child_id="C77")
    receipt = _police_contact(actor_for, make_user, "INC-1")
    with freeze_time(NOW):
        login(make_user("practitioner"))
        page = client.get(f"/contacts/{receipt.id}").get_data(as_text=True)
    assert "Matched to an existing record by name and date of birth: check this is the same child" in page
    assert f'href="/children/{known.id}">Open the record' in page
    assert "Possible match" not in page


def test_the_contact_page_shows_the_likely_matches_when_two_records_could_be_the_child(
        app, client, login, make_user, make_child, actor_for):
    known = make_child("Maya", "Okafor", date(2017, 3, 2), council_child_id="C77")
    make_child("Maya", "Okafor", date(2017, 3, 2), council_child_id="C78")
    receipt = _police_contact(actor_for, make_user, "INC-2")
    with freeze_time(NOW):
        login(make_user("practitioner"))
        page = client.get(f"/contacts/{receipt.id}").get_data(as_text=True)
    assert "Possible match" in page and "check this is the same child" not in page
    assert f'href="/children/{known.id}">Maya Okafor, C77</a>' in page


# A child named in a new contact whose date of birth is not known to the caller: as on the child's
# page, the form takes an approximate age or "not known" instead of refusing the contact.
NO_DATE = {"child-0-date_of_birth-day": "", "child-0-date_of_birth-month": "", "child-0-date_of_birth-year": "",
           "child-0-nhs_number": ""}


@pytest.fixture
def later():
    with freeze_time(LATER):
        yield


def _log(client, **overrides):
    return client.post("/contacts/new", data=contact_form(token(client, "/contacts/new"), **overrides))


def _only_child():
    db.session.expire_all()
    return db.session.scalars(select(Child)).one()


def test_a_contact_is_logged_for_a_child_whose_date_of_birth_is_not_known(client, login, make_user, later):
    login(make_user("era"))

    assert 'name="child-0-born" type="radio" value="unknown"' in client.get("/contacts/new").get_data(as_text=True)

    response = _log(client, **NO_DATE, **{"child-0-born": "unknown"})

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    child = _only_child()
    assert child.birth_date_status == "not_known" and child.date_of_birth is None
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1


def test_a_contact_is_logged_for_a_child_with_only_an_approximate_age(client, login, make_user, later):
    login(make_user("era"))

    response = _log(client, **NO_DATE, **{"child-0-born": "approximate", "child-0-approximate_age": "14"})

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    child = _only_child()
    assert child.birth_date_status == "approximate"
    assert child.date_of_birth is not None and 13 <= (LATER.date() - child.date_of_birth).days // 365 <= 14


def test_a_known_date_of_birth_left_blank_is_refused_on_its_field(client, login, make_user, later):
    login(make_user("era"))

    response = _log(client, **NO_DATE, **{"child-0-born": "yes", "child-0-approximate_age": "14"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<a href="#child-0-date_of_birth-day">Enter the child&#39;s date of birth' in page
    assert db.session.scalar(select(func.count()).select_from(Child)) == 0
