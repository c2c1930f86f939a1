"""email delivery: claims, attempts and backoff on notifications; the scheduler lease's predecessor

A notification is claimed before it is emailed (email_claimed_by / email_claimed_until), each
attempt is counted, and a failure records its error class and SMTP code (never an address) and
when to try again. The scheduler lock row is now a lease on every database; previous_holder
names the scheduler a new holder took over from, so its unfinished claims can be released.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('email_claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default=sa.text('0'),
                                      nullable=False))
        batch_op.add_column(sa.Column('email_last_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_last_error', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_notification_email_due', ['emailed_at', 'email_next_attempt_at'],
                              unique=False)
    with op.batch_alter_table('scheduler_lock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_holder', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('scheduler_lock', schema=None) as batch_op:
        batch_op.drop_column('previous_holder')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_email_due')
        for column in ('email_last_error', 'email_next_attempt_at', 'email_last_attempt_at',
                       'email_attempts', 'email_claimed_until', 'email_claimed_by'):
            batch_op.drop_column(column)
