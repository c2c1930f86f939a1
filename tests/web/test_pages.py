"""The pages, through the Flask test client: access, forms, errors and the audit trail."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token_from
from triage.clock import local_date, utcnow
from triage.extensions import db
from triage.models import ApiToken, AuditEvent, Child, ClosureDay, User

VALID_NHS = "9434765919"
OTHER_VALID_NHS = "9434765870"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def form_token(client, url: str) -> str:
    return csrf_token_from(text_of(client.get(url)))


def new_child_form(**overrides) -> dict:
    data = {"first_name": "Leo", "last_name": "Marsh", "born": "yes", "date_of_birth-day": "3",
            "date_of_birth-month": "4", "date_of_birth-year": "2019", "sex": "male", "locality_id": ""}
    data.update(overrides)
    return data


def audit_rows(**where) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


# Access ---------------------------------------------------------------------------------------

PAGES = ["/", "/children", "/children/new", "/children/1", "/children/1/edit", "/children/1/audit",
         "/admin/closure-days", "/admin/users", "/admin/users/1/audit"]


@pytest.mark.parametrize("path", PAGES)
def test_a_signed_out_visitor_is_sent_to_the_login_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path in response.headers["Location"]


@pytest.mark.parametrize("role, path", [
    ("partner", "/children"),
    ("partner", "/children/new"),
    ("performance", "/children"),
    ("admin", "/children"),
    ("era", "/admin/users"),
    ("manager", "/admin/closure-days"),
    ("practitioner", "/children/1/audit"),
    ("era", "/admin/users/1/audit"),
])
def test_a_role_without_access_gets_403(client, login, make_user, role, path):
    login(make_user(role))

    response = client.get(path)

    assert response.status_code == 403
    assert "Your role does not give access to this" in text_of(response)


def test_the_home_page_describes_the_role_and_links_to_its_pages(client, login, make_user):
    login(make_user("admin"))

    page = text_of(client.get("/"))

    assert "You manage user accounts and API tokens" in page
    assert 'href="/admin/closure-days"' in page
    assert 'href="/admin/users"' in page
    assert 'href="/children"' not in page


def test_the_home_page_of_an_era_links_to_the_child_search(client, login, make_user):
    login(make_user("era"))

    page = text_of(client.get("/"))

    assert "You log contacts" in page
    assert 'href="/children"' in page
    assert 'href="/admin/users"' not in page


# Child search ---------------------------------------------------------------------------------

def test_searching_with_an_impossible_date_gives_400_and_names_the_field(client, login, make_user):
    login(make_user("practitioner"))

    response = client.get("/children?name=&date_of_birth-day=31&date_of_birth-month=2"
                          "&date_of_birth-year=2020&nhs_number=&council_child_id=")

    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert '<a href="#date_of_birth-day">Date of birth must be a real date</a>' in page
    assert 'value="31"' in page  # what was typed stays in the boxes


def test_searching_with_nothing_entered_gives_400_and_asks_for_something(client, login, make_user):
    login(make_user("era"))

    response = client.get("/children?name=&nhs_number=&council_child_id=")

    assert response.status_code == 400
    assert '<a href="#name">Enter at least one thing to search by</a>' in text_of(response)


def test_opening_the_search_page_shows_no_errors(client, login, make_user):
    login(make_user("era"))

    response = client.get("/children")

    assert response.status_code == 200
    assert "There is a problem" not in text_of(response)
    assert 'href="/children/new"' in text_of(response)


def test_searching_with_a_mistyped_nhs_number_says_so(client, login, make_user):
    login(make_user("era"))

    response = client.get("/children?nhs_number=943+476+5918")

    assert response.status_code == 400
    assert "NHS number check digit does not match" in text_of(response)


def test_searching_by_name_lists_the_child_with_an_unborn_child_shown_as_due(
        client, login, make_user, make_child):
    born = make_child("Amira", "Hussain", nhs_number=VALID_NHS, council_child_id="C123")
    make_child("Baby", "Hussain", date_of_birth=None, expected_date_of_birth=date(2027, 2, 14))
    make_child("Amira", "Jones")
    login(make_user("practitioner"))

    response = client.get("/children?name=hussain")

    page = text_of(response)
    assert response.status_code == 200
    assert "2 children found" in page
    assert f'href="/children/{born.id}">Amira Hussain</a>' in page
    assert "943 476 5919" in page and "C123" in page
    assert "Unborn, due 14 February 2027" in page
    assert "Amira Jones" not in page


def test_search_results_are_paginated(client, login, make_user, make_child):
    for n in range(27):
        make_child("Child", f"Pager{n:02d}")
    login(make_user("practitioner"))

    first = text_of(client.get("/children?name=pager"))
    second = text_of(client.get("/children?name=pager&page=2"))

    assert "27 children found" in first
    assert "Pager00" in first and "Pager24" in first and "Pager25" not in first
    assert 'rel="next"' in first and "page=2" in first
    assert "Pager25" in second and "Pager26" in second and "Pager00" not in second
    assert 'aria-current="page">2</a>' in second


# Child record ---------------------------------------------------------------------------------

def test_opening_a_child_record_leaves_an_audit_row(client, login, make_user, make_child):
    child = make_child(nhs_number=VALID_NHS)
    reader = make_user("era")
    login(reader)

    response = client.get(f"/children/{child.id}")

    assert response.status_code == 200
    page = text_of(response)
    assert "Amira Hussain" in page and "943 476 5919" in page
    assert f'href="/children/{child.id}/edit"' in page
    rows = audit_rows(action="read", child_id=child.id, user_id=reader.id)
    assert len(rows) == 1
    assert rows[0].channel == "page" and rows[0].role == "era"


def test_a_manager_sees_a_link_to_the_childs_audit_trail_and_a_practitioner_does_not(
        client, login, make_user, make_child):
    child = make_child()
    login(make_user("practitioner"))
    assert f"/children/{child.id}/audit" not in text_of(client.get(f"/children/{child.id}"))

    client.post("/logout", data={"csrf_token": form_token(client, "/")})
    login(make_user("manager"))
    assert f'href="/children/{child.id}/audit"' in text_of(client.get(f"/children/{child.id}"))


def test_a_missing_child_record_is_a_404_page(client, login, make_user):
    login(make_user("era"))

    response = client.get("/children/999")

    assert response.status_code == 404
    assert "No child record 999" in text_of(response)


# New child ------------------------------------------------------------------------------------

def test_creating_a_child_records_it_and_opens_the_record(client, login, make_user):
    login(make_user("era"))
    token = form_token(client, "/children/new")

    response = client.post("/children/new", data=new_child_form(csrf_token=token, nhs_number="943 476 5919"))

    assert response.status_code == 302
    child = db.session.scalar(select(Child).where(Child.last_name == "Marsh"))
    assert response.headers["Location"] == f"/children/{child.id}"
    assert child.nhs_number == VALID_NHS and child.date_of_birth == date(2019, 4, 3)
    assert child.council_child_id == f"T{child.id:07d}"


def test_creating_an_unborn_child_keeps_the_expected_date_only(client, login, make_user):
    login(make_user("era"))
    token = form_token(client, "/children/new")

    due = {"expected_date_of_birth-day": "1", "expected_date_of_birth-month": "Mar",
           "expected_date_of_birth-year": "2027"}
    response = client.post("/children/new", data=new_child_form(csrf_token=token, born="no", **due))

    assert response.status_code == 302
    child = db.session.scalar(select(Child).where(Child.last_name == "Marsh"))
    assert child.date_of_birth is None and child.expected_date_of_birth == date(2027, 3, 1)


def test_creating_a_child_with_a_bad_nhs_number_shows_the_message(client, login, make_user):
    login(make_user("era"))
    token = form_token(client, "/children/new")

    response = client.post("/children/new", data=new_child_form(csrf_token=token, nhs_number="9434765918"))

    assert response.status_code == 400
    page = text_of(response)
    assert ('<a href="#nhs_number">NHS number check digit does not match: '
            'check it has been copied correctly</a>') in page
    assert 'id="nhs_number-error"' in page
    assert db.session.scalar(select(func.count(Child.id))) == 0


def test_creating_a_child_without_the_required_answers_names_each_field(client, login, make_user):
    login(make_user("era"))
    token = form_token(client, "/children/new")

    response = client.post("/children/new", data={"csrf_token": token, "first_name": " ", "last_name": "",
                                                  "locality_id": ""})

    assert response.status_code == 400
    page = text_of(response)
    for anchor, message in [("first_name", "Enter the child&#39;s first name"),
                            ("last_name", "Enter the child&#39;s last name"),
                            ("born", "Select whether the child has been born"),
                            ("sex", "Select the child&#39;s sex")]:
        assert f'<a href="#{anchor}">{message}</a>' in page
    # the summary lists the fields in the order they appear on the page
    assert page.index('href="#first_name"') < page.index('href="#born"') < page.index('href="#sex"')


def test_a_date_of_birth_in_the_future_is_shown_on_the_date_field(client, login, make_user):
    login(make_user("era"))
    token = form_token(client, "/children/new")
    next_year = str(local_date(utcnow()).year + 1)

    form = new_child_form(csrf_token=token, **{"date_of_birth-year": next_year})
    response = client.post("/children/new", data=form)

    assert response.status_code == 400
    assert '<a href="#date_of_birth-day">Date of birth must be today or in the past' in text_of(response)


def test_creating_a_duplicate_shows_the_warning_then_succeeds_when_confirmed(
        client, login, make_user, make_child):
    existing = make_child("Leo", "Marsh", date_of_birth=date(2019, 4, 3))
    login(make_user("practitioner"))
    token = form_token(client, "/children/new")

    warned = client.post("/children/new", data=new_child_form(csrf_token=token))

    assert warned.status_code == 409
    page = text_of(warned)
    assert "This child may already be recorded" in page
    assert (f'href="/children/{existing.id}" target="_blank" rel="noopener noreferrer">'
            'Leo Marsh (opens in new tab)</a>') in page
    assert "This is a different child" in page
    assert db.session.scalar(select(func.count(Child.id))) == 1

    confirmed = client.post("/children/new", data=new_child_form(csrf_token=token, confirmed_new="y"))

    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Child.id))) == 2


def test_a_child_with_the_same_nhs_number_cannot_be_confirmed_as_different(
        client, login, make_user, make_child):
    make_child("Leo", "Marsh", nhs_number=VALID_NHS)
    login(make_user("practitioner"))
    token = form_token(client, "/children/new")

    response = client.post("/children/new", data=new_child_form(
        csrf_token=token, first_name="Leon", nhs_number=VALID_NHS, confirmed_new="y"))

    assert response.status_code == 409
    page = text_of(response)
    assert "A child with this NHS number is already recorded" in page
    assert "This is a different child" not in page


def test_a_council_child_id_already_in_use_is_a_409_on_the_field(client, login, make_user, make_child):
    make_child("Other", "Child", council_child_id="C555")
    login(make_user("era"))
    token = form_token(client, "/children/new")

    response = client.post("/children/new", data=new_child_form(csrf_token=token, council_child_id="C555"))

    assert response.status_code == 409
    assert '<a href="#council_child_id">This id belongs to another child</a>' in text_of(response)


# Edit child -----------------------------------------------------------------------------------

class _FormReader(HTMLParser):
    """What a browser would send back for the page's main form: inputs, checked radios, selects."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._in_main_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_main_form = a.get("method") == "post" and "action" not in a
        if not self._in_main_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            chosen = kind in ("radio", "checkbox") and "checked" in a
            if kind in ("text", "hidden", "email", "password") or chosen:
                self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self.data.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self.data[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_main_form = False


def edit_form_from(page: str) -> dict:
    reader = _FormReader()
    reader.feed(page)
    return reader.data


def test_the_edit_page_shows_the_record_and_saves_a_change(client, login, make_user, make_child):
    child = make_child(nhs_number=VALID_NHS)
    editor = make_user("practitioner")
    login(editor)
    page = text_of(client.get(f"/children/{child.id}/edit"))
    assert re.search(rf'name="version" type="hidden" value="{child.version}"', page)
    assert 'value="Amira"' in page and 'value="2015"' in page

    form = edit_form_from(page)
    form.update(town="Leeds", csrf_token=csrf_token_from(page))
    version = child.version
    response = client.post(f"/children/{child.id}/edit", data=form)

    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    saved = db.session.get(Child, child.id)
    assert saved.town == "Leeds" and saved.version == version + 1 and saved.nhs_number == VALID_NHS
    update = audit_rows(action="update", child_id=child.id, user_id=editor.id)
    assert [row.detail for row in update] == ["changed: town"]


def test_editing_with_a_stale_version_gives_409(client, login, make_user, make_child, actor_for, now):
    from triage.services import children

    child = make_child()
    login(make_user("practitioner"))
    page = text_of(client.get(f"/children/{child.id}/edit"))
    form = edit_form_from(page)
    form.update(town="Leeds", csrf_token=csrf_token_from(page))
    someone_else = actor_for(make_user("manager"))
    children.update_child(someone_else, now, child.id, {"town": "York"}, version=child.version)

    response = client.post(f"/children/{child.id}/edit", data=form)

    assert response.status_code == 409
    assert "Someone else changed this record while you were editing it" in text_of(response)
    assert 'value="Leeds"' in text_of(response)  # their typing is not lost
    db.session.expire_all()
    assert db.session.get(Child, child.id).town == "York"


def test_an_edit_with_an_nhs_number_belonging_to_another_child_is_refused(
        client, login, make_user, make_child):
    make_child("Other", "Child", nhs_number=OTHER_VALID_NHS)
    child = make_child()
    login(make_user("practitioner"))
    page = text_of(client.get(f"/children/{child.id}/edit"))
    form = edit_form_from(page)
    form.update(nhs_number=OTHER_VALID_NHS, csrf_token=csrf_token_from(page))

    response = client.post(f"/children/{child.id}/edit", data=form)

    assert response.status_code == 409
    assert '<a href="#nhs_number">This NHS number belongs to another child</a>' in text_of(response)


# CSRF, sign-in and out --------------------------------------------------------------------------

def test_a_post_without_a_csrf_token_is_refused(client, login, make_user):
    login(make_user("era"))

    response = client.post("/children/new", data=new_child_form())

    assert response.status_code == 400
    assert "CSRF" in text_of(response)
    assert db.session.scalar(select(func.count(Child.id))) == 0


OFFICE = "10.20.0.5"  # where the person usually signs in
ELSEWHERE = "203.0.113.9"  # somebody else, anywhere


def sign_in_from(client, address: str, username: str, password: str = PASSWORD):
    """Post the login form as if from `address`."""
    token = csrf_token_from(text_of(client.get("/login", environ_base={"REMOTE_ADDR": address})))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_from_elsewhere_never_stop_the_real_person_signing_in_at_their_desk(
        app, make_user):
    user = make_user("manager", username="manager")  # the guessable username of the finding
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with freeze_time(start) as clock:
        assert sign_in_from(app.test_client(), OFFICE, "manager").status_code == 302
        attacker = app.test_client()
        for minute in range(12):  # more than the old five-strike lockout, spread out
            clock.move_to(start + timedelta(minutes=minute))
            assert sign_in_from(attacker, ELSEWHERE, "manager", "guess-" + str(minute)).status_code == 400

        response = sign_in_from(app.test_client(), OFFICE, "manager")

    assert response.status_code == 302
    assert db.session.get(User, user.id).failed_logins == 0


def test_wrong_passwords_make_that_place_wait_longer_each_time_and_say_so_for_any_username(app, make_user):
    make_user("era", username="real.person")
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    answers = {}
    for username in ("real.person", "nobody.here"):  # an account that exists, and one that does not
        client = app.test_client()
        with freeze_time(start) as clock:
            said = [text_of(sign_in_from(client, ELSEWHERE, username, "wrong password!")) for _ in range(4)]
            too_soon = sign_in_from(client, ELSEWHERE, username)  # the right password, before the wait
            clock.move_to(start + timedelta(seconds=5))
            fifth = text_of(sign_in_from(client, ELSEWHERE, username, "wrong password!"))
        answers[username] = (["wait" in page for page in said], "wait 5 seconds" in said[3],
                             too_soon.status_code, "wait 10 seconds" in fifth)
        assert all("Enter a correct username and password" in page for page in said)

    # No wait for the first three; then 5 seconds, doubling; the same for a username nobody has.
    assert answers["real.person"] == ([False, False, False, True], True, 400, True)
    assert answers["nobody.here"] == answers["real.person"]
    assert "locked" not in text_of(sign_in_from(app.test_client(), ELSEWHERE, "real.person"))


def test_the_real_password_works_once_the_wait_is_over(app, make_user):
    make_user("era", username="real.person")
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    client = app.test_client()
    with freeze_time(start) as clock:
        for _ in range(5):
            sign_in_from(client, ELSEWHERE, "real.person", "wrong password!")
        assert sign_in_from(client, ELSEWHERE, "real.person").status_code == 400  # waiting 10 s
        clock.move_to(start + timedelta(seconds=11))
        assert sign_in_from(client, ELSEWHERE, "real.person").status_code == 302


# The rate-limit tests run on the real clock: Flask-Limiter's in-process storage expires its
# counts from a thread, which freezegun leaves on real time. Nothing in them depends on the date.

def test_one_address_is_limited_in_how_often_it_may_try_to_sign_in(app, make_user, monkeypatch, rate_limits):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 10 minutes")
    make_user("era", username="real.person")
    client = app.test_client()
    for n in range(3):
        assert sign_in_from(client, ELSEWHERE, f"someone.{n}", "wrong password!").status_code == 400

    refused = sign_in_from(client, ELSEWHERE, "real.person")
    elsewhere = sign_in_from(app.test_client(), OFFICE, "real.person")

    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 600
    assert "Too many sign-in attempts from your network" in text_of(refused)
    assert elsewhere.status_code == 302  # another address is not held back


def test_failed_sign_ins_to_one_account_from_many_places_are_limited_but_not_from_its_usual_place(
        app, make_user, monkeypatch, rate_limits):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "5 per hour")
    make_user("manager", username="manager")
    assert sign_in_from(app.test_client(), OFFICE, "manager").status_code == 302
    for n in range(5):  # a botnet: every guess from a new address
        assert sign_in_from(app.test_client(), f"198.51.100.{n}", "manager", "guess").status_code == 400

    refused = sign_in_from(app.test_client(), "198.51.100.99", "manager")  # even the right password
    unknown = [sign_in_from(app.test_client(), f"192.0.2.{n}", "nobody.here", "guess").status_code
               for n in range(6)]
    at_the_desk = sign_in_from(app.test_client(), OFFICE, "manager")

    assert refused.status_code == 429
    assert "Too many failed sign-ins to this username" in text_of(refused)
    assert unknown == [400] * 5 + [429]  # the same for a username that does not exist
    assert at_the_desk.status_code == 302


