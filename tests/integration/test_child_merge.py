"""Merging duplicate child records: everything moves to the record kept, and an administrator can undo it."""
from datetime import date, timedelta

import pytest

from tests.support.stories import at, child_of, contact_about, whole_story
from triage.extensions import db
from triage.models import (
    Assessment,
    AuditEvent,
    Child,
    ChildMerge,
    Clock,
    ContactChild,
    Referral,
    StrategyDiscussion,
    User,
)
from triage.services import audit, child_merge, children, chronology, contacts
from triage.services.errors import Conflict, Forbidden, Invalid

NHS = "9434765919"


def duplicate_of(staff, now, **fields) -> Child:
    """A second record of the child, as a hurried intake would make it."""
    values = {"first_name": "Ivy", "last_name": "Mos", "sex": "female", "date_of_birth": date(2014, 2, 2),
              "town": "Leeds", "nhs_number": NHS, **fields}
    return children.create_child(staff["worker"], now, values, confirmed_new=True)


def merged_story(staff, now, take=frozenset({"town"})) -> dict:
    story = whole_story(staff)
    duplicate = duplicate_of(staff, now)
    story["duplicate"] = duplicate.id
    story["dup_contact"] = contact_about(staff, date(2026, 10, 20), child_id=duplicate.id)
    kept = db.session.get(Child, story["child_id"])
    story["merge"] = child_merge.merge(staff["manager"], now, kept.id, duplicate.id, kept.version, take).id
    return story


def owners(model, ids) -> set[int]:
    return {row.child_id for row in db.session.query(model).filter(model.id.in_(ids))}


def test_a_merge_moves_everything_to_the_kept_record_and_leaves_a_tombstone(app, staff, now):
    story = whole_story(staff)
    duplicate = duplicate_of(staff, now)
    dup_contact = contact_about(staff, date(2026, 10, 20), child_id=duplicate.id)
    dup_referral = db.session.query(Referral).filter_by(contact_id=dup_contact).one()
    kept = db.session.get(Child, story["child_id"])

    record = child_merge.merge(staff["manager"], now, kept.id, duplicate.id, kept.version,
                               frozenset({"town", "nhs_number"}))

    db.session.expire_all()
    kept, duplicate = db.session.get(Child, story["child_id"]), db.session.get(Child, duplicate.id)
    assert (duplicate.merged_into_id, duplicate.merged_at) == (kept.id, now)
    assert (kept.town, kept.nhs_number, duplicate.nhs_number) == ("Leeds", NHS, None)
    assert (kept.last_name, duplicate.last_name) == ("Moss", "Mos")  # not taken: the kept record's stays
    for model in (ContactChild, Referral, Assessment, Clock):
        assert db.session.query(model).filter_by(child_id=duplicate.id).count() == 0
    assert dup_referral.child_id == kept.id
    assert db.session.query(StrategyDiscussion).filter_by(child_id=kept.id).count() == 1
    assert record.taken == "town,nhs_number"
    # The merged child's chronology holds both records' events.
    _, page = chronology.read_chronology(staff["worker"], now, kept.id)
    assert {e.record_id for e in page.items if e.kind == "contact"} == {story["first"], story["second"], dup_contact}
    assert page.total == 10 + 3
    # Both records' trails say so; the kept record's trail reads the duplicate's rows too.
    merges = db.session.query(AuditEvent).filter_by(action="merge").order_by(AuditEvent.id).all()
    assert [(m.entity_id, m.child_id) for m in merges] == [(kept.id, kept.id), (duplicate.id, duplicate.id)]
    trail = audit.child_trail(staff["manager"], now, kept.id, limit=500)
    assert any(e.child_id == duplicate.id and e.action == "create" for e in trail)


def test_a_tombstone_is_not_found_by_search_nor_edited_nor_named_on_a_contact(app, staff, now):
    story = merged_story(staff, now)
    duplicate = db.session.get(Child, story["duplicate"])

    found = children.search_children(staff["worker"], now, children.ChildSearch(name="Ivy"))
    assert [c.id for c in found.items] == [story["child_id"]]
    with pytest.raises(Conflict, match=f"merged into record {story['child_id']}"):
        children.update_child(staff["worker"], now, duplicate.id, {"town": "York"}, duplicate.version)
    with pytest.raises(Invalid) as refused:
        contact_about(staff, date(2026, 11, 20), child_id=duplicate.id)
    assert "children.0.child_id" in refused.value.errors


