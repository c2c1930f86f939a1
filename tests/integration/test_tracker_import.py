"""Importing the old spreadsheet: the samples, row by row, idempotent, nothing half-written;
real cases imported with warnings, names mapped, history kept as history."""
import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from triage.clock import LONDON
from triage.extensions import db
from triage.importing import held
from triage.models import (
    Assessment,
    AuditEvent,
    Child,
    Clock,
    ClockEvent,
    Locality,
    Notification,
    Referral,
    Team,
    TrackerNameMap,
    TrackerReviewItem,
)
from triage.services import people, tracker_import
from triage.services.errors import Forbidden, Invalid
from triage.services.sweep import sweep_clocks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CSV, XLSX = FIXTURES / "front_door_tracker.csv", FIXTURES / "front_door_tracker.xlsx"
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 27)
SAMPLE = {"imported": 76, "updated": 0, "unchanged": 0, "merged": 5, "rejected": 4}
PASSWORD = "correct horse battery staple"


@pytest.fixture
def manager(make_user, actor_for):
    return actor_for(make_user("manager", username="fd.manager"))


def outcomes(report):
    return [(r.row_number, r.status, tuple(m for m in r.messages if "differs" not in m)) for r in report.rows]


def account(username, display_name, role="practitioner"):
    return people.create_user(NOW, username, display_name, PASSWORD, role, None, None)


# --- the sample tracker ---------------------------------------------------------------------

def test_the_csv_and_the_workbook_give_the_same_result(app, manager):
    from_csv = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name, dry_run=True)
    from_xlsx = tracker_import.import_tracker(manager, NOW, XLSX.read_bytes(), XLSX.name, dry_run=True)
    assert outcomes(from_csv) == outcomes(from_xlsx)
    assert from_csv.summary == SAMPLE
    assert db.session.query(Referral).count() == 0 and db.session.query(Child).count() == 0
    assert db.session.query(Team).count() == 0 and db.session.query(Locality).count() == 0  # a dry run leaves nothing


def test_a_dry_run_says_what_would_happen_never_that_it_happened(app, manager):
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name, dry_run=True)
    assert report.summary_text == "76 would import, 0 would update, 0 unchanged, 5 would merge, 4 would reject"
    said = [m for r in report.rows for m in r.messages]
    assert any(m.startswith("Would create a new child record") for m in said)
    assert any(m.startswith("Would merge") for m in said)
    assert not any(m.startswith(("Created", "Merged", "Allocation updated", "On the review list")) for m in said)
    assert not any("imported" in m.lower() and "would" not in m.lower() and "not used" not in m
                   and "imported for" not in m and "imported as open" not in m for m in said)


def test_only_rows_that_cannot_be_a_case_are_rejected_and_each_says_why(app, manager):
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name, dry_run=True)
    rejected = {r.row_number: r.messages for r in report.rows if r.status == "rejected"}
    assert set(rejected) == {13, 34, 42, 84}  # no child id: "ICS ID to follow"
    assert all(any("child id" in m.lower() for m in messages) for messages in rejected.values())


def test_a_completion_typed_ahead_imports_the_case_open_with_the_date_as_a_note(app, manager):
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    row9 = next(r for r in report.rows if r.row_number == 9)  # Evie Young, completed "06/01/2027"
    assert row9.status == "imported" and "completion_not_used" in row9.review
    assert any("06/01/2027 is in the future" in m for m in row9.messages)
    assessment = db.session.query(Assessment).filter_by(import_key="tracker:249454:2026-10-28").one()
    assert assessment.authorised_on is None and "06/01/2027" in assessment.notes
    clock = db.session.query(Clock).filter_by(subject="assessment", subject_id=assessment.id).one()
    assert clock.stopped_at is None
    assert db.session.query(TrackerReviewItem).filter_by(referral_id=assessment.referral_id).one().noted_completion \
        == date(2027, 1, 6)


def test_importing_writes_referrals_and_assessments_on_the_service_clocks_and_twice_changes_nothing(app, manager):
    first = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    assert first.count("imported") == 76
    counts = (db.session.query(Referral).count(), db.session.query(Assessment).count(),
              db.session.query(Child).count(), db.session.query(Clock).count(),
              db.session.query(ClockEvent).count(), db.session.query(TrackerReviewItem).count(),
              db.session.query(Notification).count(), db.session.query(Team).count())
    assert counts[0] == 76 and counts[1] == 76
    again = tracker_import.import_tracker(manager, NOW, XLSX.read_bytes(), XLSX.name)
    assert again.summary == {**SAMPLE, "imported": 0, "unchanged": 76}
    assert (db.session.query(Referral).count(), db.session.query(Assessment).count(),
            db.session.query(Child).count(), db.session.query(Clock).count(),
            db.session.query(ClockEvent).count(), db.session.query(TrackerReviewItem).count(),
            db.session.query(Notification).count(), db.session.query(Team).count()) == counts


