"""report erasure: an erased child's name can leave the stored morning reports, and nothing else can change

report_erasure_permit  report_id: a stored report the erasure in progress may rewrite; the
                       erasure deletes its permits before it commits, so the table is empty
                       between transactions
morning_report         the append-only trigger now lets an UPDATE through when a permit names the
                       report and only its text changes; every other UPDATE and every DELETE is
                       still refused

Nothing existing changes. (On SQLite the report table's triggers may have been lost to an
earlier table rebuild; the UPDATE trigger is made again here, with the permit.)

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

_SAME = ("NEW.id = OLD.id AND NEW.report_date = OLD.report_date AND NEW.version = OLD.version "
         "AND NEW.built_at = OLD.built_at AND NEW.\"trigger\" = OLD.\"trigger\" AND NEW.built_by = OLD.built_by")
_PERMITTED = "EXISTS (SELECT 1 FROM report_erasure_permit p WHERE p.report_id = OLD.id)"


def _postgresql_function(permit: bool) -> str:
    allow = f"""
        IF TG_OP = 'UPDATE' AND {_SAME} AND {_PERMITTED} THEN
            RETURN NEW;
        END IF;""" if permit else ""
    return f"""
        CREATE OR REPLACE FUNCTION morning_report_append_only() RETURNS trigger AS $$
        BEGIN{allow}
            RAISE EXCEPTION 'morning_report is append-only';
        END;
        $$ LANGUAGE plpgsql"""


def upgrade():
    op.create_table('report_erasure_permit',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['morning_report.id']),
    sa.PrimaryKeyConstraint('report_id')
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_postgresql_function(permit=True))
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS morning_report_no_update")
        op.execute(f"""
            CREATE TRIGGER morning_report_no_update BEFORE UPDATE ON morning_report
            WHEN NOT ({_SAME} AND {_PERMITTED})
            BEGIN SELECT RAISE(ABORT, 'morning_report is append-only'); END""")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_postgresql_function(permit=False))
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS morning_report_no_update")
        op.execute("""
            CREATE TRIGGER morning_report_no_update BEFORE UPDATE ON morning_report
            BEGIN SELECT RAISE(ABORT, 'morning_report is append-only'); END""")
    op.drop_table('report_erasure_permit')
