"""partner read scope: when an information request was withdrawn

A partner agency reads a contact while its request is open and for a set time after the answer
(answered_at) or the withdrawal (this column), then no longer. Requests withdrawn before this
revision take the time from the audit row that recorded the withdrawal.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('information_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE information_request SET withdrawn_at = ("
        " SELECT min(audit_event.at) FROM audit_event WHERE audit_event.entity = 'information_request'"
        " AND audit_event.entity_id = information_request.id AND audit_event.detail = 'withdrawn')"
        " WHERE state = 'withdrawn'")


def downgrade():
    with op.batch_alter_table('information_request', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
