"""The tracker import captures the census details an old tracker keeps: sex, ethnicity,
disability, UPN, primary need and closure reason, each read against its DfE code list. A bad
code is a warning for the row, never a rejection: import what is real, question what is doubtful."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from triage.domain import tracker
from triage.domain.tracker.census import (
    read_disabilities,
    read_ethnicity,
    read_primary_need,
    read_sex,
    read_upn,
)
from triage.extensions import db
from triage.models import AuditEvent, Child, Referral
from triage.services import children, tracker_import

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
HEADER = ("ICS ID,Child Name,DOB,Referral Date,Gender,Ethnicity,Disability,UPN,Primary Need,Assessment Start,"
          "Assessment Completed,Outcome,Reason for closure\n")


@pytest.fixture
def manager(make_user, actor_for):
    return actor_for(make_user("manager", username="fd.manager"))


def csv_of(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


@pytest.mark.parametrize("heading, field", [
    ("Gender", "sex"), ("Sex", "sex"), ("Ethnic Origin", "ethnicity"), ("Disability Code(s)", "disabilities"),
    ("UPN", "upn"), ("Unique Pupil Number", "upn"), ("Primary Need Code", "primary_need"),
    ("Category of need", "primary_need"), ("Reason for Closure", "census_closure_reason"),
    ("Closure Reason (RC1-RC9)", "census_closure_reason"),
])
def test_the_census_columns_of_an_old_tracker_are_recognised(heading, field):
    assert tracker.field_for_heading(heading) == field


@pytest.mark.parametrize("reader, cell, expected", [
    (read_sex, "F", "female"), (read_sex, "boy", "male"), (read_sex, "a) Male", "male"),
    (read_sex, "Not stated", "not_stated"), (read_ethnicity, "wbri", "WBRI"),
    (read_ethnicity, "White: British", "WBRI"), (read_ethnicity, "BAFR - Black African", "BAFR"),
    (read_disabilities, "No", "NONE"), (read_disabilities, "MOB, hand", "MOB,HAND"),
    (read_disabilities, "AUT/LD", "AUT,LD"), (read_disabilities, "Hand function; vis", "HAND,VIS"),
    (read_disabilities, "MOB HAND", "MOB,HAND"), (read_primary_need, "N1 - Abuse or neglect", "N1"),
    (read_primary_need, "family in acute stress", "N4"),
])
def test_codes_and_their_labels_are_read_in_any_case(reader, cell, expected):
    assert reader(cell) == (expected, None)


@pytest.mark.parametrize("reader, cell, says", [
    (read_sex, "X", "not M, F or U"), (read_ethnicity, "White", "DfE codes"),
    (read_disabilities, "NONE, AUT", "NONE (no disability) cannot"), (read_disabilities, "BLIND", "Unknown"),
    (read_primary_need, "N12", "N0-N9"),
])
def test_a_value_off_its_list_is_left_out_with_a_warning(reader, cell, says):
    value, warning = reader(cell)
    assert value is None and says in warning and "left out" in warning


def test_a_upn_column_may_hold_the_upn_or_why_there_is_none():
    assert read_upn("d801 2001 00100") == ("D801200100100", None, None)
    assert read_upn("UN1") == (None, "UN1", None)
    upn, reason, warning = read_upn("D801200100101")
    assert upn is None and reason is None and "check letter" in warning


def test_an_import_writes_the_census_details_onto_the_new_child_and_the_referral(app, manager):
    report = tracker_import.import_tracker(manager, NOW, csv_of(
        "100201,Ava Stone,03/02/2015,01/09/2026,F,WBRI,NONE,D801200100100,N1,01/09/2026,20/10/2026,NFA,",
        "100202,Ben Hale,04/05/2019,02/09/2026,M,MWBA,\"MOB, COMM\",UN2,N4,02/09/2026,21/10/2026,CIN plan,"),
        "tracker.csv")

    assert report.summary["imported"] == 2, report.rows
    assert all(r.review == () for r in report.rows)  # nothing doubtful: nothing for a manager to look at
    ava = db.session.scalar(select(Child).where(Child.council_child_id == "100201"))
    ben = db.session.scalar(select(Child).where(Child.council_child_id == "100202"))
    assert (ava.sex, ava.ethnicity, ava.disabilities, ava.upn, ava.upn_unknown_reason) == (
        "female", "WBRI", "NONE", "D801200100100", None)
    assert (ben.sex, ben.ethnicity, ben.disabilities, ben.upn, ben.upn_unknown_reason) == (
        "male", "MWBA", "MOB,COMM", None, "UN2")
    needs = dict(db.session.execute(select(Referral.child_id, Referral.primary_need)).all())
    assert needs == {ava.id: "N1", ben.id: "N4"}


def test_bad_codes_import_the_row_with_a_warning_for_each_and_leave_the_values_out(app, manager):
    report = tracker_import.import_tracker(manager, NOW, csv_of(
        "100301,Cara Moss,03/02/2015,01/09/2026,Q,White,\"NONE, AUT\",A123,N12,01/09/2026,,,RC12"), "tracker.csv")

    row = report.rows[0]
    assert row.status == "imported" and "other" in row.review
    said = " | ".join(row.messages)
    for words in ("Sex \"Q\"", "Ethnicity \"White\"", "Disability \"NONE, AUT\"", "UPN \"A123\"",
                  "Primary need \"N12\"", "Closure reason \"RC12\""):
        assert words in said
    cara = db.session.scalar(select(Child).where(Child.council_child_id == "100301"))
    assert (cara.sex, cara.ethnicity, cara.disabilities, cara.upn) == ("unknown", None, None, None)
    assert db.session.scalar(select(Referral.primary_need).where(Referral.child_id == cara.id)) is None


def test_a_closure_reason_closes_the_case_on_its_completion_date_and_needs_one(app, manager):
    report = tracker_import.import_tracker(manager, NOW, csv_of(
        "100401,Dan Wren,03/02/2015,01/09/2026,M,WBRI,NONE,,N9,01/09/2026,20/10/2026,CIN plan,RC7",
        "100402,Eve Wren,03/02/2016,02/09/2026,F,WBRI,NONE,,N9,02/09/2026,,,RC7"), "tracker.csv")

    closed = {r.child_id: (r.closure_reason, r.closed_on) for r in db.session.scalars(select(Referral))}
    dan, eve = (db.session.scalar(select(Child.id).where(Child.council_child_id == i)) for i in ("100401", "100402"))
    assert closed[dan] == ("RC7", date(2026, 10, 20))
    assert closed[eve] == (None, None)  # still open: nothing says when it closed
    assert any("no completion date" in m for m in report.rows[1].messages)


def test_a_known_childs_blank_details_are_filled_audited_and_recorded_ones_kept(app, manager, make_user, actor_for):
    known = children.create_child(actor_for(make_user("era")), NOW, {
        "first_name": "Fay", "last_name": "Holt", "sex": "female", "date_of_birth": date(2015, 2, 3),
        "council_child_id": "100501", "ethnicity": "WIRI"})

    report = tracker_import.import_tracker(manager, NOW, csv_of(
        "100501,Fay Holt,03/02/2015,01/09/2026,F,WBRI,HEAR,,N1,01/09/2026,,,"), "tracker.csv")

    child = db.session.get(Child, known.id)
    assert (child.ethnicity, child.disabilities) == ("WIRI", "HEAR")
    said = report.rows[0].messages
    assert any("Added to the child record: disability" in m for m in said)
    assert any("ethnicity differ from the child record" in m and "WIRI" not in m for m in said)
    assert db.session.scalar(select(AuditEvent.detail).where(
        AuditEvent.entity == "child", AuditEvent.entity_id == known.id, AuditEvent.action == "update")) == (
        "tracker import: disability")


def test_rows_for_one_referral_fill_each_others_census_blanks():
    parsed = tracker.parse_tracker([
        ["ICS ID", "Referral Date", "Ethnicity", "Primary Need"],
        ["100601", "01/09/2026", "WBRI", None],
        ["100601", "01/09/2026", None, "N2"],
    ], date(2026, 11, 27))

    (row,) = parsed.rows
    assert (row.ethnicity, row.primary_need) == ("WBRI", "N2")
