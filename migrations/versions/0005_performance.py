"""performance: indexes the benchmark figures justify

Each serves a read of the morning report that otherwise scanned a whole table, so grew with
all of history rather than with what is open or with the report's windows:

  contact(decided_at, decision_due_at) decisions in the 7/30/365-day windows, yesterday, the trend
  referral(referral_date, contact_id)  referrals and conversion in the windows
  referral(allocated_at)               newly allocated since the last report
  information_request(due_at)          partner returns in the windows
  assessment(authorised_on)            assessments authorised in the windows
  clock_event(recorded_at)             breaches recorded since the last report
  strategy_discussion(icpc_due_date)   partial: only s47s whose conference is still open

The report's joins to child, referral and assessment now read those rows by id (one array
parameter), so they need no new index: see services/morning_report.py, _among.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OPEN_S47 = "s47_started_on IS NOT NULL AND icpc_held_on IS NULL AND icpc_not_needed_reason IS NULL"
INDEXES = (
    ("ix_contact_decided", "contact", ["decided_at", "decision_due_at"]),
    ("ix_referral_date", "referral", ["referral_date", "contact_id"]),
    ("ix_referral_allocated", "referral", ["allocated_at"]),
    ("ix_information_request_due", "information_request", ["due_at"]),
    ("ix_assessment_authorised_on", "assessment", ["authorised_on"]),
    ("ix_clock_event_recorded", "clock_event", ["recorded_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.create_index("ix_strategy_discussion_open", "strategy_discussion", ["icpc_due_date"], unique=False,
                    postgresql_where=sa.text(OPEN_S47), sqlite_where=sa.text(OPEN_S47))


def downgrade():
    op.drop_index("ix_strategy_discussion_open", table_name="strategy_discussion")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
