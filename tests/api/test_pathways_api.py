"""Routing rules over /api/v1/meetings/pathways: administrators write them, staff read them."""
from __future__ import annotations

from triage.models import AuditEvent, PathwayRule
from triage.services.reference import ensure_locality

RULE = {"name": "14+ at risk", "meeting_type": "team_14_plus", "min_age": 14,
        "concern_categories": ["exploitation", "missing"]}


def test_an_administrator_writes_a_rule_and_staff_read_it(app, api_as):
    admin, staff = api_as("admin"), api_as("practitioner")
    made = admin.post("/api/v1/meetings/pathways", json=RULE)
    assert made.status_code == 201, made.get_json()
    rule = made.get_json()
    assert (rule["concern_categories"], rule["source_codes"], rule["active"], rule["version"]) == (
        ["exploitation", "missing"], [], True, 1)
    listed = staff.get("/api/v1/meetings/pathways")
    assert [r["id"] for r in listed.get_json()] == [rule["id"]] and "X-Pagination" in listed.headers
    categories = {c["code"] for c in staff.get("/api/v1/meetings/pathways/categories").get_json()}
    assert {"exploitation", "missing", "emotional_health"} <= categories
    assert AuditEvent.query.filter_by(entity="pathway_rule", action="create").count() == 1
    assert staff.post("/api/v1/meetings/pathways", json=RULE).status_code == 403


def test_each_mistake_is_a_422_naming_its_field_and_a_stale_version_a_409(app, api_as):
    admin = api_as("admin")
    typed = admin.post("/api/v1/meetings/pathways", json={"name": "x", "min_age": "old"})
    assert typed.status_code == 422
    assert {"meeting_type", "min_age"} <= set(typed.get_json()["errors"]["json"])
    meant = admin.post("/api/v1/meetings/pathways", json={**RULE, "meeting_type": "nope", "max_age": 12,
                                                           "locality_id": 999})
    assert meant.status_code == 422
    assert {"meeting_type", "max_age", "locality_id"} <= set(meant.get_json()["errors"])
    assert PathwayRule.query.count() == 0

    north = ensure_locality("North")
    rule = admin.post("/api/v1/meetings/pathways", json={**RULE, "locality_id": north.id}).get_json()
    url = f"/api/v1/meetings/pathways/{rule['id']}"
    changed = admin.put(url, json={**RULE, "active": False, "version": 1})
    assert (changed.status_code, changed.get_json()["active"], changed.get_json()["locality_id"]) == (200, False, None)
    assert admin.put(url, json={**RULE, "version": 1}).status_code == 409
    assert admin.get("/api/v1/meetings/pathways/999").status_code == 404
