"""case_transfer: a case moved to another team and worker, with the reason

case_transfer    one row per move: the referral, the team and worker it left and the ones it
                 went to, why, when and by whom. The case's clocks keep their due dates; only
                 their owner and team change, so nothing else needs filling for existing rows.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_transfer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('from_team_id', sa.Integer(), nullable=True),
        sa.Column('from_worker_id', sa.Integer(), nullable=True),
        sa.Column('to_team_id', sa.Integer(), nullable=False),
        sa.Column('to_worker_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('transferred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('transferred_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.ForeignKeyConstraint(['from_team_id'], ['team.id']),
        sa.ForeignKeyConstraint(['from_worker_id'], ['user.id']),
        sa.ForeignKeyConstraint(['to_team_id'], ['team.id']),
        sa.ForeignKeyConstraint(['to_worker_id'], ['user.id']),
        sa.ForeignKeyConstraint(['transferred_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_transfer_referral', 'case_transfer', ['referral_id', 'transferred_at'])


def downgrade():
    op.drop_index('ix_case_transfer_referral', table_name='case_transfer')
    op.drop_table('case_transfer')
