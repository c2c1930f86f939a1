"""out of hours: the Emergency Duty Team's handover list for the morning Front Door

out_of_hours_handover   one row per contact the EDT logged while the Front Door was closed, the
                        working day whose morning takes it over, and who accepted it and when

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'out_of_hours_handover',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handover_date', sa.Date(), nullable=False),
        sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.Column('accepted_by_token_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['accepted_by_token_id'], ['api_token.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contact_id'),
    )
    op.create_index('ix_out_of_hours_handover_waiting', 'out_of_hours_handover', ['accepted_at', 'handover_date'])
    op.create_index('ix_out_of_hours_handover_date', 'out_of_hours_handover', ['handover_date'])


def downgrade():
    op.drop_index('ix_out_of_hours_handover_date', table_name='out_of_hours_handover')
    op.drop_index('ix_out_of_hours_handover_waiting', table_name='out_of_hours_handover')
    op.drop_table('out_of_hours_handover')
