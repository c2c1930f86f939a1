"""step_down: a family handed over to an early help team, who accept or return it

step_down        one row per handover: the referral and child, the early help team (an agency),
                 waiting/accepted/returned, the Front Door's note, when it was handed over and the
                 working day the answer is due (its own clock, kind step_down), who answered, when
                 and why. Nothing existing is filled: handovers start with this release.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'step_down',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handed_over_by_id', sa.Integer(), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by', sa.String(length=120), nullable=True),
        sa.Column('answer_reason', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.ForeignKeyConstraint(['child_id'], ['child.id']),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id']),
        sa.ForeignKeyConstraint(['handed_over_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_step_down_agency_state', 'step_down', ['agency_id', 'state', 'due_date'])
    op.create_index('ix_step_down_referral', 'step_down', ['referral_id'])


def downgrade():
    op.drop_index('ix_step_down_referral', table_name='step_down')
    op.drop_index('ix_step_down_agency_state', table_name='step_down')
    op.drop_table('step_down')
