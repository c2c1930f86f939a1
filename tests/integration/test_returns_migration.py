"""Migration 0012 fills the returns' fields for records that already exist, and says what it cannot."""
from __future__ import annotations

from sqlalchemy import text

from tests.conftest import _base_config


def test_existing_records_get_codes_closure_dates_and_a_stated_need(tmp_path, capsys):
    from flask_migrate import upgrade

    from triage.app import create_app
    from triage.extensions import db

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO child (id, first_name, last_name, sex, ethnicity, created_at, updated_at, version) "
                "VALUES (1, 'A', 'B', 'female', 'White: British', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1),"
                " (2, 'C', 'D', 'male', 'white british', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"))
            # Closed at 23:30 UTC on 30 June: 00:30 on 1 July in London.
            conn.execute(text(
                "INSERT INTO referral (id, child_id, referral_date, outcome, is_re_referral, created_at, closed_at,"
                " closure_reason, version) VALUES (1, 1, '2026-05-01', 'assessment', 0, '2026-05-01 10:00:00',"
                " '2026-06-30 23:30:00', 'RC8', 1)"))
            conn.execute(text(
                "INSERT INTO assessment (id, referral_id, child_id, due_date, outcome, created_at, version)"
                " VALUES (1, 1, 1, '2026-07-03', 'child_in_need_plan', '2026-05-01 10:00:00', 1)"))
        upgrade()
        with db.engine.connect() as conn:
            children = dict(conn.execute(text("SELECT id, ethnicity FROM child")).all())
            referral = conn.execute(text("SELECT closed_on, primary_need, nfa FROM referral")).one()
            support = conn.execute(text("SELECT needs_support FROM assessment")).scalar()
        db.engine.dispose()

    assert children == {1: "WBRI", 2: "white british"}
    assert (str(referral.closed_on), referral.primary_need, bool(referral.nfa)) == ("2026-07-01", "N0", False)
    assert bool(support) is True
    said = capsys.readouterr().out
    assert "1 children's ethnicity is neither a DfE code nor its label" in said
    assert "1 referrals had no primary need recorded" in said
