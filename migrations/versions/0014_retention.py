"""retention: legal holds on a child's records and the record of each erasure

retention_hold      a legal hold (who, when, why; lifted by whom, when, why); one standing per child
retention_erasure   that a child's personal data was erased: when, by whom, the date it fell due and
                    the counts of the records kept (dates and codes) for the returns

Nothing existing changes: every child starts with no hold and nothing erased.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ACTIVE = sa.text("lifted_at IS NULL")


def upgrade():
    op.create_table(
        'retention_hold',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('placed_by_id', sa.Integer(), nullable=True),
        sa.Column('placed_by', sa.Text(), nullable=False),
        sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.Column('lifted_by', sa.Text(), nullable=True),
        sa.Column('lift_reason', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['child_id'], ['child.id']),
        sa.ForeignKeyConstraint(['placed_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_retention_hold_child', 'retention_hold', ['child_id', 'placed_at'])
    op.create_index('ux_retention_hold_active', 'retention_hold', ['child_id'], unique=True,
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    op.create_table(
        'retention_erasure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('erased_by_id', sa.Integer(), nullable=True),
        sa.Column('erased_by', sa.Text(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('contacts', sa.Integer(), nullable=False),
        sa.Column('referrals', sa.Integer(), nullable=False),
        sa.Column('assessments', sa.Integer(), nullable=False),
        sa.Column('section47s', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['child_id'], ['child.id']),
        sa.ForeignKeyConstraint(['erased_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('child_id'),
    )


def downgrade():
    op.drop_table('retention_erasure')
    op.drop_index('ux_retention_hold_active', table_name='retention_hold')
    op.drop_index('ix_retention_hold_child', table_name='retention_hold')
    op.drop_table('retention_hold')
