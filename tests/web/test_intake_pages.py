"""The Front Door matches a partner system's children at screening."""
from __future__ import annotations

from datetime import date

from freezegun import freeze_time

from tests.conftest import NOW
from triage.services import contacts


def test_the_contact_page_shows_the_likely_match_of_a_child_a_partner_named(
        app, client, login, make_user, make_child, actor_for):
    known = make_child("Maya", "Okafor", date(2017, 3, 2), council_child_id="C77")
    police = actor_for(make_user("partner", agency="police"))
    receipt, _ = contacts.receive_contact(police, NOW, {
        "channel": "police_notification", "source_code": "6", "concern": "Incident",
        "police_incident_reference": "INC-1", "consent": "not_required",
        "children": [{"child": {"first_name": "Maya", "last_name": "Okafor", "sex": "female",
                                "date_of_birth": date(2017, 3, 2)}}]})
    with freeze_time(NOW):
        login(make_user("practitioner"))
        page = client.get(f"/contacts/{receipt.id}").get_data(as_text=True)
    assert "Possible match" in page
    assert f'href="/children/{known.id}">Maya Okafor, C77</a>' in page
