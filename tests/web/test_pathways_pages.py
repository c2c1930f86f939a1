"""The pathways page: administrators add and change routing rules; practitioners read them."""
from __future__ import annotations

import re

from tests.conftest import csrf_token_from
from triage.models import PathwayRule


def test_an_administrator_adds_a_rule_on_the_page_and_a_practitioner_reads_it(app, client, login, make_user):
    login(make_user("admin"))
    page = client.get("/meetings/pathways")
    assert page.status_code == 200 and "No routing rules yet" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    bad = client.post("/meetings/pathways", data={"csrf_token": token, "name": "14+", "meeting_type": "team_14_plus",
                                                 "min_age": "16", "max_age": "14", "active": "y"})
    assert bad.status_code == 422
    assert "The oldest age cannot be below the youngest" in bad.get_data(as_text=True)
    assert PathwayRule.query.count() == 0

    made = client.post("/meetings/pathways", data={
        "csrf_token": token, "name": "14+ at risk", "meeting_type": "team_14_plus", "min_age": "14",
        "concern_categories": ["exploitation", "missing"], "active": "y"})
    assert made.status_code == 302
    rule = PathwayRule.query.one()
    assert (rule.min_age, rule.category_list, rule.active) == (14, ["exploitation", "missing"], True)

    edit = client.get(f"/meetings/pathways/{rule.id}").get_data(as_text=True)
    assert re.search(r'name="version" type="hidden" value="1"', edit)
    off = client.post(f"/meetings/pathways/{rule.id}", data={
        "csrf_token": token, "name": "14+ at risk", "meeting_type": "team_14_plus", "min_age": "14",
        "concern_categories": ["exploitation", "missing"], "version": "1"})
    assert off.status_code == 302 and PathwayRule.query.one().active is False
    stale = client.post(f"/meetings/pathways/{rule.id}", data={
        "csrf_token": token, "name": "14+", "meeting_type": "team_14_plus", "version": "1", "active": "y"})
    assert stale.status_code == 409

    client.get("/logout")
    login(make_user("practitioner"))
    read = client.get("/meetings/pathways").get_data(as_text=True)
    assert "14+ at risk" in read and "Add a routing rule" not in read
    mine = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post("/meetings/pathways", data={"csrf_token": mine, "name": "x"}).status_code == 403
