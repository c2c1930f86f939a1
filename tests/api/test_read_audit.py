"""Every read that shows a child's data leaves one audit row per child shown, written by one
statement in the same transaction."""
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from tests.support.statements import recorded_statements
from triage.extensions import db
from triage.models import AuditEvent, Referral
from triage.services import audit, contacts, information_requests
from triage.services.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # the next working day: decision clocks have run out


@pytest.fixture
def staff(make_user, actor_for):
    return {role: actor_for(make_user(role)) for role in ("era", "practitioner", "manager")}


@pytest.fixture
def contact_about(staff):
    """A contact about the named children (all new), received an hour before NOW."""
    def make(*names: str, last_name: str = "Moss"):
        made, _ = contacts.record_contact(staff["era"], NOW.replace(hour=8), {
            "channel": "phone", "source_code": "3A", "concern": "Worried", "consent": "given",
            "consent_by": "Mother", "received_at": NOW.replace(hour=8), "children": [
                {"child": {"first_name": name, "last_name": last_name, "sex": "female",
                           "date_of_birth": date(2015, 1, 1)}, "confirmed_new": True} for name in names]})
        return made
    return make


def children_of(contact) -> list[int]:
    return [link.child_id for link in contact.children]


def audit_rows(**match) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.query(AuditEvent).filter_by(**match).order_by(AuditEvent.id).all()


def audit_inserts(statements) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"))


def test_a_child_search_audits_each_child_it_returns_in_one_statement(api_as, contact_about):
    first, second = contact_about("Ivy", "Iris"), contact_about("Isla")
    contact_about("Zed", last_name="Other")
    manager = api_as("manager")
    with recorded_statements() as statements:
        found = manager.get("/api/v1/children?name=Moss")
    assert found.status_code == 200 and len(found.json) == 3
    rows = audit_rows(action="search", entity="child")
    assert sorted(r.child_id for r in rows) == sorted(children_of(first) + children_of(second))
    assert {r.role for r in rows} == {"manager"} and {r.channel for r in rows} == {"api"}
    assert audit_inserts(statements) == 1


def test_a_search_that_finds_nobody_is_still_on_record(api_as, contact_about):
    contact_about("Ivy")
    assert api_as("manager").get("/api/v1/children?name=Nobody").json == []
    [row] = audit_rows(action="search", entity="child")
    assert row.child_id is None and "0 found" in row.detail


def test_the_queue_api_and_page_audit_every_child_on_every_listed_contact(api_as, client, login, make_user,
                                                                          contact_about):
    twins, single = contact_about("Ada", "Ava"), contact_about("Bo")
    with freeze_time(NOW):
        assert len(api_as("practitioner").get("/api/v1/queue").json) == 2
        api_rows = audit_rows(action="list", entity="contact")
        assert sorted((r.entity_id, r.child_id) for r in api_rows) == sorted(
            [(twins.id, c) for c in children_of(twins)] + [(single.id, c) for c in children_of(single)])
        login(make_user("practitioner"))
        assert client.get("/queue").status_code == 200
    page_rows = [r for r in audit_rows(action="list", entity="contact") if r.channel == "page"]
    assert len(page_rows) == 3


def test_the_partner_inbox_audits_the_children_of_each_request_shown(api_as, staff, contact_about):
    asked = contact_about("Cy", "Cal")
    contacts.set_rag(staff["practitioner"], NOW.replace(hour=8, minute=30), asked.id, "amber", "Worry")
    information_requests.request_information(staff["practitioner"], NOW.replace(hour=9), asked.id,
                                             ["health"], "Known?")
    with freeze_time(NOW):
        inbox = api_as("partner", "health").get("/api/v1/information-requests")
    assert len(inbox.json) == 1
    rows = audit_rows(action="list", entity="information_request")
    assert sorted(r.child_id for r in rows) == sorted(children_of(asked))
    assert {r.entity_id for r in rows} == {inbox.json[0]["id"]} and {r.role for r in rows} == {"partner"}


