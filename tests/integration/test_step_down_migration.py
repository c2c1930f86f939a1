"""Migration 0023 lets a handover come from a contact: existing handovers keep their case, a
handover needs exactly one of the two, and the downgrade refuses to lose handovers from contacts."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import _base_config
from tests.support.postgres import create_database

NOW = "2026-11-27 10:00:00+00:00"


def _database(backend, request, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'step_down.sqlite'}"
    return create_database(request.getfixturevalue("postgres_admin_url"), "triage_step_down_migration")


def _insert_step_down(conn, ident: int, referral_id, contact_id) -> None:
    conn.execute(text(
        "INSERT INTO step_down (id, referral_id, contact_id, child_id, agency_id, state, handed_over_at, due_date,"
        " version) VALUES (:id, :referral, :contact, 1, 1, 'waiting', :now, '2026-12-04', 1)"),
        {"id": ident, "referral": referral_id, "contact": contact_id, "now": NOW})


def test_upgrade_keeps_case_handovers_and_downgrade_refuses_to_lose_contact_ones(backend, request, tmp_path):
    from flask_migrate import downgrade, upgrade

    from triage.app import create_app
    from triage.extensions import db

    app = create_app(_base_config(_database(backend, request, tmp_path)))
    with app.app_context():
        upgrade(revision="0022")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO agency (id, code, name, kind) VALUES (1, 'early_help', 'Early help',"
                              " 'early_help')"))
            conn.execute(text(
                "INSERT INTO child (id, first_name, last_name, sex, created_at, updated_at, version)"
                " VALUES (1, 'A', 'B', 'female', :now, :now, 1)"), {"now": NOW})
            conn.execute(text(
                "INSERT INTO referral (id, child_id, referral_date, outcome, is_re_referral, created_at, version)"
                " VALUES (1, 1, '2026-11-20', 'assessment', :no, :now, 1)"), {"no": False, "now": NOW})
            conn.execute(text(
                "INSERT INTO step_down (id, referral_id, child_id, agency_id, state, handed_over_at, due_date,"
                " version) VALUES (1, 1, 1, 1, 'waiting', :now, '2026-12-04', 1)"), {"now": NOW})
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT referral_id, contact_id FROM step_down")).one() == (1, None)
            conn.execute(text(
                "INSERT INTO contact (id, received_at, recorded_at, channel, source_code, concern, state,"
                " put_forward_to_meeting, decision_due_at, version) VALUES (1, :now, :now, 'phone', '2A', 'c',"
                " 'decided', :no, :now, 1)"), {"now": NOW, "no": False})
            _insert_step_down(conn, 2, None, 1)
        for referral, contact in ((None, None), (1, 1)):  # neither, both
            with pytest.raises(DBAPIError), db.engine.begin() as conn:
                _insert_step_down(conn, 3, referral, contact)
        with pytest.raises(DBAPIError), db.engine.begin() as conn:  # one handover per child per contact
            _insert_step_down(conn, 3, None, 1)

        # Alembic's own command: Flask-Migrate would turn the refusal into an exit.
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match="1 handovers to early help came from contacts"):
            command.downgrade(config, "0022")
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM step_down WHERE contact_id IS NOT NULL"))
        downgrade(revision="0022")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT id, referral_id FROM step_down")).all() == [(1, 1)]
        with pytest.raises(DBAPIError), db.engine.begin() as conn:  # a case is required again
            conn.execute(text(
                "INSERT INTO step_down (id, child_id, agency_id, state, handed_over_at, due_date, version)"
                " VALUES (4, 1, 1, 'waiting', :now, '2026-12-04', 1)"), {"now": NOW})
        upgrade()
        db.engine.dispose()