def test_imported_clocks_start_at_the_referral_date_not_the_moment_of_import(app, manager):
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    referral = db.session.query(Referral).filter_by(import_key="tracker:226285:2026-10-10").one()
    assessment = db.session.query(Assessment).filter_by(referral_id=referral.id).one()
    clock = db.session.query(Clock).filter_by(subject="assessment", subject_id=assessment.id).one()
    assert clock.started_at == datetime(2026, 10, 10, tzinfo=LONDON)
    assert clock.imported_at == NOW


def test_locality_names_become_localities_never_teams(app, manager):
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    teams = {t.name for t in db.session.query(Team)}
    assert teams == {"14+ Team", "Front Door Assessment Team", "Front Door"}
    assert {loc.name for loc in db.session.query(Locality)} == {"North Locality", "West Locality"}
    oliver = db.session.query(Child).filter_by(council_child_id="286403").one()  # "West Locality"
    assert oliver.locality.name == "West Locality"
    referral = db.session.query(Referral).filter_by(child_id=oliver.id).one()
    assert referral.team_id is None


def test_an_imported_row_that_disagrees_with_the_existing_child_is_imported_for_review(app, manager, make_user,
                                                                                      actor_for):
    from triage.services import children

    # Row 4 is Freddie Forster, 226285, born 02/11/2023; the service knows 226285 as born a day later.
    known = children.create_child(actor_for(make_user("era")), NOW, {
        "first_name": "Freddie", "last_name": "Forster", "sex": "male", "date_of_birth": date(2023, 11, 3),
        "council_child_id": "226285"})
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    row = next(r for r in report.rows if r.row_number == 4)
    assert row.status == "imported" and "child_details" in row.review
    warning = next(m for m in row.messages if "different date of birth" in m)
    assert "03/11/2023" not in warning  # an importer may not be allowed to read child records
    assert db.session.query(Referral).filter_by(child_id=known.id).count() == 1
    assert db.session.get(Child, known.id).date_of_birth == date(2023, 11, 3)  # nothing silently altered


def test_a_row_with_no_child_id_is_matched_to_the_one_child_with_its_name_and_date_of_birth(app, manager, make_user,
                                                                                          actor_for):
    from triage.services import children

    # Row 13: Jacob Anderson, born 24 Mar 2021, no id ("ICS ID to follow" in the notes); the service knows him without an id.
    jacob = children.create_child(actor_for(make_user("era")), NOW, {
        "first_name": "Jacob", "last_name": "Anderson", "sex": "male", "date_of_birth": date(2021, 3, 24)})
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    row = next(r for r in report.rows if r.row_number == 13)
    assert row.status == "imported" and "child_details" in row.review
    assert "No child id: matched to a child record by name and date of birth" in row.messages
    assert db.session.query(Referral).filter_by(child_id=jacob.id).count() == 1
    henry = next(r for r in report.rows if r.row_number == 34)  # Henry Dodd: nobody to match
    assert henry.status == "rejected" and "no child record has this name and date of birth" in henry.messages[0]
    again = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    assert next(r for r in again.rows if r.row_number == 13).status == "unchanged"
    assert again.summary == {**SAMPLE, "imported": 0, "unchanged": 77, "rejected": 3}


