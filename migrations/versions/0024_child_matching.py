"""child matching: how each child on a contact was matched to a record already kept

contact_child    matched_by: 'nhs_number' or 'name_and_date_of_birth' when a partner's contact
                 named a child already recorded; empty when the contact made the record (or
                 staff named it)
                 match_details: a match by name and date of birth still to be confirmed at
                 screening: the details the partner sent (JSON), so that "not the same child"
                 can make the record they describe; emptied once the practitioner answers

Rows that already exist are left empty: nothing was matched by name before.

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matched_by', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('match_details', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('contact_child', schema=None) as batch_op:
        batch_op.drop_column('match_details')
        batch_op.drop_column('matched_by')