def test_a_partner_naming_the_merged_nhs_number_reaches_the_kept_record(app, staff, now, make_user, actor_for):
    story = merged_story(staff, now, take=frozenset({"nhs_number"}))
    police = actor_for(make_user("partner", agency="police"), channel="api")

    contact, _ = contacts.record_contact(police, at(date(2026, 11, 21)), {
        "channel": "police_notification", "source_code": "6", "concern": "Domestic incident at the address",
        "police_incident_reference": "PPN-2026-1121", "consent": "not_required",
        "received_at": at(date(2026, 11, 21)), "children": [{"child": {
            "first_name": "Ivy", "last_name": "Moss", "sex": "female", "date_of_birth": date(2014, 2, 2),
            "nhs_number": NHS}}]})

    assert child_of(contact.id) == story["child_id"]


def test_a_merge_is_refused_when_stale_already_merged_into_itself_sharing_a_contact_or_not_a_manager(
        app, staff, now):
    story = whole_story(staff)
    kept = db.session.get(Child, story["child_id"])
    duplicate = duplicate_of(staff, now)

    with pytest.raises(Conflict, match="Someone else changed this child record"):
        child_merge.merge(staff["manager"], now, kept.id, duplicate.id, kept.version - 1)
    with pytest.raises(Invalid) as itself:
        child_merge.merge(staff["manager"], now, kept.id, kept.id, kept.version)
    assert "duplicate_id" in itself.value.errors
    with pytest.raises(Invalid) as unknown:
        child_merge.merge(staff["manager"], now, kept.id, duplicate.id, kept.version, frozenset({"password"}))
    assert "take" in unknown.value.errors
    with pytest.raises(Forbidden):
        child_merge.merge(staff["worker"], now, kept.id, duplicate.id, kept.version)
    both = contact_about(staff, date(2026, 11, 20), child_id=kept.id, decide=None)
    db.session.add(ContactChild(contact_id=both, child_id=duplicate.id))
    db.session.commit()
    with pytest.raises(Conflict) as shared:
        child_merge.merge(staff["manager"], now, kept.id, duplicate.id, kept.version)
    assert f"contact {both}" in shared.value.errors["duplicate_id"][0]

    third = duplicate_of(staff, now, nhs_number=None, last_name="Moss-Smith")
    child_merge.merge(staff["manager"], now, kept.id, third.id, db.session.get(Child, kept.id).version)
    with pytest.raises(Conflict, match="already been merged"):
        child_merge.merge(staff["manager"], now, kept.id, third.id, db.session.get(Child, kept.id).version)
    assert db.session.query(ChildMerge).count() == 1  # the refused merges wrote nothing


def test_an_administrator_undoes_a_merge_restoring_both_records(app, staff, now, make_user, actor_for):
    story = merged_story(staff, now, take=frozenset({"town", "nhs_number"}))
    admin = actor_for(make_user("admin"))
    after = contact_about(staff, date(2026, 11, 20), child_id=story["child_id"])  # recorded after the merge
    moved = {db.session.query(Referral).filter_by(contact_id=story["dup_contact"]).one().id}

    with pytest.raises(Forbidden):
        child_merge.undo(staff["manager"], now, story["merge"])
    child_merge.undo(admin, now + timedelta(days=29), story["merge"])

    db.session.expire_all()
    kept, duplicate = db.session.get(Child, story["child_id"]), db.session.get(Child, story["duplicate"])
    assert duplicate.merged_into_id is None and duplicate.merged_at is None
    assert (kept.town, kept.nhs_number) == (None, None)
    assert (duplicate.town, duplicate.nhs_number) == ("Leeds", NHS)
    assert owners(Referral, moved) == {duplicate.id}
    assert child_of(story["dup_contact"]) == duplicate.id
    assert child_of(after) == kept.id  # what was recorded after the merge stays with the kept record
    _, kept_story = chronology.read_chronology(staff["worker"], now, kept.id)
    _, dup_story = chronology.read_chronology(staff["worker"], now, duplicate.id)
    assert (kept_story.total, dup_story.total) == (10 + 3, 3)
    with pytest.raises(Conflict, match="already been undone"):
        child_merge.undo(admin, now + timedelta(days=29), story["merge"])
    assert [e.action for e in db.session.query(AuditEvent).filter_by(action="unmerge")] == ["unmerge", "unmerge"]


