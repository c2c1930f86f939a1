"""child merge: a duplicate child record folded into the one kept, and undone within 30 days

child        merged_into_id, merged_at: a merged duplicate stays as a tombstone that points at the
             record kept (an id, not a foreign key, so adding it never rebuilds the table on SQLite)
child_merge  one row per merge: the two records, who merged them and when, each record's fields
             before (to restore them) and the ids of every row moved from the duplicate (to move
             exactly those back); undone_at once an administrator has undone it

Nothing to fill for rows that already exist: no child has been merged before.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'child_merge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kept_id', sa.Integer(), nullable=False),
        sa.Column('duplicate_id', sa.Integer(), nullable=False),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('merged_by_id', sa.Integer(), nullable=True),
        sa.Column('kept_before', sa.Text(), nullable=False),
        sa.Column('duplicate_before', sa.Text(), nullable=False),
        sa.Column('taken', sa.String(length=300), nullable=False),
        sa.Column('moved', sa.Text(), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['duplicate_id'], ['child.id']),
        sa.ForeignKeyConstraint(['kept_id'], ['child.id']),
        sa.ForeignKeyConstraint(['merged_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['undone_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_child_merge_kept', 'child_merge', ['kept_id', 'undone_at'])
    op.create_index('ix_child_merge_duplicate', 'child_merge', ['duplicate_id'])


def downgrade():
    op.drop_index('ix_child_merge_duplicate', table_name='child_merge')
    op.drop_index('ix_child_merge_kept', table_name='child_merge')
    op.drop_table('child_merge')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_column('merged_at')
        batch_op.drop_column('merged_into_id')
