"""A list costs the same number of SQL statements whatever its length: the
audit rows and the response come from the same rows, and nothing is loaded again after the
commit."""
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time

from tests.support.statements import recorded_statements, statements_for
from triage.services import contacts, information_requests

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture
def staff(make_user, actor_for):
    return {role: actor_for(make_user(role)) for role in ("era", "practitioner", "manager")}


@pytest.fixture
def add_contacts(staff):
    """n contacts (every third about two children), each rated, asked of health and decided
    every fourth as an assessment, so every list has rows and every row its relations."""
    made = {"n": 0}

    def add(n: int) -> None:
        for _ in range(n):
            made["n"] += 1
            i = made["n"]
            received = NOW - timedelta(hours=2, minutes=i)
            names = [f"Kit{i}", f"Kim{i}"] if i % 3 == 0 else [f"Kit{i}"]
            contact, _ = contacts.record_contact(staff["era"], received, {
                "channel": "phone", "source_code": "3A", "concern": "Worried", "consent": "given",
                "consent_by": "Mother", "received_at": received, "children": [
                    {"child": {"first_name": name, "last_name": "Lister", "sex": "female",
                               "date_of_birth": date(2015, 1, 1)}, "confirmed_new": True} for name in names]})
            contacts.set_rag(staff["practitioner"], received, contact.id, "amber", "Worry")
            information_requests.request_information(staff["practitioner"], received, contact.id,
                                                     ["health"], "Known?")
            if i % 4 == 0:
                contacts.record_decision(staff["manager"], received, contact.id,
                                         [{"outcome": "assessment", "rationale": "Assess"}])
    return add


LISTS = {
    "queue": ("practitioner", None, "/api/v1/queue?page_size=100"),
    "inbox": ("partner", "health", "/api/v1/information-requests?page_size=100"),
    "cases": ("manager", None, "/api/v1/referrals?page_size=100"),
    "child search": ("manager", None, "/api/v1/children?name=lister&page_size=100"),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_list_sends_as_many_statements_for_100_rows_as_for_10(api_as, add_contacts, name):
    role, agency, url = LISTS[name]
    reader = api_as(role, agency)
    with freeze_time(NOW):
        add_contacts(12)
        reader.get(url)  # the token's first use records when it was used
        few, short = statements_for(reader, url)
        add_contacts(108)
        many, long = statements_for(reader, url)
    assert len(short.json) >= 3 and len(long.json) > 5 * len(short.json)
    assert few == many, (name, few, many)


def test_the_queue_page_sends_as_many_statements_for_50_contacts_as_for_10(client, login, make_user, add_contacts):
    with freeze_time(NOW):
        login(make_user("practitioner"))
        add_contacts(10)
        few, _ = statements_for(client, "/queue")
        add_contacts(40)
        many, page = statements_for(client, "/queue")
    assert "Kit50 Lister" in page.get_data(as_text=True)
    assert few == many, (few, many)


def test_nothing_listed_is_loaded_again_after_the_audit_commit(api_as, add_contacts):
    reader = api_as("practitioner")
    with freeze_time(NOW):
        add_contacts(10)
        reader.get("/api/v1/queue")
        with recorded_statements() as statements:
            reader.get("/api/v1/queue")
    after_commit = statements[next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO audit_event")):]
    assert not [s for s in after_commit if "FROM contact" in s], after_commit