def test_a_row_matched_by_name_then_given_its_id_keeps_one_child_and_records_the_id(app, manager, make_user,
                                                                                    actor_for):
    from triage.services import children

    jacob = children.create_child(actor_for(make_user("era")), NOW, {
        "first_name": "Jacob", "last_name": "Anderson", "sex": "male", "date_of_birth": date(2021, 3, 24)})
    temporary = db.session.get(Child, jacob.id).council_child_id
    assert temporary.startswith("T")  # the service's own until the council's is known
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    # The tracker gains Jacob's id (row 13 had "ICS ID to follow").
    gained = CSV.read_bytes().replace(b"\n,Jacob Anderson,", b"\n555123,Jacob Anderson,")
    assert gained != CSV.read_bytes()
    checked = tracker_import.import_tracker(manager, NOW, gained, CSV.name, dry_run=True)
    row = next(r for r in checked.rows if r.row_number == 13)
    assert row.status == "updated" and row.messages[0].startswith("Would record child id 555123")
    assert db.session.get(Child, jacob.id).council_child_id == temporary  # a check writes nothing
    children_before = db.session.query(Child).count()
    report = tracker_import.import_tracker(manager, NOW, gained, CSV.name)
    row = next(r for r in report.rows if r.row_number == 13)
    assert row.status == "updated" and row.messages[0].startswith("Child id 555123 recorded")
    assert db.session.query(Child).count() == children_before  # no second Jacob
    assert db.session.get(Child, jacob.id).council_child_id == "555123"
    assert db.session.query(Referral).filter_by(child_id=jacob.id).count() == 1
    assert db.session.query(AuditEvent).filter_by(entity="child", entity_id=jacob.id, action="update").count() == 1
    again = tracker_import.import_tracker(manager, NOW, gained, CSV.name)
    assert next(r for r in again.rows if r.row_number == 13).status == "unchanged"
    assert again.summary == {**SAMPLE, "imported": 0, "unchanged": 77, "rejected": 3}


def test_a_council_id_the_service_already_holds_is_never_replaced_by_the_trackers(app, manager, make_user,
                                                                                  actor_for):
    from triage.services import children

    jacob = children.create_child(actor_for(make_user("era")), NOW, {
        "first_name": "Jacob", "last_name": "Anderson", "sex": "male", "date_of_birth": date(2021, 3, 24),
        "council_child_id": "999999"})
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    gained = CSV.read_bytes().replace(b"\n,Jacob Anderson,", b"\n555123,Jacob Anderson,")
    row = next(r for r in tracker_import.import_tracker(manager, NOW, gained, CSV.name).rows if r.row_number == 13)
    assert not any("recorded" in m and "555123" in m for m in row.messages)
    assert db.session.get(Child, jacob.id).council_child_id == "999999"


def test_a_late_completion_is_recorded_with_the_tracker_as_its_reason(app, manager):
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    late = db.session.query(Assessment).filter(Assessment.authorised_on > Assessment.due_date).all()
    assert late and all("imported from the tracker" in a.late_reason for a in late)


def test_a_tbc_outcome_on_a_completed_row_is_not_authorised_but_on_the_review_list(app, manager):
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    # Row 16: George Anderson, completed 06/11/2026, outcome "TBC".
    assessment = db.session.query(Assessment).filter_by(import_key="tracker:363779:2026-08-27").one()
    assert assessment.authorised_on is None and assessment.outcome is None
    clock = db.session.query(Clock).filter_by(subject="assessment", subject_id=assessment.id).one()
    assert clock.stopped_at == datetime(2026, 11, 6, 12, tzinfo=LONDON)  # the work stopped the clock
    item = db.session.query(TrackerReviewItem).filter_by(referral_id=assessment.referral_id).one()
    assert "outcome_needed" in item.kind_list and item.noted_completion == date(2026, 11, 6)
    assert not db.session.query(Assessment).filter(Assessment.authorised_on.is_not(None),
                                                   Assessment.outcome.is_(None),
                                                   Assessment.closure_reason.is_(None)).count()


def test_a_manager_records_the_missing_outcome_from_the_review_list(app, manager):
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    assessment = db.session.query(Assessment).filter_by(import_key="tracker:363779:2026-08-27").one()
    item = db.session.query(TrackerReviewItem).filter_by(referral_id=assessment.referral_id).one()
    page = tracker_import.review_list(manager, NOW)
    assert item.id in [i.id for i in page.items] and page.total == db.session.query(TrackerReviewItem).count()
    with pytest.raises(Invalid):
        tracker_import.resolve_review(manager, NOW, item.id)  # the outcome is needed
    tracker_import.resolve_review(manager, NOW, item.id, outcome="no_further_action", note="checked with the worker")
    assessment = db.session.get(Assessment, assessment.id)
    assert (assessment.outcome, assessment.authorised_on) == ("no_further_action", date(2026, 11, 6))
    assert assessment.referral.closed_at is not None
    assert item.id not in [i.id for i in tracker_import.review_list(manager, NOW).items]
    assert db.session.query(AuditEvent).filter_by(action="review", entity_id=assessment.referral_id).count() == 1


def test_the_review_list_audits_each_child_shown_in_one_statement(app, manager):
    from tests.support.statements import recorded_statements

    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    before = db.session.query(AuditEvent).filter_by(entity="tracker_review").count()
    with recorded_statements() as statements:
        page = tracker_import.review_list(manager, NOW, per_page=5)
    assert len(page.items) == 5 and page.total > 5
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")]
    assert len(inserts) == 1
    shown = db.session.query(AuditEvent).filter_by(entity="tracker_review").all()[before:]
    assert sorted((e.entity_id, e.child_id) for e in shown) == sorted((i.id, i.child_id) for i in page.items)


