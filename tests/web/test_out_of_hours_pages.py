"""The out-of-hours handover page: the morning accepts what the EDT logged overnight, one by one."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from tests.conftest import csrf_token_from

FRIDAY_MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _edt_contact(api, received: datetime, name: str) -> int:
    body = {"channel": "edt_handover", "source_code": "9", "received_at": received.isoformat(),
            "concern": "Police called EDT overnight.", "consent": "not_required",
            "children": [{"child": {"first_name": name, "last_name": "Okafor", "sex": "female",
                                    "date_of_birth": "2012-03-02"}}]}
    with freeze_time(received + timedelta(minutes=5)):
        posted = api.post("/api/v1/contacts", json=body)
    assert posted.status_code == 201, posted.json
    return posted.json["id"]


def test_the_morning_era_accepts_the_nights_contacts_one_by_one(app, client, login, make_user, api_as):
    api = api_as("era")
    first = _edt_contact(api, datetime(2026, 11, 26, 22, 0, tzinfo=UTC), "Ava")
    second = _edt_contact(api, datetime(2026, 11, 27, 2, 0, tzinfo=UTC), "Ben")
    era = make_user("era")
    with freeze_time(FRIDAY_MORNING):
        login(era)
        home = client.get("/").get_data(as_text=True)
        assert 'href="/out-of-hours"' in home
        html = client.get("/out-of-hours").get_data(as_text=True)
        assert "2 waiting contacts" in html and "Ava Okafor" in html and "Ben Okafor" in html
        version = re.search(rf'/out-of-hours/{first}/accept".*?name="version" value="(\d+)"', html, re.S).group(1)
        accepted = client.post(f"/out-of-hours/{first}/accept",
                               data={"csrf_token": csrf_token_from(html), "version": version})
        assert accepted.status_code == 302
        after = client.get("/out-of-hours").get_data(as_text=True)
        assert "1 waiting contact" in after and f"Contact {second}" in after and f"Contact {first}<" not in after
        again = client.post(f"/out-of-hours/{first}/accept",
                            data={"csrf_token": csrf_token_from(html), "version": version})
        assert again.status_code == 409 and f"already accepted by {era.display_name}" in again.get_data(as_text=True)
        done = client.get("/out-of-hours?state=accepted").get_data(as_text=True)
        assert f"by {era.display_name}" in done


def test_a_partner_cannot_see_the_handover(app, client, login, make_user):
    login(make_user("partner"))
    assert client.get("/out-of-hours").status_code == 403