def test_signing_out_ends_the_session(client, login, make_user):
    login(make_user("era"))
    assert client.get("/").status_code == 200

    response = client.post("/logout", data={"csrf_token": form_token(client, "/")}, follow_redirects=True)

    assert "You have signed out" in text_of(response)
    after = client.get("/children")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")


def copy_session_cookie(app, source):
    """A second browser holding a copy of `source`'s session cookie (as a thief would)."""
    thief = app.test_client()
    cookie = source.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_a_session_cookie_copied_before_signing_out_does_not_work_after_it(app, client, login, make_user):
    login(make_user("era"))
    thief = copy_session_cookie(app, client)
    assert thief.get("/").status_code == 200  # the copy works while the session lasts

    client.post("/logout", data={"csrf_token": form_token(client, "/")})

    after = thief.get("/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")


def test_changing_your_password_ends_every_other_session_and_keeps_this_one(app, client, login, make_user):
    user = make_user("practitioner")
    login(user)
    other = app.test_client()
    sign_in_from(other, OFFICE, user.username)
    assert other.get("/").status_code == 200

    changed = client.post("/account/password", data={
        "csrf_token": form_token(client, "/account/password"), "current_password": PASSWORD,
        "new_password": "a brand new passphrase"})

    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert sign_in_from(app.test_client(), OFFICE, user.username, "a brand new passphrase").status_code == 302
    assert [e.action for e in audit_rows(entity="user", entity_id=user.id) if not e.action.startswith("sign_in")] == [
        "change_password"]


