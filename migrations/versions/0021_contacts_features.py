"""contacts features: a contact added to a child's open case; consent overrides approved; NFA signposting

contact_child    case_referral_id: the open referral the decision added this child's contact to
                 signposting: with no further action, where the family was pointed (codes, comma-separated)
contact          consent_override_by_id, consent_override_at, consent_override_reason: the manager
                 who approved sharing without consent after it was refused, when and why
Ids, not foreign keys, so adding them never rebuilds a large table on SQLite.

Rows that already exist are left empty: none of this was recorded before.

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_referral_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signposting', sa.String(length=300), nullable=True))
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_override_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consent_override_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_override_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('consent_override_reason')
        batch_op.drop_column('consent_override_at')
        batch_op.drop_column('consent_override_by_id')
    with op.batch_alter_table('contact_child', schema=None) as batch_op:
        batch_op.drop_column('signposting')
        batch_op.drop_column('case_referral_id')