def test_only_a_manager_sees_and_resolves_the_review_list(app, make_user, actor_for):
    with pytest.raises(Forbidden):
        tracker_import.review_list(actor_for(make_user("practitioner")), NOW)


def test_a_file_that_is_not_a_tracker_is_refused_naming_the_file(app, manager):
    with pytest.raises(Invalid) as refused:
        tracker_import.import_tracker(manager, NOW, b"name,age\nA,3\n", "people.csv")
    assert "file" in refused.value.errors


def test_only_managers_and_administrators_import(app, make_user, actor_for):
    with pytest.raises(Forbidden):
        tracker_import.import_tracker(actor_for(make_user("practitioner")), NOW, CSV.read_bytes(), CSV.name)


# --- mapping names before the import ----------------------------------------------------------

def test_every_team_locality_and_worker_name_in_the_file_is_listed_with_its_choice(app, manager):
    front = Team(name="Front Door Assessment Team")
    db.session.add(front)
    db.session.commit()
    account("priya", "Priya Shah")
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name, dry_run=True)
    choices = {(c.column, c.name): (c.action, c.target_name) for c in report.names}
    assert choices[("team", "Front Door Assessment Team")] == ("team", "Front Door Assessment Team")
    assert choices[("team", "North Locality")] == ("create-locality", None)
    assert choices[("team", "14+ Team")] == ("create-team", None)
    assert choices[("worker", "Priya Shah")] == ("account", "priya")
    assert choices[("worker", "Dan Tait")] == ("none", None)


def test_a_mapping_sends_names_to_existing_teams_and_accounts_and_can_be_saved_for_next_time(app, manager):
    north = Team(name="North Assessment Team")
    db.session.add(north)
    db.session.commit()
    dan = account("dtait", "Daniel Tait")
    mapping = tracker_import.read_mapping(
        b"column,name,maps_to,target\nteam,north locality,team,North Assessment Team\n"
        b"worker,Dan Tait,account,dtait\nteam,FRONT DOOR,create-team,\n", "map.csv")
    tracker_import.save_mapping(manager, NOW, mapping)
    assert {m.name_key for m in db.session.query(TrackerNameMap)} == {"north locality", "dan tait"}  # not automatic
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    assert {(c.name, c.source) for c in report.names if c.source == "saved"} == {("North Locality", "saved"),
                                                                                 ("Dan Tait", "saved")}
    mia = db.session.query(Referral).filter_by(import_key="tracker:118777:2026-10-26").one()  # Dan Tait, FRONT DOOR
    assert mia.worker_id == dan.id
    isla = db.session.query(Referral).filter_by(import_key="tracker:484230:2026-08-09").one()  # North Locality
    assert isla.team_id == north.id
    assert db.session.query(Locality).filter_by(name="North Locality").count() == 0


def test_a_mapping_naming_what_does_not_exist_is_refused_before_anything_is_written(app, manager):
    mapping = tracker_import.read_mapping(b"column,name,maps_to,target\nworker,Dan Tait,account,nobody\n")
    with pytest.raises(Invalid) as refused:
        tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name, mapping=mapping)
    assert "nobody" in refused.value.errors["mapping"][0]
    assert db.session.query(Referral).count() == 0
    with pytest.raises(Invalid):
        tracker_import.read_mapping(b"team,name\n")


def test_a_re_import_after_the_workers_accounts_exist_allocates_their_cases_audited(app, manager):
    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    assert db.session.query(Referral).filter(Referral.worker_id.is_not(None)).count() == 0
    dan = account("dan.tait", "Dan Tait")
    later = NOW + timedelta(hours=2)
    again = tracker_import.import_tracker(manager, later, CSV.read_bytes(), CSV.name)
    dans = [r for r in db.session.query(Referral) if r.worker_id == dan.id]
    assert again.count("updated") == len(dans) > 5 and again.count("imported") == 0
    open_dans = [r for r in dans if r.closed_at is None]
    clocks = db.session.query(Clock).filter(Clock.subject == "assessment", Clock.owner_id == dan.id).count()
    assert clocks == len(dans) and open_dans
    assert db.session.query(AuditEvent).filter(AuditEvent.action == "allocate",
                                               AuditEvent.detail.like("tracker import%")).count() == len(dans)
    assert tracker_import.import_tracker(manager, later, CSV.read_bytes(), CSV.name).count("updated") == 0