def test_a_wrong_current_password_or_a_short_new_one_is_shown_on_its_field(client, login, make_user):
    login(make_user("practitioner"))

    response = client.post("/account/password", data={
        "csrf_token": form_token(client, "/account/password"), "current_password": "not it at all",
        "new_password": "short"})

    assert response.status_code == 400
    page = text_of(response)
    assert '<a href="#current_password">Your current password is not right</a>' in page
    assert '<a href="#new_password">Use at least 12 characters</a>' in page


# Audit trails ---------------------------------------------------------------------------------

def test_a_manager_reads_a_childs_audit_trail_and_pages_back(client, login, make_user, make_child,
                                                             actor_for, now):
    from triage.services import children

    child = make_child()
    reader = make_user("era", username="reader")
    for n in range(55):
        children.get_child(actor_for(reader), now + timedelta(minutes=n), child.id)
    login(make_user("manager"))

    first = client.get(f"/children/{child.id}/audit")

    page = text_of(first)
    assert first.status_code == 200
    assert page.count("read child") == 50
    assert "27 Nov 2026, 10:24" in page  # newest first, in London time (GMT in November)
    # who read it is shown by name, not by the account's username
    assert "Enquiry and referral administrator" in page and reader.display_name in page
    assert ">reader<" not in page
    older = re.search(r'href="(/children/\d+/audit\?before_id=\d+)"', page).group(1)
    second = text_of(client.get(older))
    assert second.count("read child") == 5 and "create child" in second
    assert "Older events" not in second