def test_referrals_of_a_contact_are_audited_even_when_there_are_none(api_as, staff, contact_about):
    undecided, decided = contact_about("Di"), contact_about("Dot", "Dan")
    contacts.record_decision(staff["manager"], NOW, decided.id,
                             [{"outcome": "assessment", "rationale": "Assess"}])
    practitioner = api_as("practitioner")
    assert practitioner.get(f"/api/v1/contacts/{undecided.id}/referrals").json == []
    [none] = audit_rows(action="read", entity="referral")
    assert none.child_id is None and f"contact {undecided.id}" in none.detail
    assert len(practitioner.get(f"/api/v1/contacts/{decided.id}/referrals").json) == 2
    referrals = db.session.query(Referral).filter_by(contact_id=decided.id).all()
    rows = [r for r in audit_rows(action="read", entity="referral") if r.child_id]
    assert sorted((r.entity_id, r.child_id) for r in rows) == sorted((r.id, r.child_id) for r in referrals)


def test_reading_a_childs_trail_is_itself_on_the_childs_trail(api_as, contact_about):
    [child_id] = children_of(contact_about("Eve"))
    manager = api_as("manager")
    first = manager.get(f"/api/v1/audit/children/{child_id}").json
    assert {e["action"] for e in first} == {"create"}
    again = manager.get(f"/api/v1/audit/children/{child_id}").json
    assert again[0]["action"] == "read" and again[0]["entity"] == "audit_trail"


def test_reading_a_users_trail_puts_the_read_on_each_named_childs_trail(api_as, staff, contact_about):
    made = contact_about("Fay", "Flo")
    response = api_as("admin").get(f"/api/v1/audit/users/{staff['era'].user_id}")
    assert response.status_code == 200 and {e["child_id"] for e in response.json} == set(children_of(made))
    rows = audit_rows(entity="audit_trail")
    assert sorted(r.child_id for r in rows) == sorted(children_of(made))
    assert {r.entity_id for r in rows} == {staff["era"].user_id} and {r.role for r in rows} == {"admin"}


@pytest.fixture
def report(app, contact_about):
    from triage.services.report import build as morning_report
    contact_about("Gus", "Gil")
    return morning_report.build_scheduled_report(NOW)


def test_a_report_view_audits_each_child_it_shows_in_one_statement(api_as, report):
    from triage.services.report.audit import children_shown
    with freeze_time(NOW), recorded_statements() as statements:
        response = api_as("manager").get("/api/v1/reports/morning?date=2026-11-27")
    rows = audit_rows(entity="morning_report")
    assert len(children_shown(response.json["content"])) == 2
    assert sorted(r.child_id for r in rows) == sorted(children_shown(response.json["content"]))
    assert {(r.action, r.entity_id) for r in rows} == {("read", report.id)}
    assert all(r.detail.endswith("json") for r in rows) and audit_inserts(statements) == 1


@pytest.mark.parametrize("url, served_as", [("/reports/morning.csv?date=2026-11-27&section=awaiting_decision", "csv"),
                                            ("/reports/morning.xlsx?date=2026-11-27", "xlsx")])
def test_each_download_is_an_export_naming_its_format_and_children(client, login, make_user, report, url,
                                                                    served_as):
    from triage.services.report.audit import children_shown
    with freeze_time(NOW):
        login(make_user("performance"))
        assert client.get(url).status_code == 200
    rows = audit_rows(entity="morning_report")
    assert sorted(r.child_id for r in rows) == sorted(children_shown(report.content))
    assert {r.action for r in rows} == {"export"} and all(served_as in r.detail for r in rows)


def test_the_report_page_is_a_read_and_a_section_with_no_children_still_records_the_export(
        client, login, make_user, report):
    with freeze_time(NOW):
        login(make_user("manager"))
        assert client.get("/reports/morning?date=2026-11-27").status_code == 200
        assert {r.action for r in audit_rows(entity="morning_report")} == {"read"}
        assert client.get("/reports/morning.csv?date=2026-11-27&section=caseload").status_code == 200
    [export] = audit_rows(entity="morning_report", action="export")
    assert export.child_id is None and "csv caseload" in export.detail


def test_writing_five_thousand_childrens_rows_is_one_statement(app, make_user, actor_for):
    actor = actor_for(make_user("manager"))
    shown = [(7, child_id) for child_id in range(1, 5001)]
    with recorded_statements() as statements, unit_of_work("morning report", keep_loaded=True):
        assert audit.record_shown(actor, NOW, "read", "morning_report", shown + shown[:10]) == 5000
    assert audit_inserts(statements) == 1
    assert db.session.query(AuditEvent).filter_by(entity_id=7).count() == 5000
    sample = db.session.query(AuditEvent).filter_by(child_id=4321).one()
    assert (sample.at, sample.user_id, sample.role, sample.channel) == (NOW, actor.user_id, "manager", "page")