def test_a_merge_older_than_30_days_cannot_be_undone(app, staff, now, make_user, actor_for):
    story = merged_story(staff, now)
    with pytest.raises(Conflict, match="within 30 days"):
        child_merge.undo(actor_for(make_user("admin")), now + timedelta(days=31), story["merge"])
    assert db.session.get(Child, story["duplicate"]).merged_into_id == story["child_id"]


# The API and the pages ------------------------------------------------------------------------

def test_the_api_merges_names_bad_fields_redirects_the_tombstone_and_undoes(app, staff, now, api_as):
    story = whole_story(staff)
    duplicate = duplicate_of(staff, now)
    kept = db.session.get(Child, story["child_id"])
    manager = api_as("manager")
    url = f"/api/v1/children/{kept.id}/merge"

    missing = manager.post(url, json={"take": ["town", "favourite_colour"]})
    assert missing.status_code == 422
    assert {"duplicate_id", "version", "take"} <= set(missing.json["errors"]["json"])
    assert manager.post(url, json={"duplicate_id": duplicate.id, "version": kept.version + 5}).status_code == 409
    assert api_as("practitioner").post(url, json={"duplicate_id": duplicate.id,
                                                  "version": kept.version}).status_code == 403

    done = manager.post(url, json={"duplicate_id": duplicate.id, "version": kept.version, "take": ["town"]})
    assert done.status_code == 201
    assert (done.json["kept_id"], done.json["duplicate_id"], done.json["taken"]) == (kept.id, duplicate.id, ["town"])
    assert done.json["moved"]["referral"] == 0 and done.json["moved"]["contact_child"] == 0
    tombstone = manager.get(f"/api/v1/children/{duplicate.id}")
    assert tombstone.status_code == 301 and tombstone.headers["Location"].endswith(f"/api/v1/children/{kept.id}")

    undo = f"/api/v1/children/merges/{done.json['id']}/undo"
    assert manager.post(undo).status_code == 403
    undone = api_as("admin").post(undo)
    assert undone.status_code == 200 and undone.json["undone_at"] is not None
    assert manager.get(f"/api/v1/children/{duplicate.id}").status_code == 200


def test_a_manager_compares_and_merges_on_the_page_and_an_administrator_undoes_it(
        app, staff, now, client, login, make_user):
    story = whole_story(staff)
    duplicate = duplicate_of(staff, now)
    login(db.session.get(User, staff["manager"].user_id))

    record = client.get(f"/children/{story['child_id']}").get_data(as_text=True)
    assert f'href="/children/{story["child_id"]}/merge"' in record
    compared = client.get(f"/children/{story['child_id']}/merge?duplicate={duplicate.council_child_id}")
    page = compared.get_data(as_text=True)
    assert compared.status_code == 200 and "Details that differ" in page
    assert 'name="use-town" type="radio"\n                     value="duplicate" checked' in page  # kept has none
    assert "Mos" in page and "Moss" in page
    unknown = client.get(f"/children/{story['child_id']}/merge?duplicate=NOSUCH1")
    assert unknown.status_code == 400
    assert '<li><a href="#duplicate">No child record NOSUCH1' in unknown.get_data(as_text=True)

    from tests.conftest import csrf_token_from
    form = {"csrf_token": csrf_token_from(page), "duplicate": str(duplicate.council_child_id),
            "version": str(db.session.get(Child, story["child_id"]).version), "use-town": "duplicate",
            "use-last_name": "kept", "use-nhs_number": "duplicate"}
    merged = client.post(f"/children/{story['child_id']}/merge", data=form)
    assert merged.status_code == 302 and merged.headers["Location"].endswith(f"/children/{story['child_id']}")
    gone = client.get(f"/children/{duplicate.id}")
    assert gone.status_code == 302 and gone.headers["Location"].endswith(f"/children/{story['child_id']}")
    db.session.expire_all()
    assert db.session.get(Child, story["child_id"]).town == "Leeds"

    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))})
    login(make_user("admin"))
    listing = client.get("/admin/child-merges").get_data(as_text=True)
    assert f"Record {duplicate.id}" in listing
    merge_id = db.session.query(ChildMerge).one().id
    undone = client.post(f"/admin/child-merges/{merge_id}/undo", data={"csrf_token": csrf_token_from(listing)})
    assert undone.status_code == 302
    db.session.expire_all()
    assert db.session.get(Child, duplicate.id).merged_into_id is None