def test_a_re_import_does_not_undo_an_allocation_made_by_hand(app, manager, make_user, actor_for):
    from triage.services import cases

    tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    referral = db.session.query(Referral).filter_by(import_key="tracker:118777:2026-10-26").one()  # Dan Tait
    boss = make_user("manager")
    other = account("someone", "Someone Else")
    other.team_id = referral.team_id  # a worker is allocated within their team
    db.session.commit()
    cases.allocate(actor_for(boss), NOW, referral.id, cases.Allocation(referral.team_id, other.id))
    account("dan.tait", "Dan Tait")
    report = tracker_import.import_tracker(manager, NOW, CSV.read_bytes(), CSV.name)
    assert next(r for r in report.rows if r.row_number == 38).status == "unchanged"
    assert db.session.get(Referral, referral.id).worker_id == other.id


# --- a few hundred rows with the usual mess ---------------------------------------------------

HEADER = ["ICS ID", "Child Name", "DOB", "Referral Date", "Source", "Allocated Worker", "Team",
          "Case Discussion Date", "Assessment Target Start", "Assessment Target End", "Assessment Completed",
          "Outcome", "Notes"]
WORKERS = ["Priya Shah", "Dan Tait", "Claire Errington", "mark pattinson", "Jo Straughan"]
TEAMS = ["Front Door", "FRONT DOOR", "14+ Team", "North Locality", "West Locality"]
FIRST = ["Ava", "Noah", "Isla", "Leo", "Mia", "Kai", "Evie", "Jack", "Rosie", "Oscar"]
LAST = ["Hall", "Bell", "Dodd", "Young", "Nixon", "Ridley", "Common", "Scott"]


def written(rng: random.Random, day: date) -> str:
    """A date as people type it: every format the tracker has seen."""
    style = rng.randrange(6)
    if style == 0:
        return day.strftime("%d/%m/%Y")
    if style == 1:
        return f"{day.day}/{day.month}/{day:%y}"
    if style == 2:
        return day.isoformat()
    if style == 3:
        return day.strftime("%d %b %Y")
    if style == 4:
        return str((day - date(1899, 12, 30)).days)  # an Excel serial
    return day.strftime("%d-%b-%y")


def messy_tracker(seed: int = 10, cases: int = 300, overdue: int | None = None):
    """(CSV bytes, {row number: what it is}) for a tracker with the usual mess, deterministically.

    Kinds: case, future_completion, target_before_start, tbc_outcome, duplicate, no_id, unborn."""
    rng = random.Random(seed)
    ids = rng.sample(range(100000, 999999), cases)
    rows: list[list[str]] = [["Front Door tracker - KEEP UP TO DATE"], [], HEADER]
    kinds: dict[int, str] = {}
    for n, child_id in enumerate(ids):
        if overdue is not None:
            referred = TODAY - timedelta(days=100 if n < overdue else rng.randrange(0, 3))
        else:
            referred = TODAY - timedelta(days=rng.randrange(1, 120))
        start = referred + timedelta(days=rng.randrange(0, 4))
        end = referred + timedelta(days=63)
        kind, completed, outcome = "case", "", ""
        dob = written(rng, date(2010, 1, 1) + timedelta(days=rng.randrange(0, 5000)))
        roll = rng.random() if overdue is None else 1.0
        if roll < 0.05:
            kind, dob = "unborn", f"Unborn - EDD {written(rng, TODAY + timedelta(days=rng.randrange(20, 150)))}"
        elif roll < 0.15:
            kind, completed = "future_completion", written(rng, TODAY + timedelta(days=rng.randrange(1, 40)))
        elif roll < 0.22:
            kind, end = "target_before_start", start - timedelta(days=3)
        elif roll < 0.30 and referred + timedelta(days=5) < TODAY:
            kind, outcome = "tbc_outcome", rng.choice(["TBC", "", "tbc"])
            completed = written(rng, referred + timedelta(days=rng.randrange(5, (TODAY - referred).days + 1)))
        elif roll < 0.55 and referred + timedelta(days=5) < TODAY:
            completed = written(rng, referred + timedelta(days=rng.randrange(5, (TODAY - referred).days + 1)))
            outcome = rng.choice(["NFA", "CIN", "S47", "Early Help", "nfa - advice given"])
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        row = [str(child_id), rng.choice([name, f"  {name} ", name.upper()]), dob, written(rng, referred),
               rng.choice(["Police", "School", "GP", "6", "A&E", "", "Health Visitor"]), rng.choice(WORKERS),
               rng.choice(TEAMS), rng.choice(["", "TBC", "n/a"]), written(rng, start), written(rng, end),
               completed, outcome, ""]
        rows.append(row)
        kinds[len(rows)] = kind
        if overdue is None and rng.random() < 0.07:  # typed in twice
            rows.append(list(row))
            kinds[len(rows)] = "duplicate"
        if overdue is None and rng.random() < 0.04:  # a child with no id yet
            rows.append(["ICS ID to follow" if rng.random() < 0.5 else "", f"{rng.choice(FIRST)} Nobody", dob,
                         written(rng, referred), "Police", rng.choice(WORKERS), "Front Door", "", "", "", "", "", ""])
            kinds[len(rows)] = "no_id"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(), kinds


