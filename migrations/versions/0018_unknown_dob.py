"""unknown date of birth: whether a child's date of birth is known, approximate or not known

child   birth_date_status: known (every existing record: each has a date of birth or an expected
        one), approximate (estimated from an approximate age, for the practitioner to confirm) or
        not_known (no date of birth yet, for the practitioner to complete)

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date_status', sa.String(length=12), nullable=False,
                                      server_default='known'))


def downgrade():
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_column('birth_date_status')
