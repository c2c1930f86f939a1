"""Retention through the API: the paginated review, holds and erasure with field-level 422s and 409s."""
from __future__ import annotations

import json

from freezegun import freeze_time

from tests.api.test_cases import error_fields
from tests.integration.test_retention import NOW, council  # noqa: F401  (the fixture)
from triage.extensions import db
from triage.models import Child


def test_the_review_is_paginated_for_managers_only(api_as, council):  # noqa: F811
    with freeze_time(NOW):
        manager = api_as("manager")
        first = manager.get("/api/v1/retention/review?page_size=2")
        second = manager.get("/api/v1/retention/review?page=2&page_size=2")
        refused = api_as("practitioner").get("/api/v1/retention/review")

    assert first.status_code == 200 and json.loads(first.headers["X-Pagination"])["total"] == 3
    assert [e["child_id"] for e in first.json + second.json] == [
        council[k].id for k in ("case_closed", "contacts_due", "contacts_due_later")]
    assert first.json[0]["due_on"] == "2026-03-01" and first.json[0]["reasons"]
    assert refused.status_code == 403


def test_erasing_needs_the_version_and_a_confirmation_and_a_stale_version_is_a_409(api_as, council):  # noqa: F811
    ava = council["contacts_due"]
    url = f"/api/v1/retention/children/{ava.id}/erase"
    with freeze_time(NOW):
        manager = api_as("manager")
        missing = manager.post(url, json={})
        unconfirmed = manager.post(url, json={"version": ava.version, "confirm": False})
        stale = manager.post(url, json={"version": ava.version + 1, "confirm": True})
        done = manager.post(url, json={"version": ava.version, "confirm": True})
        again = manager.post(url, json={"version": db.session.get(Child, ava.id).version, "confirm": True})
        shown = manager.get(f"/api/v1/retention/children/{ava.id}")

    assert missing.status_code == 422 and error_fields(missing) - {"json"} == {"version", "confirm"}
    assert unconfirmed.status_code == 422 and error_fields(unconfirmed) - {"json"} == {"confirm"}
    assert stale.status_code == 409 and "version" in error_fields(stale)
    assert done.status_code == 200, done.json
    assert (done.json["contacts"], done.json["due_on"], done.json["erased_at"][:10]) == (2, "2026-11-03", "2026-11-27")
    assert again.status_code == 409
    assert shown.json["erasure"]["contacts"] == 2 and shown.json["due_now"] is False


def test_a_hold_is_placed_listed_and_lifted_with_its_version(api_as, council):  # noqa: F811
    ava = council["contacts_due"]
    with freeze_time(NOW):
        manager = api_as("manager")
        blank = manager.post(f"/api/v1/retention/children/{ava.id}/holds", json={"reason": ""})
        placed = manager.post(f"/api/v1/retention/children/{ava.id}/holds", json={"reason": "Court order"})
        twice = manager.post(f"/api/v1/retention/children/{ava.id}/holds", json={"reason": "Again"})
        standing = manager.get("/api/v1/retention/holds")
        erase = manager.post(f"/api/v1/retention/children/{ava.id}/erase",
                             json={"version": db.session.get(Child, ava.id).version, "confirm": True})
        hold = placed.json
        no_version = manager.post(f"/api/v1/retention/holds/{hold['id']}/lift", json={"reason": "Done"})
        stale = manager.post(f"/api/v1/retention/holds/{hold['id']}/lift",
                             json={"reason": "Done", "version": hold["version"] + 1})
        lifted = manager.post(f"/api/v1/retention/holds/{hold['id']}/lift",
                              json={"reason": "Order discharged", "version": hold["version"]})

    assert blank.status_code == 422 and error_fields(blank) - {"json"} == {"reason"}
    assert placed.status_code == 201 and (hold["active"], hold["reason"]) == (True, "Court order")
    assert twice.status_code == 409
    assert [h["id"] for h in standing.json] == [hold["id"]]
    assert erase.status_code == 409 and "hold" in erase.json["message"]
    assert no_version.status_code == 422 and error_fields(no_version) - {"json"} == {"version"}
    assert stale.status_code == 409
    assert lifted.status_code == 200 and (lifted.json["active"], lifted.json["lift_reason"]) == (
        False, "Order discharged")