def test_the_messy_generator_makes_the_mess_it_promises():
    data, kinds = messy_tracker()
    counts = {k: list(kinds.values()).count(k) for k in set(kinds.values())}
    assert len(kinds) > 300 and all(counts.get(k, 0) >= 5 for k in (
        "future_completion", "target_before_start", "tbc_outcome", "duplicate", "no_id", "unborn"))
    assert messy_tracker()[0] == data  # deterministic


def test_a_messy_tracker_imports_every_row_with_an_id_and_a_referral_date_and_flags_the_doubtful(app, manager):
    data, kinds = messy_tracker()
    report = tracker_import.import_tracker(manager, NOW, data, "messy.csv")
    status = {r.row_number: r for r in report.rows}
    assert set(status) == set(kinds)
    for number, kind in kinds.items():
        result = status[number]
        if kind == "no_id":
            assert result.status == "rejected", (number, result)
        elif kind == "duplicate":
            assert result.status == "merged", (number, result)
        else:
            assert result.status == "imported", (number, kind, result)
    doubtful = {"future_completion": "completion_not_used", "target_before_start": "target_end",
                "tbc_outcome": "outcome_needed"}
    for number, kind in kinds.items():
        if kind in doubtful:
            assert doubtful[kind] in status[number].review and status[number].messages, (number, kind)
    real = sum(1 for k in kinds.values() if k not in ("no_id", "duplicate"))
    assert db.session.query(Referral).count() == real
    assert db.session.query(TrackerReviewItem).count() == sum(1 for r in report.rows if r.review)
    assert db.session.query(Team).filter(Team.name.like("%Locality%")).count() == 0

    counts = [db.session.query(m).count() for m in (Referral, Child, Clock, ClockEvent, Notification,
                                                      TrackerReviewItem, Team, Locality, Assessment)]
    again = tracker_import.import_tracker(manager, NOW, data, "messy.csv")
    assert again.count("unchanged") == real and again.count("imported") == again.count("updated") == 0
    assert [db.session.query(m).count() for m in (Referral, Child, Clock, ClockEvent, Notification,
                                                    TrackerReviewItem, Team, Locality, Assessment)] == counts


def test_300_cases_with_100_overdue_make_no_breach_notifications_and_one_summary_per_manager(app, manager,
                                                                                              make_user):
    second = make_user("manager")
    for name in WORKERS[:3]:
        account(name.split()[0].lower(), name)
    data, _ = messy_tracker(seed=3, cases=300, overdue=100)
    report = tracker_import.import_tracker(manager, NOW, data, "switch-over.csv")
    assert report.count("imported") == 300 and report.overdue == 100
    assert db.session.query(Notification).filter(Notification.clock_event_id.is_not(None)).count() == 0
    summaries = db.session.query(Notification).filter(Notification.clock_event_id.is_(None)).all()
    assert sorted(n.user_id for n in summaries) == sorted([manager.user_id, second.id])
    assert all("300 cases imported, 100 already overdue" in n.message and n.link == "/import/review"
               for n in summaries)
    history = db.session.query(ClockEvent).filter_by(kind="breached").all()
    assert history and all(e.recorded_at == e.at < NOW for e in history)  # history, not news

    swept = sweep_clocks(NOW + timedelta(minutes=5))
    assert swept.breaches == 0
    later = sweep_clocks(NOW + timedelta(minutes=10))
    assert later.breaches == 0
    breach_notes = (db.session.query(Notification).join(ClockEvent, ClockEvent.id == Notification.clock_event_id)
                    .filter(ClockEvent.kind == "breached").count())
    assert breach_notes == 0
    assert db.session.query(ClockEvent).filter_by(kind="breached").count() == len(history)  # once