def test_an_admin_reads_a_users_audit_trail(client, login, make_user, make_child, actor_for):
    child = make_child()
    reader = make_user("era")
    login(reader)
    client.get(f"/children/{child.id}")
    client.post("/logout", data={"csrf_token": form_token(client, "/")})
    login(make_user("admin"))

    response = client.get(f"/admin/users/{reader.id}/audit")

    assert response.status_code == 200
    assert f"Audit trail: {reader.username}" in text_of(response)
    assert f"read child {child.id}" in text_of(response)


# Administration -------------------------------------------------------------------------------

def test_an_admin_adds_and_removes_a_closure_day(client, login, make_user):
    login(make_user("admin"))
    token = form_token(client, "/admin/closure-days")

    added = client.post("/admin/closure-days", data={"csrf_token": token, "day-day": "24", "day-month": "12",
                                                     "day-year": "2026", "reason": "Christmas Eve closure"},
                        follow_redirects=True)

    assert "Thursday 24 December 2026" in text_of(added)
    assert db.session.scalar(select(ClosureDay.reason)) == "Christmas Eve closure"
    assert 'action="/admin/closure-days/2026-12-24/remove"' in text_of(added)

    removed = client.post("/admin/closure-days/2026-12-24/remove", data={"csrf_token": token},
                          follow_redirects=True)

    assert "24 December 2026 is no longer a closure day" in text_of(removed)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ClosureDay.id))) == 0


