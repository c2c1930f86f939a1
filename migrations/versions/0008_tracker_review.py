"""tracker review: the import's review list, its saved name mapping, imported clocks

tracker_review_item  one per imported referral the import had doubts about, for a manager
tracker_name_map     saved answers to "what is this team / worker name from the tracker here?"
clock.imported_at    clocks brought in by the import: a breach before it is history

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tracker_review_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=False),
        sa.Column('kinds', sa.String(length=200), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('noted_completion', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.ForeignKeyConstraint(['child_id'], ['child.id']),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('referral_id'),
    )
    op.create_index('ix_tracker_review_open', 'tracker_review_item', ['resolved_at', 'id'])
    op.create_table(
        'tracker_name_map',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('column', sa.String(length=10), nullable=False),
        sa.Column('name_key', sa.String(length=120), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('locality_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['team_id'], ['team.id']),
        sa.ForeignKeyConstraint(['locality_id'], ['locality.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('column', 'name_key'),
    )
    with op.batch_alter_table('clock') as batch:
        batch.add_column(sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('clock') as batch:
        batch.drop_column('imported_at')
    op.drop_table('tracker_name_map')
    op.drop_index('ix_tracker_review_open', table_name='tracker_review_item')
    op.drop_table('tracker_review_item')