def test_a_dry_run_notifies_nobody(app, manager):
    data, _ = messy_tracker(seed=3, cases=30, overdue=10)
    tracker_import.import_tracker(manager, NOW, data, "x.csv", dry_run=True)
    assert db.session.query(Notification).count() == 0 and db.session.query(ClockEvent).count() == 0


# --- the command line and the pages ------------------------------------------------------------

@freeze_time(NOW)  # the command reads the wall clock; what is "future" in the sample depends on it
def test_the_command_line_import_reports_row_by_row_and_a_dry_run_writes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["triage", "import-tracker", str(CSV), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "row    13  would reject" in dry.output
    assert "Dry run, nothing written: 76 would import" in dry.output
    assert "team   North Locality                   -> new locality  (automatic" in dry.output
    assert db.session.query(Referral).count() == 0
    mapping = tmp_path / "map.csv"
    mapping.write_text("column,name,maps_to,target\nteam,North Locality,create-team,\n")
    done = runner.invoke(args=["triage", "import-tracker", str(XLSX), "--mapping", str(mapping), "--save-mapping"])
    assert done.exit_code == 0 and "Done: 76 imported" in done.output, done.output
    assert db.session.query(Referral).count() == 76
    assert db.session.query(Team).filter_by(name="North Locality").count() == 1  # as the mapping asked
    assert db.session.query(TrackerNameMap).filter_by(name_key="north locality").one().action == "create-team"
    missing = runner.invoke(args=["triage", "import-tracker", "/nonexistent.csv"])
    assert missing.exit_code != 0 and "does not exist" in missing.output


@freeze_time(NOW)
def test_the_upload_page_checks_shows_the_names_then_imports_with_the_chosen_mapping(app, client, login, make_user):
    from tests.conftest import csrf_token_from

    login(make_user("manager"))
    page = client.get("/import/tracker")
    assert page.status_code == 200 and "review list" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    empty = client.post("/import/tracker", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose a file" in empty.get_data(as_text=True)
    with open(CSV, "rb") as handle:
        checked = client.post("/import/tracker", data={"csrf_token": token, "dry_run": "y",
                                                       "file": (handle, "tracker.csv")},
                              content_type="multipart/form-data")
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "nothing has been written" in text and "76 would import" in text
    assert "North Locality" in text and 'name="map-team-north locality"' in text
    assert ">Imported<" not in text and "76 imported" not in text
    assert db.session.query(Referral).count() == 0
    # The checked file is kept on the server: adjust the mapping and import without choosing it again.
    kept = re.search(r'name="upload" value="([^"]+)"', text).group(1)
    assert "no need to choose the file again" in text
    wrong = client.post("/import/tracker", data={"csrf_token": token, "upload": kept, "map-team-north locality": "x"},
                        content_type="multipart/form-data")  # a choice to correct: the file is still offered
    assert wrong.status_code == 400 and f'name="upload" value="{kept}"' in wrong.get_data(as_text=True)
    assert (Path(app.instance_path) / held.FOLDER / f"{kept}.data").read_bytes() == CSV.read_bytes()
    done = client.post("/import/tracker", data={"csrf_token": token, "upload": kept,
                                                "map-team-north locality": "create-team", "save_mapping": "y"},
                       content_type="multipart/form-data")
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "76 imported" in text, text[:3000]
    assert "front_door_tracker" not in text and "tracker.csv" in text  # the name it was uploaded under
    assert db.session.query(Team).filter_by(name="North Locality").count() == 1
    assert db.session.query(TrackerNameMap).count() == 1
    assert not list((Path(app.instance_path) / held.FOLDER).glob(f"{kept}.*"))  # imported: deleted
    gone = client.post("/import/tracker", data={"csrf_token": token, "upload": kept},
                       content_type="multipart/form-data")
    assert gone.status_code == 400 and "no longer kept" in gone.get_data(as_text=True)
    bad = client.post("/import/tracker", data={"csrf_token": token, "file": (io.BytesIO(b"x,y\n1,2\n"), "x.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "tracker" in bad.get_data(as_text=True)


@freeze_time(NOW)
def test_a_kept_upload_serves_only_its_uploader_and_only_for_a_few_hours(app, client, login, make_user):
    from tests.conftest import csrf_token_from

    login(make_user("manager"))
    token = csrf_token_from(client.get("/import/tracker").get_data(as_text=True))
    with open(CSV, "rb") as handle:
        checked = client.post("/import/tracker", data={"csrf_token": token, "dry_run": "y",
                                                       "file": (handle, "tracker.csv")},
                              content_type="multipart/form-data")
    kept = re.search(r'name="upload" value="([^"]+)"', checked.get_data(as_text=True)).group(1)
    folder = Path(app.instance_path) / held.FOLDER
    assert oct((folder / f"{kept}.data").stat().st_mode & 0o777) == "0o600"
    client.post("/logout", data={"csrf_token": token})
    login(make_user("manager"))
    other = csrf_token_from(client.get("/import/tracker").get_data(as_text=True))
    stolen = client.post("/import/tracker", data={"csrf_token": other, "upload": kept, "dry_run": "y"},
                         content_type="multipart/form-data")
    assert stolen.status_code == 400 and "no longer kept" in stolen.get_data(as_text=True)
    assert (folder / f"{kept}.data").exists()  # still its uploader's
    assert held.fetch(app.instance_path, NOW + held.KEEP - timedelta(minutes=1), 1, "x" * 43) is None
    with freeze_time(NOW + held.KEEP + timedelta(minutes=1)):
        login(make_user("admin"))  # the session has timed out by then
        assert client.get("/import/tracker").status_code == 200  # any visit clears what is too old
    assert not list(folder.glob(f"{kept}.*"))  # older than a few hours: deleted


@freeze_time(NOW)
def test_the_review_page_lists_the_doubtful_cases_and_records_an_outcome(app, client, login, make_user, actor_for):
    from tests.conftest import csrf_token_from

    boss = make_user("manager")
    tracker_import.import_tracker(actor_for(boss), NOW, CSV.read_bytes(), CSV.name)
    login(boss)
    page = client.get("/import/review")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "George Anderson" in text and "Completed with no outcome" in text
    item = db.session.query(TrackerReviewItem).join(Referral).filter(
        Referral.import_key == "tracker:363779:2026-08-27").one()
    token = csrf_token_from(text)
    done = client.post(f"/import/review/{item.id}", data={"csrf_token": token, "outcome": "child_in_need_plan"})
    assert done.status_code == 302
    assert db.session.get(Assessment, db.session.query(Assessment).filter_by(
        referral_id=item.referral_id).one().id).outcome == "child_in_need_plan"
    assert db.session.get(TrackerReviewItem, item.id).resolved_at is not None


@freeze_time(NOW)
def test_the_review_list_is_in_the_api(app, api_as, make_user, actor_for):
    tracker_import.import_tracker(actor_for(make_user("manager")), NOW, CSV.read_bytes(), CSV.name)
    api = api_as("manager")
    listed = api.get("/api/v1/tracker-review")
    assert listed.status_code == 200, listed.get_data(as_text=True)
    import json

    assert json.loads(listed.headers["X-Pagination"])["total"] == db.session.query(TrackerReviewItem).count() > 0
    needing = next(i for i in listed.get_json() if "outcome_needed" in i["kinds"])
    assert needing["needs_outcome"] and needing["noted_completion"]
    refused = api.post(f"/api/v1/tracker-review/{needing['id']}/resolve", json={})
    assert refused.status_code == 422
    done = api.post(f"/api/v1/tracker-review/{needing['id']}/resolve", json={"outcome": "no_further_action"})
    assert done.status_code == 200 and done.get_json()["resolved_at"]
    again = api.post(f"/api/v1/tracker-review/{needing['id']}/resolve", json={"outcome": "no_further_action"})
    assert again.status_code == 409


@freeze_time(NOW)
def test_due_and_breached_shows_imported_overdue_cases_in_their_own_section(app, client, login, make_user,
                                                                            actor_for):
    boss = make_user("manager")
    data, _ = messy_tracker(seed=3, cases=12, overdue=4)
    tracker_import.import_tracker(actor_for(boss), NOW, data, "x.csv")
    login(boss)
    text = client.get("/cases/due").get_data(as_text=True)
    assert "Overdue when imported from the tracker" in text
    live, _, history = text.partition("Overdue when imported from the tracker")
    assert history.count("Assessment<span") == 4
    assert live.count("Assessment<span") == 0


def test_only_managers_and_administrators_see_the_upload_page(app, client, login, make_user):
    login(make_user("practitioner"))
    assert client.get("/import/tracker").status_code == 403
    assert client.get("/import/review").status_code == 403


def test_an_administrator_imports_but_the_review_list_is_for_managers(app, client, login, make_user):
    login(make_user("admin"))
    page = client.get("/import/tracker")
    assert page.status_code == 200 and "review list for Front Door managers" in page.get_data(as_text=True)
    assert client.get("/import/review").status_code == 403