def test_a_weekend_closure_day_is_refused_on_the_date_field(client, login, make_user):
    login(make_user("admin"))
    token = form_token(client, "/admin/closure-days")

    response = client.post("/admin/closure-days", data={
        "csrf_token": token, "day-day": "26", "day-month": "12", "day-year": "2026", "reason": "Boxing Day"})

    assert response.status_code == 400
    assert '<a href="#day-day">Choose a weekday</a>' in text_of(response)


def test_a_closure_day_without_a_date_or_reason_names_both(client, login, make_user):
    login(make_user("admin"))
    token = form_token(client, "/admin/closure-days")

    response = client.post("/admin/closure-days", data={"csrf_token": token, "day-day": "", "day-month": "",
                                                        "day-year": "", "reason": ""})

    assert response.status_code == 400
    assert "Enter the date the council is closed" in text_of(response)
    assert '<a href="#reason">Enter why the council is closed</a>' in text_of(response)


def test_an_admin_creates_a_user(client, login, make_user):
    from triage.services.reference import ensure_team
    ensure_team("MASH North")
    login(make_user("admin"))
    token = form_token(client, "/admin/users")

    response = client.post("/admin/users", data={
        "csrf_token": token, "username": "P.Officer", "display_name": "Pat Officer", "role": "partner",
        "agency": "police", "team": "MASH North", "email": "pat@example.org", "password": PASSWORD},
        follow_redirects=True)

    assert "Account p.officer created" in text_of(response)
    user = db.session.scalar(select(User).where(User.username == "p.officer"))
    assert user.role == "partner" and user.agency.code == "police" and user.team.name == "MASH North"
    assert "Partner agency representative" in text_of(response)


