"""Step-down from a contact through the pages: the manager names the early help team on the
decision form, the contact page links the handover, and the inbox and handover page say which
contact it came from."""
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.conftest import NOW
from tests.web.test_contacts_pages import action, record, text_of, token  # noqa: F401 (a fixture)
from triage.extensions import db
from triage.models import Agency, Contact, StepDown

LATER = NOW + timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock():
    with freeze_time(LATER) as frozen:
        yield frozen


def decide(client, contact_id: int, **fields):
    version = db.session.get(Contact, contact_id).version
    return action(client, contact_id, "decision", "decide", version, outcome="early_help",
                  rationale="Family hub can support", **fields)


def test_among_several_teams_the_manager_chooses_one_and_the_contact_links_the_handover(
        client, login, make_user, record, make_child):  # noqa: F811
    db.session.add(Agency(code="early_help_north", name="Early help North", kind="early_help"))
    db.session.commit()
    child = make_child("Lily", "Shaw", date(2016, 4, 4))
    contact = record(children=[child])
    login(make_user("manager"))
    form = text_of(client.get(f"/contacts/{contact.id}"))
    assert 'name="decide-early_help_team"' in form and "Early help North" in form

    unnamed = decide(client, contact.id, early_help_team="")
    assert unnamed.status_code == 400
    assert "Choose the early help team the family goes to" in text_of(unnamed)
    assert db.session.scalar(select(StepDown.id)) is None

    assert decide(client, contact.id, early_help_team="early_help_north").status_code == 302
    handover = db.session.scalar(select(StepDown))
    assert (handover.contact_id, handover.child_id, handover.agency.code) == (contact.id, child.id, "early_help_north")
    page = text_of(client.get(f"/contacts/{contact.id}"))
    assert "Handed over to early help" in page
    assert f'href="/requests/step-downs/{handover.id}">Handover {handover.id}</a> to Early help North' in page

    detail = text_of(client.get(f"/requests/step-downs/{handover.id}"))
    assert f'href="/contacts/{contact.id}">Open contact {contact.id}</a>' in detail
    assert "Open case" not in detail


def test_with_one_team_the_form_names_it_and_its_inbox_shows_the_contact(client, login, make_user, record):  # noqa: F811
    contact = record()
    login(make_user("manager"))
    assert decide(client, contact.id).status_code == 302  # the team is the council's only one
    handover = db.session.scalar(select(StepDown))
    assert handover.agency.code == "early_help"
    manager_inbox = text_of(client.get("/requests/step-downs"))
    assert f'href="/contacts/{contact.id}">Contact {contact.id}</a>' in manager_inbox

    client.get("/logout")
    login(make_user("partner", agency="early_help"))
    inbox = text_of(client.get("/requests/step-downs"))
    assert f"Contact {contact.id}" in inbox and f'href="/contacts/{contact.id}"' not in inbox  # not theirs to open
    detail = text_of(client.get(f"/requests/step-downs/{handover.id}"))
    assert f"Contact {contact.id} (the Front Door&#39;s decision)" in detail


def test_another_agency_cannot_open_a_handover_from_a_contact(client, login, make_user, record):  # noqa: F811
    contact = record()
    login(make_user("manager"))
    assert decide(client, contact.id).status_code == 302
    handover = db.session.scalar(select(StepDown))
    client.get("/logout")
    login(make_user("partner", agency="police"))
    assert client.get(f"/requests/step-downs/{handover.id}").status_code == 404
    assert f"Contact {contact.id}" not in text_of(client.get("/requests/step-downs"))
