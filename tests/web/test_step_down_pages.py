"""Step-down pages: the manager names the early help team when authorising, the early help team
finds the handover in its inbox and answers it, and the case shows where the family went."""
from sqlalchemy import select

from tests.api.test_step_down import AUTHORISED, staff, started  # noqa: F401 (fixtures)
from tests.conftest import csrf_token_from
from tests.integration.test_assessments import at
from triage.extensions import db
from triage.models import StepDown
from triage.services import cases


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_the_early_help_team_returns_a_handover_from_its_inbox_and_the_case_shows_it(
        client, login, make_user, staff, started):  # noqa: F811
    cases.authorise(staff["manager"], at(AUTHORISED), started.id, cases.Authorisation(
        "early_help", ("3A",), primary_need="N1", version=started.version))
    handover = db.session.scalar(select(StepDown))
    login(make_user("partner", agency="early_help"))
    inbox = text_of(client.get("/requests/step-downs"))
    assert "Ivy Moss" in inbox and "27 November 2026" in inbox
    url = f"/requests/step-downs/{handover.id}"
    token = csrf_token_from(text_of(client.get(url)))
    data = {"csrf_token": token, "version": str(handover.version), "accepted": "no", "reason": ""}
    refused = client.post(url, data=data)
    assert refused.status_code == 400 and "Say why early help is not taking the family on" in text_of(refused)
    done = client.post(url, data={**data, "reason": "Already supported by the family hub"})
    assert done.status_code == 302
    assert "Returned by early help" in text_of(client.get(url))
    assert db.session.get(StepDown, handover.id).answer_reason == "Already supported by the family hub"

    client.get("/logout")
    login(staff["manager_user"])
    case = text_of(client.get(f"/cases/{started.referral_id}"))
    assert "Step-down to early help" in case and "Returned by early help" in case


def test_another_agency_cannot_open_the_handover(client, login, make_user, staff, started):  # noqa: F811
    cases.authorise(staff["manager"], at(AUTHORISED), started.id, cases.Authorisation(
        "early_help", ("3A",), primary_need="N1", version=started.version))
    handover = db.session.scalar(select(StepDown))
    login(make_user("partner", agency="police"))
    assert client.get(f"/requests/step-downs/{handover.id}").status_code == 404
