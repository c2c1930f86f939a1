"""working-day calendar table; the morning report stored as the text it is served as

working_day: one row a day, 2000-2045, with whether it is a working day and the running count
of working days (domain.calendar.WorkingDayCalendar.day_numbers), so the report and the clock
queries count working days by subtraction in SQL on both databases. Filled here from the pure
calendar (bank holidays for England and the closure days already recorded); the service keeps
it in step when a closure day changes (services/calendar.py).

Revision ID: 0011
Revises: 0010
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    working_day = op.create_table(
        "working_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_working_day", sa.Boolean(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_index("ix_working_day_number", "working_day", ["number", "is_working_day"], unique=False)

    # The rules live in the pure calendar only; the migration writes what it answers.
    from triage.domain.calendar import WorkingDayCalendar
    from triage.services.calendar import TABLE_FIRST, TABLE_LAST, bank_holidays

    closures = [row[0] for row in op.get_bind().execute(sa.text("SELECT day FROM closure_day"))]
    closures = [date.fromisoformat(c) if isinstance(c, str) else c for c in closures]  # SQLite: text
    calendar = WorkingDayCalendar(bank_holidays(), closures)
    op.bulk_insert(working_day, [{"day": d, "is_working_day": w, "number": n}
                                 for d, w, n in calendar.day_numbers(TABLE_FIRST, TABLE_LAST)])


    # The report is stored as the JSON text it is served as (no re-encoding on each read).
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("morning_report", "content", type_=sa.Text(), existing_type=sa.JSON(), existing_nullable=False,
                        postgresql_using="content::text")
    else:
        with op.batch_alter_table("morning_report") as batch:
            batch.alter_column("content", type_=sa.Text(), existing_type=sa.JSON(), existing_nullable=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("morning_report", "content", type_=sa.JSON(), existing_type=sa.Text(), existing_nullable=False,
                        postgresql_using="content::json")
    else:
        with op.batch_alter_table("morning_report") as batch:
            batch.alter_column("content", type_=sa.JSON(), existing_type=sa.Text(), existing_nullable=False)
    op.drop_index("ix_working_day_number", table_name="working_day")
    op.drop_table("working_day")