@pytest.mark.parametrize("overrides, anchor, message", [
    ({"password": "short"}, "password", "Use at least 12 characters"),
    ({"role": "partner", "agency": ""}, "agency", "Choose the agency this person represents"),
    ({"username": "era1"}, "username", "The username &#39;era1&#39; is taken"),
    ({"username": "bad name!"}, "username", "Use letters, digits, dots, hyphens or underscores"),
    ({"role": ""}, "role", "Choose a role"),
])
def test_account_problems_from_the_service_are_shown_on_their_field(client, login, make_user,
                                                                    overrides, anchor, message):
    make_user("era", username="era1")
    login(make_user("admin"))
    data = {"csrf_token": form_token(client, "/admin/users"), "username": "new.person",
            "display_name": "New Person", "role": "era", "agency": "", "team": "", "email": "",
            "password": PASSWORD, **overrides}

    response = client.post("/admin/users", data=data)

    assert response.status_code in (400, 409)
    assert f'<a href="#{anchor}">{message}</a>' in text_of(response)
    assert f'id="{anchor}-error"' in text_of(response)


def test_an_admin_creates_a_token_sees_the_secret_once_and_revokes_it(app, client, login, make_user):
    login(make_user("admin"))
    token = form_token(client, "/admin/users")

    created = client.post("/admin/tokens", data={"token-csrf_token": token, "token-name": "Police feed",
                                                 "token-role": "partner", "token-agency": "police"})

    assert created.status_code == 201
    secret = re.search(r'id="new-token-secret">(tri_[^<]+)<', text_of(created)).group(1)
    assert created.headers["Cache-Control"] == "no-store"
    api_token = db.session.scalar(select(ApiToken))
    assert api_token.name == "Police feed" and api_token.agency.code == "police"
    listing = text_of(client.get("/admin/users"))
    assert "Police feed" in listing and secret not in listing

    revoked = client.post(f"/admin/tokens/{api_token.id}/revoke", data={"csrf_token": token},
                          follow_redirects=True)

    assert "Token Police feed revoked" in text_of(revoked)
    db.session.expire_all()
    assert db.session.get(ApiToken, api_token.id).revoked_at is not None
    partner_system = type(client)(app, app.response_class, use_cookies=False)
    assert partner_system.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def account_form(user, **overrides) -> dict:
    data = {"version": str(user.version), "display_name": user.display_name, "role": user.role,
            "agency": "", "team": "", "email": ""}
    data.update(overrides)
    return data


