"""report no delete: a stored morning report cannot be deleted on SQLite either

morning_report  the SQLite trigger that refuses a DELETE is made again: the table rebuild in
                0011 (content stored as text) dropped both of its triggers, and 0022 made only
                the UPDATE one again. PostgreSQL's trigger survived and is untouched.

Nothing existing changes.

Revision ID: 0026
Revises: 0024
"""
from alembic import op

revision = '0026'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS morning_report_no_delete")
        op.execute("""
            CREATE TRIGGER morning_report_no_delete BEFORE DELETE ON morning_report
            BEGIN SELECT RAISE(ABORT, 'morning_report is append-only'); END""")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS morning_report_no_delete")
