"""A small, hand-checked Front Door for the morning report tests, at 09:30 on Fri 27 Nov 2026.

Contacts (all times UTC = London in winter):
  E  police, Thu 1 Jan 2026 (bank holiday) -> assessment, decided in time; authorised NFA 20 Feb
  D  GP,     Tue 10 Nov -> NFA decided late on 12 Nov
  C  school, Wed 25 Nov 08:00, RAG red, police asked 09:00 and answered 12:00; not decided (breached)
  A  police, Thu 26 Nov 10:00 -> assessment at 15:00, allocated 16:00
  B  school, Thu 26 Nov 11:00, RAG amber, health asked 12:00 (due Fri 12:00); not decided (due 11:00)
"""
from datetime import UTC, date, datetime

import pytest

from triage.extensions import db
from triage.models import Assessment, Referral
from triage.services import cases, contacts, information_requests
from triage.services.reference import ensure_team

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def council(app, make_user, actor_for):
    team = ensure_team("Front Door assessment North")
    people = {role: actor_for(make_user(role)) for role in ("era", "practitioner", "manager")}
    worker = make_user("practitioner", username="sw.north1", team=team.name)
    people["worker"] = actor_for(worker)
    people["team"] = team

    def contact(name, source, received, consent="given"):
        made, _ = contacts.record_contact(people["era"], received, {
            "channel": "phone", "source_code": source, "concern": "Concern", "consent": consent,
            "consent_by": "Parent", "received_at": received, "children": [{"child": {
                "first_name": name, "last_name": "Test", "sex": "female", "date_of_birth": date(2015, 1, 1)},
                "confirmed_new": True}]})
        return made

    def decide(made, when, outcome, late=None):
        contacts.record_decision(people["manager"], when, made.id, [{"outcome": outcome, "rationale": "r"}],
                                 delay_reason=late)

    e = contact("Esme", "6", utc(2026, 1, 1, 9))
    decide(e, utc(2026, 1, 1, 12), "assessment")
    contacts.acknowledge(people["era"], utc(2026, 1, 2, 9), e.id)
    e_assessment = db.session.query(Assessment).join(Referral).filter(Referral.contact_id == e.id).one()
    cases.start_assessment(people["worker"], utc(2026, 1, 5, 9), e_assessment.id, cases.StartAssessment(date(2026, 1, 5)))
    cases.authorise(people["manager"], utc(2026, 2, 20, 9), e_assessment.id, cases.Authorisation("no_further_action", ["21"], primary_need="N1"))

    d = contact("Dara", "3A", utc(2026, 11, 10, 9))
    contacts.acknowledge(people["era"], utc(2026, 11, 10, 10), d.id)
    decide(d, utc(2026, 11, 12, 9), "no_further_action", late="Waiting for the GP")

    c = contact("Cleo", "2A", utc(2026, 11, 25, 8))
    contacts.set_rag(people["practitioner"], utc(2026, 11, 25, 8, 30), c.id, "red", "Injury")
    [asked] = information_requests.request_information(people["practitioner"], utc(2026, 11, 25, 9), c.id,
                                                      ["police"], "History?")
    information_requests.answer_request(people["practitioner"], utc(2026, 11, 25, 12), asked.id, "None held")

    a = contact("Ava", "6", utc(2026, 11, 26, 10))
    contacts.acknowledge(people["era"], utc(2026, 11, 26, 10, 30), a.id)
    decide(a, utc(2026, 11, 26, 15), "assessment")
    a_referral = db.session.query(Referral).filter_by(contact_id=a.id).one()
    cases.allocate(people["manager"], utc(2026, 11, 26, 16), a_referral.id, cases.Allocation(team.id, worker.id))

    b = contact("Bea", "2A", utc(2026, 11, 26, 11))
    contacts.set_rag(people["practitioner"], utc(2026, 11, 26, 11, 30), b.id, "amber", "Attendance")
    information_requests.request_information(people["practitioner"], utc(2026, 11, 26, 12), b.id,
                                            ["health"], "Involvement?")
    people.update(a=a, b=b, c=c, d=d, e=e, worker_user=worker, a_referral=a_referral)
    return people