def test_a_meeting_screen_audits_every_child_on_its_agenda_in_one_statement(api_as, make_user, actor_for):
    from triage.services import meetings
    thursday = date(2026, 11, 26)
    chair, police = actor_for(make_user("practitioner")), actor_for(make_user("partner", agency="police"))
    meeting = meetings.plan_meeting(chair, datetime(2026, 11, 26, 8, tzinfo=UTC), "mash_daily", thursday)
    for n in range(3):
        contacts.record_contact(police, datetime(2026, 11, 26, 9, n, tzinfo=UTC), {
            "channel": "police_notification", "source_code": "6", "consent": "not_required",
            "concern": "Incident", "police_incident_reference": f"INC-{n}", "dash_risk": "medium",
            "children": [{"child": {"first_name": f"Jo{n}", "last_name": "Reed", "sex": "male",
                                    "date_of_birth": date(2016, 1, 1 + n)}, "confirmed_new": True}]})
    meetings.start_meeting(chair, datetime(2026, 11, 26, 9, 30, tzinfo=UTC), meeting.id)
    with recorded_statements() as statements:
        shown = meetings.get_meeting(chair, datetime(2026, 11, 26, 9, 31, tzinfo=UTC), meeting.id)
    children = [link.child_id for item in shown.items for link in item.contact.children]
    rows = audit_rows(entity="meeting_item", action="read")
    assert len(children) == 3 and sorted(r.child_id for r in rows) == sorted(children)
    assert audit_inserts(statements) == 1


def test_the_due_and_breached_list_audits_every_child_behind_each_clock_shown(api_as, contact_about):
    twins = contact_about("Hal", "Hana")
    with freeze_time(LATER), recorded_statements() as statements:  # their decision clock has run out
        listed = api_as("manager").get("/api/v1/clocks/due?page_size=100")
    assert listed.status_code == 200 and listed.json
    rows = audit_rows(action="list", entity="clock")
    assert {r.entity_id for r in rows} == {c["id"] for c in listed.json}
    assert sorted({r.child_id for r in rows}) == sorted(children_of(twins))
    assert audit_inserts(statements) == 1


def test_a_childs_trail_answers_who_has_seen_the_child_and_in_what(api_as, client, login, make_user, report):
    """Every kind of read above lands on the trail of the child it showed, naming who and in what."""
    from triage.models import Child
    [child_id] = [c.id for c in db.session.query(Child).filter_by(first_name="Gus")]
    contact_id = db.session.query(AuditEvent.entity_id).filter_by(
        entity="contact", action="create", child_id=child_id).scalar()
    manager, practitioner = api_as("manager"), api_as("practitioner")
    with freeze_time(NOW):
        assert manager.get("/api/v1/children?name=Gus").status_code == 200
        assert practitioner.get("/api/v1/queue").status_code == 200
        assert practitioner.get(f"/api/v1/contacts/{contact_id}").status_code == 200
        assert practitioner.get(f"/api/v1/children/{child_id}").status_code == 200
        assert manager.get("/api/v1/reports/morning?date=2026-11-27").status_code == 200
        login(make_user("performance", username="analyst"))
        assert client.get("/reports/morning.xlsx?date=2026-11-27").status_code == 200
    with freeze_time(LATER):
        assert manager.get("/api/v1/clocks/due").json
        trail = api_as("admin").get(f"/api/v1/audit/children/{child_id}").json
    seen = {(e["actor"], e["action"], e["entity"]) for e in trail if e["action"] != "create"}
    manager, practitioner = "token:manager system", "token:practitioner system"
    assert seen == {(manager, "search", "child"), (practitioner, "list", "contact"),
                    (practitioner, "read", "contact"), (practitioner, "read", "child"),
                    (manager, "list", "clock"), (manager, "read", "morning_report"),
                    ("analyst", "export", "morning_report")}  # (this read is on the next page of it)
    [download] = [e for e in trail if e["action"] == "export"]
    assert download["detail"].endswith("xlsx") and download["channel"] == "page"
