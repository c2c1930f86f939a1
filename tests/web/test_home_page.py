"""Each role's home page shows its work in numbers, each a link to the list it counts, and names
no child."""
from __future__ import annotations

import html
import re
from datetime import date

from freezegun import freeze_time

from tests.conftest import NOW
from tests.support.stories import at
from triage.extensions import db
from triage.models import Referral
from triage.services import cases, contacts, information_requests
from triage.services.reference import ensure_team
from triage.services.report.build import build_on_demand

COUNT = re.compile(r'<a [^>]*href="([^"]+)">\s*<strong[^>]*data-count>(\d+)</strong>\s*([^<]+?)\s*</a>')


def counts_on(page: str) -> dict[str, tuple[int, str]]:
    """What each count says -> (its number, where it links)."""
    return {html.unescape(text): (int(n), html.unescape(href)) for href, n, text in COUNT.findall(page)}


def _contact(era, when, first_name="Noor"):
    contact, _ = contacts.record_contact(era, when, {
        "channel": "phone", "source_code": "2A", "concern": "School worried", "consent": "given",
        "consent_by": "Father", "received_at": when, "children": [{"child": {
            "first_name": first_name, "last_name": "Ali", "sex": "female", "date_of_birth": date(2016, 4, 4)},
            "confirmed_new": True}]})
    return contact


def _people(make_user, actor_for):
    team = ensure_team("Assessment team North")
    manager, worker, era = make_user("manager"), make_user("practitioner"), make_user("era")
    worker.manager_id, worker.team_id = manager.id, team.id
    db.session.commit()
    day = date(2026, 9, 1)
    contact = _contact(actor_for(era), at(day))
    contacts.record_decision(actor_for(manager), at(day, 11), contact.id,
                             [{"outcome": "assessment", "rationale": "Assess"}])
    referral = db.session.query(Referral).filter_by(contact_id=contact.id).one()
    cases.allocate(actor_for(manager), at(day, 12), referral.id, cases.Allocation(team.id, worker.id))
    _contact(actor_for(era), NOW, first_name="Zara")  # awaiting a decision in the queue
    return {"team": team, "manager": manager, "worker": worker, "era": era}


def test_a_workers_home_counts_their_cases_and_the_queue_with_links_to_the_lists(app, client, login, make_user,
                                                                               actor_for):
    people = _people(make_user, actor_for)
    with freeze_time(NOW):
        login(people["worker"])
        page = client.get("/").get_data(as_text=True)

    counts = counts_on(page)
    mine = "/cases?worker_id=me&status=open"
    assert counts["open case allocated to me"] == (1, mine)
    assert counts["deadlines breached"] == (3, mine)  # the assessment and both case discussions
    assert counts["deadlines due this week (to Sunday 29 November)"] == (0, mine)
    assert counts["contact awaiting a decision"] == (1, "/queue")
    assert counts["unread notifications"] == (0, "/notifications?show=unread")
    assert "Noor" not in page and "Zara" not in page  # numbers only: no child named


def test_a_managers_home_adds_the_teams_breaches_and_cases_awaiting_allocation(app, client, login, make_user,
                                                                             actor_for):
    people = _people(make_user, actor_for)
    build_on_demand(actor_for(people["manager"]), NOW)
    with freeze_time(NOW):
        login(people["manager"])
        page = client.get("/").get_data(as_text=True)

    counts = counts_on(page)
    assert counts["case deadlines breached"] == (3, "/cases/due")
    assert counts["cases awaiting allocation"] == (0, "/cases?status=open&allocated=no")
    assert re.search(r'id="latest-report"\s+href="/reports/morning\?date=2026-11-27&amp;version=1"', page)
    assert "Noor" not in page


def test_a_partners_home_counts_requests_awaiting_their_agency(app, client, login, make_user, actor_for):
    people = _people(make_user, actor_for)
    worker = actor_for(people["worker"])
    contact = _contact(actor_for(people["era"]), NOW, first_name="Ola")
    contacts.set_rag(worker, NOW, contact.id, "amber", "Injury")
    information_requests.request_information(worker, NOW, contact.id, ["police"], "What do you hold?")
    with freeze_time(NOW):
        login(make_user("partner", agency="police"))
        page = client.get("/").get_data(as_text=True)

    counts = counts_on(page)
    assert counts["request awaiting my agency's answer"] == (1, "/requests")
    assert not any("queue" in href or "cases" in href for _, href in counts.values())
    assert "Ola" not in page
