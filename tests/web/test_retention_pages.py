"""The retention pages: a manager reviews the month's list, places a hold and confirms an erasure."""
from __future__ import annotations

from datetime import date, timedelta

from freezegun import freeze_time

from tests.conftest import csrf_token_from
from tests.integration.test_retention import NOW, council  # noqa: F401  (the fixture)
from triage.clock import local_date
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Child
from triage.services import children
from triage.services.actor import Actor


def test_a_manager_reviews_the_list_and_erases_a_childs_records_after_confirming(client, login, make_user,
                                                                                  council):  # noqa: F811
    ava = council["contacts_due"]
    with freeze_time(NOW):
        login(make_user("manager"))
        listed = client.get("/retention").get_data(as_text=True)
        found = client.get(f"/retention?child_id={ava.id}")
        not_a_number = client.get("/retention?child_id=ava")
        page = client.get(f"/retention/children/{ava.id}").get_data(as_text=True)
        token = csrf_token_from(page)
        unconfirmed = client.post(f"/retention/children/{ava.id}/erase",
                                  data={"csrf_token": token, "erase-version": str(ava.version)})
        done = client.post(f"/retention/children/{ava.id}/erase", data={
            "csrf_token": token, "erase-version": str(ava.version), "erase-confirm": "y"}, follow_redirects=True)

    assert "Ava Stone" in listed and "Eve Stone" in listed and "Fay Stone" not in listed and "Dee Stone" not in listed
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/retention/children/{ava.id}")
    assert not_a_number.status_code == 200 and "Not a valid integer value" in not_a_number.get_data(as_text=True)
    assert "6 years after the last contact (03/11/2020)" in page and 'id="erase-form"' in page
    assert unconfirmed.status_code == 400 and "Confirm the erasure by ticking the box" in unconfirmed.get_data(
        as_text=True)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "personal data has been erased" in body and 'id="erased"' in body
    assert db.session.get(Child, ava.id).first_name == "Erased"


def test_a_hold_placed_on_the_page_stops_erasure_and_a_stale_form_is_a_409(client, login, make_user,
                                                                            council):  # noqa: F811
    eve = council["case_closed"]
    with freeze_time(NOW):
        login(make_user("manager"))
        token = csrf_token_from(client.get(f"/retention/children/{eve.id}").get_data(as_text=True))
        blank = client.post(f"/retention/children/{eve.id}/holds", data={"csrf_token": token, "hold-reason": ""})
        placed = client.post(f"/retention/children/{eve.id}/holds", data={
            "csrf_token": token, "hold-reason": "Inquiry needs the file"}, follow_redirects=True)
        stale = client.post(f"/retention/children/{eve.id}/erase", data={
            "csrf_token": token, "erase-version": str(eve.version), "erase-confirm": "y"})
        refused = client.get("/retention")

    assert blank.status_code == 400 and "Say why the records must be kept" in blank.get_data(as_text=True)
    body = placed.get_data(as_text=True)
    assert "Legal hold placed" in body and "Inquiry needs the file" in body and 'id="lift-form"' in body
    assert 'id="erase-form"' not in body
    assert stale.status_code == 409
    assert "Eve Stone" not in refused.get_data(as_text=True).split("Legal holds standing")[0]
    assert db.session.get(Child, eve.id).first_name == "Eve"


def test_an_empty_review_says_when_the_first_record_could_fall_due(client, login, make_user):
    """A service holding only recent records (the demo's weeks) has nothing due, and says why."""
    era = make_user("era")
    recorded = NOW - timedelta(days=40)
    children.create_child(Actor(role=Role(era.role), label="era", user_id=era.id, channel="web"), recorded, {
        "first_name": "Ivy", "last_name": "Recent", "sex": "female", "date_of_birth": date(2015, 4, 1)})
    with freeze_time(NOW):
        login(make_user("manager"))
        page = client.get("/retention").get_data(as_text=True)

    words = " ".join(page.split())
    assert 'id="nothing-due"' in page and 'id="why-nothing-due"' in page
    first_due = local_date(recorded).replace(year=recorded.year + 6)
    assert "kept for at least 6 years" in words and f"no record can fall due before {first_due:%-d %B %Y}." in words