def test_an_admin_edits_an_account_from_its_page_and_the_change_is_audited(client, login, make_user):
    user = make_user("era")
    login(make_user("admin", username="the.admin"))
    page = text_of(client.get(f"/admin/users/{user.id}"))
    assert f'href="/admin/users/{user.id}"' in text_of(client.get("/admin/users"))

    response = client.post(f"/admin/users/{user.id}", data=account_form(
        user, csrf_token=csrf_token_from(page), role="manager", display_name="Era Promoted"), follow_redirects=True)

    assert f"Account {user.username} saved" in text_of(response)
    changed = db.session.get(User, user.id)
    assert (changed.role, changed.display_name) == ("manager", "Era Promoted")
    assert [(e.action, e.actor) for e in audit_rows(entity="user", entity_id=user.id)] == [("update", "the.admin")]


def test_an_account_edit_with_bad_input_shows_each_problem_on_its_field(client, login, make_user):
    user = make_user("era")
    login(make_user("admin"))
    token = form_token(client, f"/admin/users/{user.id}")

    blank = client.post(f"/admin/users/{user.id}", data=account_form(user, csrf_token=token, display_name=""))
    partner = client.post(f"/admin/users/{user.id}", data=account_form(user, csrf_token=token, role="partner"))
    stale = client.post(f"/admin/users/{user.id}", data=account_form(user, csrf_token=token, version="0",
                                                                      display_name="Someone Else"))

    assert blank.status_code == 400
    assert '<a href="#display_name">Enter the person&#39;s full name</a>' in text_of(blank)
    assert partner.status_code == 400
    assert '<a href="#agency">Choose the agency this person represents</a>' in text_of(partner)
    assert stale.status_code == 409 and "Someone else changed this account" in text_of(stale)
    assert db.session.get(User, user.id).display_name == user.display_name


def test_a_leaver_deactivated_by_an_admin_is_signed_out_at_once_and_cannot_sign_in(app, client, login, make_user):
    leaver = make_user("practitioner")
    theirs = app.test_client()
    assert sign_in_from(theirs, OFFICE, leaver.username).status_code == 302
    login(make_user("admin", username="the.admin"))

    response = client.post(f"/admin/users/{leaver.id}/deactivate",
                           data={"csrf_token": form_token(client, f"/admin/users/{leaver.id}")}, follow_redirects=True)

    assert "deactivated: every session has ended" in text_of(response)
    assert theirs.get("/").status_code == 302
    assert sign_in_from(app.test_client(), OFFICE, leaver.username).status_code == 400
    assert [e.action for e in audit_rows(entity="user", entity_id=leaver.id) if not e.action.startswith("sign_in")] == [
        "deactivate"]
    refused = audit_rows(entity="user", entity_id=leaver.id)[-1]  # their try after leaving is on record
    assert (refused.action, refused.detail, refused.remote_addr) == ("sign_in_refused", "account deactivated", OFFICE)
    reactivated = client.post(f"/admin/users/{leaver.id}/reactivate",
                              data={"csrf_token": form_token(client, f"/admin/users/{leaver.id}")})
    assert reactivated.status_code == 302
    assert sign_in_from(app.test_client(), OFFICE, leaver.username).status_code == 302


def test_an_admin_cannot_deactivate_their_own_account(client, login, make_user):
    admin = make_user("admin")
    login(admin)

    response = client.post(f"/admin/users/{admin.id}/deactivate",
                           data={"csrf_token": form_token(client, f"/admin/users/{admin.id}")})

    assert response.status_code == 400 and "You cannot deactivate your own account" in text_of(response)
    assert db.session.get(User, admin.id).active


def test_an_admin_clears_sign_in_waits_and_resets_a_password_from_the_account_page(app, client, login, make_user):
    user = make_user("era", username="real.person")
    theirs = app.test_client()
    sign_in_from(theirs, OFFICE, "real.person")
    for _ in range(5):
        sign_in_from(app.test_client(), ELSEWHERE, "real.person", "wrong password!")
    login(make_user("admin", username="the.admin"))
    page = text_of(client.get(f"/admin/users/{user.id}"))
    assert "Waiting at 1 address" in text_of(client.get("/admin/users"))

    unlocked = client.post(f"/admin/users/{user.id}/unlock", data={"csrf_token": csrf_token_from(page)},
                           follow_redirects=True)
    short = client.post(f"/admin/users/{user.id}/password", data={"reset-csrf_token": csrf_token_from(page),
                                                                  "reset-password": "short"})
    reset = client.post(f"/admin/users/{user.id}/password", data={"reset-csrf_token": csrf_token_from(page),
                                                                  "reset-password": "a new long password"})

    assert "Sign-in waits cleared for real.person (1 address)" in text_of(unlocked)
    assert short.status_code == 400 and '<a href="#reset-password">Use at least 12 characters</a>' in text_of(short)
    assert reset.status_code == 302
    assert theirs.get("/").status_code == 302  # their session ended with the old password
    assert sign_in_from(app.test_client(), ELSEWHERE, "real.person", "a new long password").status_code == 302
    assert [e.action for e in audit_rows(entity="user", entity_id=user.id) if not e.action.startswith("sign_in")] == [
        "unlock", "reset_password"]


def test_a_manager_token_made_by_an_admin_waits_until_a_manager_approves_it(app, client, login, make_user):
    login(make_user("admin", username="first.admin"))
    token = form_token(client, "/admin/users")
    created = client.post("/admin/tokens", data={"token-csrf_token": token, "token-name": "Dashboard",
                                                 "token-role": "manager", "token-agency": ""})
    secret = re.search(r'id="new-token-secret">(tri_[^<]+)<', text_of(created)).group(1)
    api_token = db.session.scalar(select(ApiToken))
    feed = app.test_client()
    assert "Awaiting approval" in text_of(created)
    assert feed.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    own = client.post(f"/admin/tokens/{api_token.id}/approve", data={"csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    login(make_user("manager"))
    listing = text_of(client.get("/admin/token-approvals"))
    approved = client.post(f"/admin/tokens/{api_token.id}/approve",
                           data={"csrf_token": csrf_token_from(listing)}, follow_redirects=True)

    assert own.status_code == 403
    assert "Dashboard" in listing
    assert "Token Dashboard approved" in text_of(approved) and "No tokens are waiting" in text_of(approved)
    assert feed.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert [e.action for e in audit_rows(entity="api_token", entity_id=api_token.id)] == ["create", "approve"]


@pytest.mark.parametrize("day, month, year, message", [
    ("1", "1", "2020", "The expiry must be in the future"),
    ("1", "1", "2099", "A token can last at most 365 days"),
])
def test_a_token_expiry_in_the_past_or_too_far_ahead_is_shown_on_the_expiry_field(
        client, login, make_user, day, month, year, message):
    with freeze_time(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)):
        login(make_user("admin"))
        response = client.post("/admin/tokens", data={
            "token-csrf_token": form_token(client, "/admin/users"), "token-name": "Police feed",
            "token-role": "partner", "token-agency": "police",
            "token-expires-day": day, "token-expires-month": month, "token-expires-year": year})

    assert response.status_code == 400
    assert f'<a href="#token-expires-day">{message}</a>' in text_of(response)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_a_token_made_on_the_page_works_until_the_end_of_its_chosen_day(client, login, make_user):
    with freeze_time(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)):
        login(make_user("admin"))
        client.post("/admin/tokens", data={
            "token-csrf_token": form_token(client, "/admin/users"), "token-name": "Police feed",
            "token-role": "partner", "token-agency": "police",
            "token-expires-day": "31", "token-expires-month": "3", "token-expires-year": "2027"})

    assert db.session.scalar(select(ApiToken.expires_at)) == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)


def test_a_partner_token_without_an_agency_is_shown_on_the_agency_field(client, login, make_user):
    login(make_user("admin"))
    token = form_token(client, "/admin/users")

    response = client.post("/admin/tokens", data={"token-csrf_token": token, "token-name": "Police feed",
                                                  "token-role": "partner", "token-agency": ""})

    assert response.status_code == 400
    assert '<a href="#token-agency">Choose the agency this person represents</a>' in text_of(response)


def test_only_the_closest_menu_entry_is_marked_as_the_current_page(app, client, login, make_user):
    import re

    login(make_user("manager"))
    html = client.get("/cases/due").get_data(as_text=True)
    current = re.findall(r'href="([^"]+)" aria-current="page"', html)
    assert current == ["/cases/due"]
